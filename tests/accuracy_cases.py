"""The accuracy table's cases and its oracle: every function of the language over the float64 range.

The oracle is independent of symgd's code path: sympy's own expression (``parse``) and ``sympy.diff``
evaluated by mpmath at 30 digits at the exact float64 input. A point enters the table only where the true
value (or gradient component) is a finite float64; there the compiled number must agree to ``REL``
relative, with the absolute floor ``FLOOR`` for true values near zero (results below the normal range,
where float64 itself keeps fewer digits).
"""
from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import sympy

from symgd.parse import parse

REL = 1e-12
#: absolute floor: a few times the smallest normal float64 (subnormal results keep fewer digits)
FLOOR = 1e-306
#: float32: stable forms hold to float32 precision (a few ulps of 6e-8), floor near its normal range
REL32, FLOOR32 = 2e-6, 1e-36

_EDGE = [1e-300, 1e-154, 1e-8, 0.5, 1 - 1e-6, 1 - 1e-12, 1.0, 1 + 1e-12, 1 + 1e-6, 2.0, 20.0, 709.8, 710.0,
         1e154, 1e300]
POINTS = sorted({s * p for p in _EDGE for s in (1, -1)} | {0.0})

#: (name, expression as a user writes it); variables x (and y for two-argument functions)
UNARY = [
    *((f, f"{f}(x)") for f in ("sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "sech",
                             "csch", "coth", "asin", "acos", "atan", "asec", "acsc", "acot", "asinh",
                             "acosh", "atanh", "asech", "acsch", "acoth", "exp", "log", "log10", "log2",
                             "sqrt", "cbrt", "abs", "sign", "erf", "sigmoid", "softplus", "relu", "Heaviside")),
    ("where", "where(x > 0, 1/x, 0)"),
]
BINARY = [("atan2", "atan2(y, x)"), ("min", "min(x, y)"), ("max", "max(x, y)"), ("pow", "x^y"),
          ("logsumexp", "logsumexp(x, y)")]
#: language functions that are structure rather than a numeric function (sums, conditions, distributions);
#: prod and det are reductions over arrays, checked against NumPy and torch in test_indexed_extensions.py
STRUCTURAL = {"sum", "prod", "det", "Piecewise", "Eq", "Ne", "DiracDelta"}
#: points for the two-argument functions (x^y at a base of 0 included: its y-derivative's limit is 0)
PAIRS = [(x, y) for x in (1e-300, 1e-200, 1e-8, 0.5, 1.0, 3.0, 1e200, 1e300, -2.0, -1e-200, -1e300, 0.0)
         for y in (1e-300, 1e-200, 0.5, 2.0, 1e200, -1e-200, -0.5, -1e200, 0.0)]
POW_PAIRS = [(x, y) for x in (0.0, 1e-300, 1e-8, 0.5, 1.0, 2.0, 1e10, 1e300, -0.5, -2.0)
             for y in (0.5, 1.0, 2.0, 3.0, -0.5, 1e-8, 10.0)]

_PREC = 30


def _finite(v) -> float | None:
    """v as a float64 when it is a real, finite float64 value; None otherwise."""
    if v is None or isinstance(v, mpmath.mpc) and abs(v.imag) > 0:
        return None
    v = mpmath.re(v)
    if not mpmath.isfinite(v) or abs(v) > 1.7976931348623157e308:
        return None
    return float(v)


#: digits mpmath works with: 60 and 120, and 700 where those two disagree or the result is below 1e-20.
#: Sums absorb (log(exp(1e-300) + exp(-1e200)) = 1e-300 holds 1 + 1e-300 exactly only at some 330 digits)
#: and lambdify's forms cancel (acsch(x) as log(sqrt(1 + x**-2) + 1/x) loses 600 digits at x = -1e-300).
_DPS, _DPS_CHECK, _DPS_SMALL = 60, 120, 700


def _mp_eval(expr: sympy.Expr, syms, point) -> float | None:
    """expr at point by mpmath (lambdify), else by sympy's evalf; None where not a finite real."""
    f = _lambdified(expr, tuple(syms))
    if f is None:  # a function mpmath's printer does not know
        return _evalf(expr, syms, point)
    v, check = _mp_call(f, point, _DPS), _mp_call(f, point, _DPS_CHECK)
    if v is None or check is None:
        return None if v is None and check is None else _mp_call(f, point, _DPS_SMALL)
    if abs(v) < 1e-20 or abs(v - check) > 1e-20 * abs(check):
        return _mp_call(f, point, _DPS_SMALL)
    return check


@functools.cache
def _lambdified(expr: sympy.Expr, syms: tuple):
    try:
        return sympy.lambdify(syms, expr, modules="mpmath")
    except Exception:  # sympy raises several kinds for an unprintable function
        return None


def _mp_call(f, point, dps: int) -> float | None:
    with mpmath.workdps(dps):
        try:
            v = f(*(mpmath.mpf(p) for p in point))
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            return None
        if isinstance(v, mpmath.mpc):
            return None if v.imag != 0 else _finite(v.real)
        return _finite(mpmath.mpf(v)) if isinstance(v, (mpmath.mpf, int, float)) else None


def _evalf(expr: sympy.Expr, syms, point) -> float | None:
    subs = {s: sympy.Float(mpmath.mpf(p), _PREC + 10) for s, p in zip(syms, point)}
    with mpmath.workdps(_PREC + 10):
        try:
            v = expr.xreplace(subs).evalf(_PREC + 10, maxn=200)
        except Exception:  # sympy raises on points where a function is undefined
            return None
        if v.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or not v.is_number:
            return None
        c = complex(v) if not v.is_real else None
        if c is not None and c.imag != 0:
            return None
        try:
            return _finite(mpmath.mpf(sympy.re(v).evalf(_PREC)))
        except (TypeError, ValueError):
            return None


def expected(text: str, points) -> tuple[list, list[list]]:
    """The true value and gradient (or None where not a finite real float64) at each point."""
    expr = parse(text)
    syms = [s for s in (sympy.Symbol("x"), sympy.Symbol("y")) if s in expr.free_symbols]
    grads = [sympy.diff(expr, s) for s in syms]
    values, gradients = [], []
    for p in points:
        p = p if isinstance(p, tuple) else (p,)
        v = _mp_eval(expr, syms, p)
        values.append(v)  # a gradient is asked for only where the value is a finite real
        gradients.append([None if v is None else _kink(g, syms, p) for g in grads])
    return values, gradients


def _kink(g: sympy.Expr, syms, p) -> float | None:
    """The derivative at p; at a kink of abs/sign/min/max (DiracDelta, undefined sign) none is asked."""
    if g.has(sympy.DiracDelta, sympy.Subs, sympy.Derivative):
        g = g.replace(lambda a: isinstance(a, sympy.DiracDelta), lambda a: sympy.S.Zero)
        if g.has(sympy.Subs, sympy.Derivative):
            return None
    return _mp_eval(g, syms, p)


def mismatches(got, want, rel: float = REL, floor: float = FLOOR) -> list[str]:
    """Points where a computed value disagrees with the true one (nan/inf/error where finite included)."""
    bad = []
    for k, (g, w) in enumerate(zip(got, want)):
        if w is None:
            continue
        if g is None or not math.isfinite(g) or abs(g - w) > max(rel * abs(w), floor):
            bad.append(f"#{k}: got {g!r}, true {w!r}")
    return bad


def as_floats(a, n: int) -> list:
    """A backend's output (scalar, array, tensor) as n Python floats."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().double().numpy()
    a = np.broadcast_to(np.asarray(a, dtype=float), (n,))
    return [float(v) for v in a]
