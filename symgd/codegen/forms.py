"""Code forms of the reciprocal and inverse trig/hyperbolic functions, exact over the float64 range.

``for_code`` rewrites them, before printing, into functions every backend has (sympy's torch lambdify
included, which the oracle tests use: hence no log1p/expm1 here), in forms that neither overflow
(1/cosh(x) past 710) nor cancel near the branch points (acos(1/x), atanh(1/x), acosh(1/x) near ±1).
The accuracy table (tests/test_accuracy_table.py) checks each against mpmath.
"""
from __future__ import annotations

import sympy


def _sech(a: sympy.Expr) -> sympy.Expr:
    """sech through exp(-|a|): 1/cosh(a) overflows past |a| = 710 (an OverflowError in math)."""
    return 2 * sympy.exp(-sympy.Abs(a)) / (1 + sympy.exp(-2 * sympy.Abs(a)))


def _csch(a: sympy.Expr) -> sympy.Expr:
    """csch as sech/tanh: 1/sinh(a) overflows past |a| = 710; tanh(a) keeps the sign and the digits near 0."""
    return _sech(a) / sympy.tanh(a)


# The forms below use only functions sympy's own printers (lambdify's torch included) know: no log1p.
def _asech(a: sympy.Expr) -> sympy.Expr:
    """asech(a) = asinh(√((1-a)(1+a))/a), 1 - a exact near 1: acosh(1/a) loses ~1e-5 there."""
    return sympy.asinh(sympy.sqrt((1 - a) * (1 + a)) / a)


def _acoth(a: sympy.Expr) -> sympy.Expr:
    """acoth(a) = sign(a)·asinh(1/(√(|a|-1)·√(|a|+1))), |a| - 1 exact near 1 (atanh(1/a) loses ~1e-12
    there); two square roots so the product does not overflow past 1e154."""
    return sympy.sign(a) * sympy.asinh(1 / (sympy.sqrt(sympy.Abs(a) - 1) * sympy.sqrt(sympy.Abs(a) + 1)))


def _asec(a: sympy.Expr) -> sympy.Expr:
    """asec(a) = atan2(√((|a|-1)(|a|+1)), sign(a)): acos(1/a) loses ~1e-11 near ±1 (|a| keeps the
    square root's argument +0.0 at a = -1, where -0.0 would turn the angle to -π)."""
    return sympy.atan2(sympy.sqrt((sympy.Abs(a) - 1) * (sympy.Abs(a) + 1)), sympy.sign(a))


def _acot(a: sympy.Expr) -> sympy.Expr:
    """acot(a) = atan(1/a), and π/2 at 0 as sympy defines it (1/0 raises in Python)."""
    return sympy.Piecewise((sympy.pi / 2, sympy.Eq(a, 0)), (sympy.atan(1 / a), True))


_REWRITES = {
    sympy.sec: lambda a: 1 / sympy.cos(a), sympy.csc: lambda a: 1 / sympy.sin(a),
    sympy.cot: lambda a: 1 / sympy.tan(a), sympy.sech: _sech,
    sympy.csch: _csch, sympy.coth: lambda a: 1 / sympy.tanh(a),
    sympy.acot: _acot, sympy.asec: _asec,
    sympy.acsc: lambda a: sympy.asin(1 / a), sympy.acoth: _acoth,
    sympy.asech: _asech, sympy.acsch: lambda a: sympy.asinh(1 / a),
}


def for_code(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with reciprocal trig/hyperbolic functions written through cos, sin, tan, ... ."""
    if not expr.has(*_REWRITES):
        return expr
    for func, rewrite in _REWRITES.items():
        if expr.has(func):
            expr = expr.replace(func, rewrite)
    return expr
