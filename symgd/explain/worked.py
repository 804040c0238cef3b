"""The worked lines of the calculus problems (implicit derivatives, critical points, Lagrange).

A ``WorkStep`` is one line of a solution: what is done (``title``), the claim ``lhs = rhs`` and how the
claim was verified (``check``). The derivatives a line uses keep their own verified rule-by-rule
derivations (``derivations``), rendered under the line on request.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy

from symgd.errors import SymgdError
from symgd.explain.model import Derivation
from symgd.explain.verify import equal

#: The symbols standing for dy/dx and d²y/dx² in worked lines and answers.
PRIME = "'"


class WorkError(SymgdError):
    """A worked line that failed its own check: a bug in symgd, reported as one."""


@dataclass(frozen=True)
class WorkStep:
    """One verified line: ``title`` says what is done, ``lhs = rhs`` is the claim (``lhs`` may be a
    tuple for a system of equations), ``check`` says how it was verified (empty for a definition)."""

    title: str
    lhs: sympy.Basic | tuple
    rhs: sympy.Basic | tuple
    check: str = ""
    derivations: tuple[Derivation, ...] = ()


def prime(y: sympy.Symbol, order: int = 1) -> sympy.Symbol:
    """The symbol y' (order 1) or y'' (order 2), printed as such in text and LaTeX."""
    return sympy.Symbol(y.name + PRIME * order)


def verified(a: sympy.Expr, b: sympy.Expr, what: str, domain: sympy.Expr | None = None) -> None:
    """Raise WorkError unless ``a == b`` (symbolically or at random real points)."""
    if not equal(a, b, domain=domain):
        raise WorkError(f"a bug in symgd: the step '{what}' failed its check "
                        f"({sympy.sstr(a)[:60]} ≠ {sympy.sstr(b)[:60]})",
                        hint="please report it to the symgd maintainers with the input")


def shortest(candidates: Iterable[sympy.Expr]) -> sympy.Expr:
    """The candidate with the fewest operations, then the fewest minus signs (textbooks write
    −(2x + y)/(x + 2y), not (−2x − y)/(x + 2y)); the first among equals."""
    def key(c: sympy.Expr) -> tuple[int, int]:
        return sympy.count_ops(c), sympy.sstr(c).count("-")
    return min(candidates, key=key)
