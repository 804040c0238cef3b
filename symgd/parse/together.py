"""The math strings of one problem read together (issue 17): a function and its constraints.

The language's rule: a run of letters is one name unless its letters are one-letter variables used
elsewhere in the same input. ``extremum "xy" --subject-to "x + y = 1"`` is one problem, so ``xy`` is x·y
there, and ``x^2 + y^2`` subject to ``xy = 1`` reads the constraint as x·y = 1: each string is read
knowing the one-letter variables of all of them, as ``check`` reads its answer knowing the expression's.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import sympy

from symgd.parse.equation import Equation, parse_equation
from symgd.parse.program import Program, parse_program


def one_letter_names(names: Iterable[str]) -> frozenset[str]:
    """The names of ``names`` that are one letter (``x``; not ``xy``, ``x_1`` or ``θ``), which a run of
    letters may be made of."""
    return frozenset(n for n in names if len(n) == 1 and n.isascii() and n.isalpha())


def read_with_equations(expr: str | sympy.Expr, equations: Sequence[str | sympy.Equality | Equation],
                        known: frozenset[str] = frozenset()) -> tuple[Program, tuple[Equation, ...]]:
    """``expr`` and its ``equations`` read as one input: each is read knowing the one-letter variables
    of all of them (and ``known``). A first reading of each alone finds those letters; a string that
    does not parse raises its ParseError there, as it would alone."""
    alone = [parse_program(expr).expr.free_symbols, *(_equation(e).free_symbols for e in equations)]
    letters = known | one_letter_names(s.name for symbols in alone for s in symbols)
    return parse_program(expr, letters), tuple(_equation(e, letters) for e in equations)


def _equation(text: str | sympy.Equality | Equation, known: frozenset[str] = frozenset()) -> Equation:
    return text if isinstance(text, Equation) else parse_equation(text, known)
