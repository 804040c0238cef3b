"""Points on a curve or surface F = 0: the test points of answers that are right only modulo F.

A derivative found by implicit differentiation, -(2x + y)/(x + 2y), may be written with the relation
used (y² replaced by 7 - x² - xy): the two agree on the curve and nowhere else, so random points off
the curve mark a right answer wrong. Here the other variables are drawn at random, the dependent one
is bracketed by sign changes of F on a grid and found by scipy's brentq, then polished with mpmath to
30 digits; a point is kept only where |F| ≤ 1e-12.
"""
from __future__ import annotations

import random
import warnings
from collections.abc import Sequence

import mpmath
import numpy as np
import sympy

_DIGITS = 30
_TOL = 1e-12
_GRID = 801
_WIDE = np.logspace(-3, 8, 600)
#: The grids tried in turn for the dependent variable: even ones near 0, then a logarithmic one out to
#: ±1e8 (y = 1000 + x² has no root within ±60).
_GRIDS = (*(np.linspace(-span, span, _GRID) for span in (3.0, 12.0, 60.0)),
          np.concatenate([-_WIDE[::-1], [0.0], _WIDE]))
_TRIALS = 60


def _roots_on_line(f_np, f_mp, values: list[float], grid: np.ndarray) -> list[float]:
    """Roots in y of F(values, y) between the ends of ``grid``: sign changes on it, brentq, then mpmath."""
    from scipy.optimize import brentq
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f_grid = np.asarray(f_np(*values, grid), dtype=float) * np.ones_like(grid)
    roots = []
    for i in np.flatnonzero(np.isfinite(f_grid[:-1]) & np.isfinite(f_grid[1:])
                            & (np.sign(f_grid[:-1]) * np.sign(f_grid[1:]) < 0)):
        try:
            y0 = brentq(lambda y: float(f_np(*values, y)), grid[i], grid[i + 1], xtol=1e-14)
            with mpmath.workdps(_DIGITS):
                y1 = mpmath.findroot(lambda y: f_mp(*values, y), mpmath.mpf(y0))
                if abs(mpmath.im(y1)) < _TOL and abs(f_mp(*values, mpmath.re(y1))) <= _TOL:
                    roots.append(mpmath.re(y1))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
    return roots


def curve_points(zero_form: sympy.Expr, dependent: sympy.Symbol, others: Sequence[sympy.Symbol],
                 count: int = 12, seed: int = 0) -> list[dict[sympy.Symbol, sympy.Float]]:
    """Up to ``count`` points on ``zero_form`` = 0 (dicts symbol -> 30-digit Float): the ``others``
    drawn at random, ``dependent`` solved for; fewer (or none) when the curve is hard to meet."""
    rng = random.Random(seed)
    args = [*others, dependent]
    f_np = sympy.lambdify(args, zero_form, "numpy")
    f_mp = sympy.lambdify(args, zero_form, "mpmath")
    points: list[dict[sympy.Symbol, sympy.Float]] = []
    for trial in range(_TRIALS):
        scale = (0.5, 1.5, 3.0, 6.0)[trial % 4]
        values = [round(rng.uniform(-scale, scale), 6) for _ in others]
        for grid in _GRIDS:
            roots = _roots_on_line(f_np, f_mp, values, grid)
            if roots:
                root = roots[rng.randrange(len(roots))]  # one per draw: points spread along the curve
                point = {s: sympy.Float(v, _DIGITS) for s, v in zip(others, values)}
                point[dependent] = sympy.Float(mpmath.nstr(root, _DIGITS), _DIGITS)
                points.append(point)
                break
        if len(points) >= count:
            break
    return points


def others(equation, dependent: sympy.Symbol) -> list[sympy.Symbol]:
    """The variables of ``equation`` (an Equation) other than ``dependent``, sorted by name: those drawn
    at random (x on a curve; x and y on a surface, where ∂z/∂x holds y fixed)."""
    return sorted((s for s in equation.free_symbols if s != dependent), key=lambda s: s.name)


def value_at(expr: sympy.Expr, point: dict) -> complex | None:
    """``expr`` at ``point`` to 30 digits; None where it is undefined, infinite or not real."""
    try:
        value = complex(expr.xreplace(point).evalf(_DIGITS))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if value != value or abs(value) == float("inf") or abs(value.imag) > 1e-9 * max(1.0, abs(value)):
        return None
    return value


def agree_on(a: sympy.Expr, b: sympy.Expr, points: list[dict], need: int = 4,
             tol: float = 1e-9) -> tuple[bool | None, dict | None]:
    """(verdict, point): True when ``a`` and ``b`` agree at ``need`` of ``points`` where both are
    defined, False with the first point where they differ, None when too few points are defined."""
    found = 0
    for point in points:
        va, vb = value_at(a, point), value_at(b, point)
        if va is None or vb is None:
            continue
        if abs(va - vb) > tol * max(1.0, abs(va), abs(vb)):
            return False, point
        found += 1
    return (True, None) if found >= need else (None, None)


def agreement(a: sympy.Expr, b: sympy.Expr, points: list[dict], tol: float = 1e-9) -> tuple[list[dict], list[dict]]:
    """(the points where ``a`` and ``b`` agree, those where both are defined and they differ)."""
    same, differ = [], []
    for point in points:
        va, vb = value_at(a, point), value_at(b, point)
        if va is not None and vb is not None:
            (same if abs(va - vb) <= tol * max(1.0, abs(va), abs(vb)) else differ).append(point)
    return same, differ
