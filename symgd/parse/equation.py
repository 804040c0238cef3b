"""Equations: ``lhs = rhs`` read as two expressions (implicit differentiation, constraints).

The grammar reads ``name = value`` as a definition, so an equation is split here at its one top-level
``=`` (not ``==``, ``<=``, ``>=``, ``!=``, and not inside brackets) and each side goes through the one
grammar by ``parse_program``. An error on either side points its caret at the column of the whole input.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from symgd.errors import ParseError
from symgd.parse.messages import error_at
from symgd.parse.program import parse_program

_OPEN, _CLOSE = "([{", ")]}"
_NOT_ALONE = frozenset("=<>!:")  # '=' next to one of these is part of another operator (==, <=, >=, !=, :=)


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs`` as SymPy expressions, with the text it was read from and its reading notes."""

    lhs: sympy.Expr
    rhs: sympy.Expr
    source: str = ""
    notes: tuple[str, ...] = ()

    @property
    def zero_form(self) -> sympy.Expr:
        """``lhs - rhs``: the equation as F = 0."""
        return self.lhs - self.rhs

    @property
    def free_symbols(self) -> set[sympy.Symbol]:
        return self.lhs.free_symbols | self.rhs.free_symbols

    def __str__(self) -> str:
        return f"{sympy.sstr(self.lhs)} = {sympy.sstr(self.rhs)}"


def equal_signs(text: str) -> list[int]:
    """Offsets of the ``=`` signs of ``text`` that stand alone at bracket depth 0."""
    found, depth = [], 0
    for i, c in enumerate(text):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif c == "=" and depth == 0:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if before not in _NOT_ALONE and after not in _NOT_ALONE:
                found.append(i)
    return found


def _side(text: str, start: int, end: int, known: frozenset[str]):
    """The Program of ``text[start:end]``; a ParseError re-pointed at the whole ``text``."""
    piece = text[start:end]
    if not piece.strip():
        where = "left" if start == 0 else "right"
        raise error_at(text, start if start == 0 else end, f"the {where} side of '=' is empty",
                       hint="write an equation such as x^2 + y^2 = 25")
    try:
        return parse_program(piece, known)
    except ParseError as exc:
        if exc.line is None or exc.column is None:
            raise
        lines = piece.split("\n")
        pos = sum(len(line) + 1 for line in lines[:exc.line - 1]) + exc.column - 1
        message = exc.message.split(" (line ")[0] if "\n" in piece else exc.message
        raise error_at(text, start + pos, message, hint=exc.hint, cls=type(exc)) from None


def parse_equation(text: str | sympy.Equality, known: frozenset[str] = frozenset()) -> Equation:
    """Read ``text`` (``lhs = rhs``, or a SymPy ``Eq``) as an Equation; ParseError on anything else.

    >>> parse_equation("x^2 + y^2 = 25").zero_form
    x**2 + y**2 - 25
    """
    if isinstance(text, sympy.Equality):
        return Equation(text.lhs, text.rhs, sympy.sstr(text))
    if isinstance(text, sympy.Basic):
        raise ParseError(f"expected an equation lhs = rhs, not the expression {sympy.sstr(text)[:60]}")
    if not isinstance(text, str):
        raise ParseError(f"expected an equation as text, not {type(text).__name__}")
    if ";" in text or "\n" in text.strip():
        raise error_at(text, max(text.find(";"), 0), "an equation is one line: lhs = rhs "
                       "(definitions are not read here)", hint="write x^2 + y^2 = 25")
    signs = equal_signs(text)
    if not signs:
        raise error_at(text, len(text.rstrip()), "this is not an equation: it has no '='",
                       hint="write both sides, e.g. x^2 + x y + y^2 = 7")
    if len(signs) > 1:
        raise error_at(text, signs[1], "an equation has one '=', this one has "
                       f"{len(signs)}", hint="write one equation: lhs = rhs")
    sign = signs[0]
    left = _side(text, 0, sign, known)
    right = _side(text, sign + 1, len(text), known)
    notes = tuple(dict.fromkeys([*left.notes, *right.notes]))
    return Equation(left.expr, right.expr, text, notes)
