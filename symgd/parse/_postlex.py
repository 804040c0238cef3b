"""Token-level decisions the LALR grammar cannot make from one token of lookahead.

This runs on Lark's tokens (never on raw text, so strings, numbers and names are already whole):
- LaTeX commands become ordinary tokens (``\\sin`` -> FUNC, ``\\cdot`` -> MUL_OP, ``\\alpha`` -> NAME);
- a function name followed by ``(`` is a call (FUNC_CALL), otherwise it applies to the factors after
  it (``sin 2x``); a name glued to ``(`` is NAME_CALL (a user function, or ``x(y+1)``);
- ``|`` opens or closes an absolute value depending on what precedes it;
- ``;`` and new lines end statements (new lines inside brackets do not); repeats are merged;
- the budget on tokens, bracket nesting and sign runs is enforced as the tokens stream by, so
  ``((((...`` ten thousand deep fails at the 51st bracket, before the parser builds anything.
"""
from __future__ import annotations

from collections.abc import Iterator

from lark import Token

from symgd.errors import BudgetError, ParseError, UnknownFunctionError
from symgd.parse import budget
from symgd.parse.functions import suggest
from symgd.parse.latex import COMMANDS, NAMED, SIZING, SPACING, greek_name
from symgd.parse.starts import Fail as _Fail
from symgd.parse.starts import statement_starts

_OPEN = {"LPAR": "RPAR", "LBRACE": "RBRACE", "LSQB": "RSQB", "BAR_OPEN": "BAR_CLOSE"}
_CLOSE = {v: k for k, v in _OPEN.items()}
# Tokens after which an operand has just ended (so `|` closes, if a bar is open).
_ENDS_OPERAND = {"NUMBER", "NAME", "GREEK", "RPAR", "RBRACE", "RSQB", "BAR_CLOSE", "SUPERSCRIPT"}


def _retype(tok: Token, type_: str, value: str | None = None) -> Token:
    return Token.new_borrow_pos(type_, tok.value if value is None else value, tok)


def _latex(stream: Iterator[Token]) -> Iterator[Token]:
    """Rename LaTeX commands to the language's own tokens; drop spacing and \\left / \\right."""
    forced_bar = None
    for tok in stream:
        if tok.type == "GREEK":
            tok = _retype(tok, "NAME", _greek_value(tok.value))
        if tok.type == "BAR" and forced_bar:
            tok = _retype(tok, forced_bar)
        forced_bar = None  # \left / \right steer only the token right after them
        if tok.type != "LATEX_CMD":
            yield tok
            continue
        word = tok.value[1:]
        if word in SPACING:
            continue
        if word in SIZING:
            forced_bar = "BAR_OPEN" if word.endswith(("left", "l")) else "BAR_CLOSE"
            continue
        if word in NAMED:
            yield _named(tok, stream)
            continue
        if word not in COMMANDS:
            raise _Fail(tok, f"unknown LaTeX command '{tok.value}'",
                        "symgd reads \\frac, \\sqrt, \\cdot, \\left( \\right), Greek letters "
                        "and the function commands such as \\sin and \\ln")
        type_, value = COMMANDS[word]
        yield _retype(tok, type_, value)
        if type_ == "FRAC":
            yield from _frac_digits(stream)


def _frac_digits(stream: Iterator[Token]) -> Iterator[Token]:
    """``\\frac12`` is TeX for \\frac{1}{2}: split a two-digit number right after \\frac."""
    nxt = next(stream, None)
    if nxt is None:
        return
    if nxt.type == "NUMBER" and len(nxt.value) == 2 and nxt.value.isdigit():
        for k, digit in enumerate(nxt.value):  # as if typed \\frac{1}{2}
            for type_, value in (("LBRACE", "{"), ("NUMBER", digit), ("RBRACE", "}")):
                yield Token(type_, value, nxt.start_pos + k, nxt.line, nxt.column + k,
                            nxt.end_line, nxt.column + k + 1, nxt.start_pos + k + 1)
    else:
        yield from _latex(iter([nxt]))


def _greek_value(value: str) -> str:
    """'θ_1' -> 'theta_1': a Greek letter becomes its spelled name, subscript kept."""
    return greek_name(value[0]) + value[1:]


