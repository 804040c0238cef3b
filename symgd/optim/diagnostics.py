"""What the symbolic form tells us when a descent fails: the term that is undefined at a point, and a
learning rate that is safe for gradient descent, from the exact Hessian."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy

#: Above this many variables the Hessian is not "cheap" and no rate is suggested.
MAX_DIAGNOSTIC_VARIABLES = 40


def _is_number(value: sympy.Expr) -> bool:
    return bool(value.is_number and value.is_real and value.is_finite)


def _reason(term: sympy.Expr, args: tuple[sympy.Expr, ...]) -> str:
    """Why ``term`` is undefined, in words, given the values of its arguments."""
    if isinstance(term, sympy.log):
        return "log of zero" if args[0] == 0 else f"log of a negative number ({float(args[0]):.6g})"
    if isinstance(term, sympy.Pow):
        base, exponent = args
        if base == 0 and exponent.is_negative:
            return "division by zero"
        if base.is_negative and not exponent.is_integer:
            root = "square root" if exponent == sympy.Rational(1, 2) else "fractional power"
            return f"{root} of a negative number ({float(base):.6g})"
    if isinstance(term, (sympy.asin, sympy.acos, sympy.atanh, sympy.acoth, sympy.asec, sympy.acsc,
                         sympy.acosh)):
        return f"{type(term).__name__} of {float(args[0]):.6g}, outside its domain"
    return "its value is not a finite real number"


def undefined_term(expr: sympy.Expr, point: Mapping[sympy.Symbol, float]) -> tuple[sympy.Expr, str] | None:
    """The innermost subexpression of ``expr`` that is undefined at ``point`` (arguments all defined),
    with the reason in words; None when every term is a finite real number there."""
    values: dict[sympy.Expr, sympy.Expr] = {}
    subs = {s: sympy.Float(v) for s, v in point.items()}
    for term in sympy.postorder_traversal(expr):
        if term in values or not isinstance(term, sympy.Expr):
            continue
        args = tuple(values.get(a, a) for a in term.args)
        value = term.xreplace(subs).evalf() if not term.args else term.func(*args).evalf()
        values[term] = value
        if term.args and all(_is_number(a) for a in args if isinstance(a, sympy.Expr)) \
                and not _is_number(value):
            return term, _reason(term, args)
    return None


@dataclass(frozen=True)
class SafeRate:
    """``lr = 1 / curvature``; ``exact`` when the Hessian is constant (a quadratic), else local."""

    lr: float
    curvature: float
    exact: bool

    def describe(self, at: str = "the start point") -> str:
        where = "exact for this quadratic" if self.exact else f"a local estimate at {at}"
        return f"a safe rate from the Hessian is {self.lr:.6g} (1/L with L = {self.curvature:.6g}, {where})"


def safe_learning_rate(hessian: sympy.Matrix, point: Mapping[sympy.Symbol, float]) -> SafeRate | None:
    """1/L from the largest absolute eigenvalue L of the exact Hessian (constant, or at ``point``)."""
    if hessian.shape[0] > MAX_DIAGNOSTIC_VARIABLES:
        return None
    exact = not hessian.free_symbols
    subs = {s: sympy.Float(v) for s, v in point.items()}
    try:
        numeric = np.array(hessian.xreplace(subs).evalf(), dtype=float)
    except TypeError:  # a complex or symbolic entry: no estimate here
        return None
    if not np.isfinite(numeric).all():
        return None
    curvature = float(np.abs(np.linalg.eigvalsh((numeric + numeric.T) / 2)).max())
    return SafeRate(1.0 / curvature, curvature, exact) if curvature > 0 else None
