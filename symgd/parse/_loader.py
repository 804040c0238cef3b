"""Finds the one grammar file (installed wheel or source tree) and builds the cached Lark parser."""
from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lark import Lark

from symgd.parse._postlex import Postlexer

_GRAMMAR = "symgd.lark"


def grammar_text() -> str:
    """The text of ``symgd.lark``: the wheel's packaged copy first, else the checkout's ``grammar/``.

    An editable install leaves a stale copy in site-packages that ``resources.files`` cannot reach,
    so the source-tree fallback is what an editable install or plain checkout uses.
    """
    packaged = resources.files("symgd") / "grammar" / _GRAMMAR
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    source = Path(__file__).resolve().parents[2] / "grammar" / _GRAMMAR
    return source.read_text(encoding="utf-8")


@functools.cache
def get_parser() -> Lark:
    """The LALR(1) parser, built once: deterministic, linear time, no ambiguity to resolve."""
    return Lark(grammar_text(), parser="lalr", lexer="basic", postlex=Postlexer(),
                propagate_positions=True, maybe_placeholders=False)