def _named(tok: Token, stream: Iterator[Token]) -> Token:
    """``\\operatorname{name}``/``\\mathrm{e}`` -> that name as a FUNC or NAME token."""
    parts = [next(stream, None) for _ in range(3)]
    if None in parts or parts[0].type != "LBRACE" or parts[2].type != "RBRACE" \
            or parts[1].type not in ("NAME", "FUNC"):
        raise _Fail(tok, f"'{tok.value}' must be followed by a name in braces, as in "
                         f"{tok.value}{{sin}}")
    if tok.value == "\\operatorname" and parts[1].type != "FUNC":  # an operator, not letters e·x·e·c
        close = suggest(parts[1].value)
        raise _Fail(parts[1], f"unknown function '{parts[1].value}' in \\operatorname",
                    f"did you mean {' or '.join(close)}?" if close else None, UnknownFunctionError)
    return _retype(parts[1], parts[1].type)


class Postlexer:
    """Lark postlexer (``Lark(..., postlex=Postlexer())``); stateless between calls."""

    always_accept = ("BAR", "LATEX_CMD", "SEMICOLON", "NEWLINE", "GREEK", "PARTIAL")

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        tokens = statement_starts(_latex(stream))
        state = _State()
        pending = next(tokens, None)
        for nxt in tokens:
            yield from state.emit(pending, nxt)
            pending = nxt
        if pending is not None:
            yield from state.emit(pending, None)


class _State:
    """What the token pass remembers while streaming: open brackets, counts, the last token out."""

    def __init__(self) -> None:
        self.stack: list[Token] = []
        self.last: Token | None = None
        self.sep: Token | None = None
        self.count = 0
        self.signs = 0

    def emit(self, tok: Token, nxt: Token | None) -> Iterator[Token]:
        tok = self._classify(tok, nxt)
        if tok is None:
            return
        if tok.type == "_SEP":
            if self.last is not None and self.last.type != "_SEP":
                self.sep = tok
            return
        if self.sep is not None:
            self.last, self.sep = self.sep, None
            yield self.last
        self._check(tok)
        self.last = tok
        yield tok

    def _classify(self, tok: Token, nxt: Token | None) -> Token | None:
        kind = tok.type
        last = None if self.sep is not None else self.last
        if kind in ("SEMICOLON", "NEWLINE"):
            return None if kind == "NEWLINE" and self.stack else _retype(tok, "_SEP")
        if kind == "FUNC" and nxt is not None and nxt.type == "LPAR":
            return _retype(tok, "FUNC_CALL")
        if kind == "NAME" and nxt is not None and nxt.type == "LPAR" and nxt.start_pos == tok.end_pos:
            return _retype(tok, "NAME_CALL")
        if kind == "BAR":
            closes = last is not None and last.type in _ENDS_OPERAND \
                and bool(self.stack) and self.stack[-1].type == "BAR_OPEN"
            return _retype(tok, "BAR_CLOSE" if closes else "BAR_OPEN")
        if kind == "NUMBER" and last is not None and last.type == "NUMBER":
            if last.end_pos == tok.start_pos:
                raise _Fail(last, f"'{last.value}{tok.value}' is not a number: "
                                  "it has more than one decimal point",
                            "a number has at most one '.', as in 2.3")
            raise _Fail(tok, "two numbers side by side", f"write '*' between them, as in "
                                                         f"{last.value}*{tok.value}")
        return tok

    def _check(self, tok: Token) -> None:
        """Brackets, the budget of tokens and nesting, and runs of signs."""
        self.count += 1
        if self.count > budget.MAX_TOKENS:
            raise _Fail(tok, f"the input has more than {budget.MAX_TOKENS:,} tokens",
                        cls=BudgetError)
        self.signs = self.signs + 1 if tok.type == "ADD_OP" else 0
        if self.signs > budget.MAX_SIGNS:
            raise _Fail(tok, f"more than {budget.MAX_SIGNS} signs in a row", cls=BudgetError)
        if tok.type in _OPEN:
            self.stack.append(tok)
            if len(self.stack) > budget.MAX_NESTING:
                raise _Fail(tok, f"the input nests more than {budget.MAX_NESTING} brackets deep",
                            "split it into definitions, as in 'u = ...; sin(u)'", BudgetError)
        elif tok.type in _CLOSE and self.stack and self.stack[-1].type == _CLOSE[tok.type]:
            self.stack.pop()
