"""Corpus B of issue 17: implicit derivatives (OpenStax Vol 3 §4.5), critical points and their
classification (§4.7) and Lagrange multipliers (§4.8): exercises of those kinds, with answers worked by
hand (in the tables) and checked again with independent oracles (sympy.idiff, sympy.solve, sympy.diff,
points of each curve found by sympy.nsolve)."""
from __future__ import annotations

import random

import pytest
import sympy
from sympy import Rational as R, pi, sqrt

from symgd.explain.critical import critical_points
from symgd.explain.implicit import implicit
from symgd.explain.lagrange import extremum
from symgd.parse import parse
from symgd.parse.equation import parse_equation

x, y, z = sympy.symbols("x y z")

# (equation, order, the derivative worked by hand)
IMPLICIT = [
    ("x^2 + y^2 = 25", 1, "-x/y"),
    ("x^3 + y^3 = 6 x y", 1, "(2y - x^2)/(y^2 - 2x)"),
    ("x^2 + x y + y^2 = 7", 1, "-(2x + y)/(x + 2y)"),
    ("x y = 1", 1, "-y/x"),
    ("y^2 = x^3", 1, "3x^2/(2y)"),
    ("e^y = x", 1, "1/x"),
    ("sin(x + y) = y^2 cos(x)", 1, "(-y^2 sin(x) - cos(x + y))/(cos(x + y) - 2y cos(x))"),
    ("x^2 - y^2 = 1", 1, "x/y"),
    ("x y^2 = 4", 1, "-y/(2x)"),
    ("sqrt(x) + sqrt(y) = 4", 1, "-sqrt(y)/sqrt(x)"),
    ("x^3 y + x y^3 = 10", 1, "-(3x^2 y + y^3)/(x^3 + 3x y^2)"),
    ("e^(x y) = x + y", 1, "(1 - y e^(x y))/(x e^(x y) - 1)"),
    ("x^2 + 3y^2 + 4y - 4 = 0", 1, "-x/(3y + 2)"),
    ("x^2 - 3x y + 7y^2 = 5", 1, "(3y - 2x)/(14y - 3x)"),
    ("x^2 + y^2 = 25", 2, "-25/y^3"),
    ("x^2 + x y + y^2 = 7", 2, "-42/(x + 2y)^3"),
    ("x^2 + 4y^2 = 4", 2, "-1/(4y^3)"),
    ("y^2 = x^3", 2, "3x/(4y)"),
]

# (f, box or None, {point: kind}) worked by hand
CRITICAL = [
    ("x^2 + y^2", None, {(0, 0): "local minimum"}),
    ("x^2 - y^2", None, {(0, 0): "saddle point"}),
    ("4 + x^3 + y^3 - 3x y", None, {(0, 0): "saddle point", (1, 1): "local minimum"}),
    ("x^3 - 3x + y^3 - 3y", None, {(-1, -1): "local maximum", (-1, 1): "saddle point",
                                   (1, -1): "saddle point", (1, 1): "local minimum"}),
    ("x^4 + y^4", None, {(0, 0): "inconclusive"}),
    ("x y (1 - x - y)", None, {(0, 0): "saddle point", (1, 0): "saddle point", (0, 1): "saddle point",
                               (R(1, 3), R(1, 3)): "local maximum"}),
    ("x^2 + x y + y^2 - 3x", None, {(2, -1): "local minimum"}),
    ("4 - x^2 - y^2", None, {(0, 0): "local maximum"}),
    ("x^3 - 3x", None, {(-1,): "local maximum", (1,): "local minimum"}),
    ("x^2 + y^2 + z^2 - x y", None, {(0, 0, 0): "local minimum"}),
    ("sin(x) sin(y)", {"x": (-1, 4), "y": (-1, 4)},
     {(0, 0): "saddle point", (0, pi): "saddle point", (pi, 0): "saddle point", (pi, pi): "saddle point",
      (pi / 2, pi / 2): "local maximum"}),
    ("x^3 + y^2 - 6x y + 6x + 3y", None, {(1, R(3, 2)): "saddle point", (5, R(27, 2)): "local minimum"}),
    ("x^4 + y^4 - 4x y + 1", None, {(0, 0): "saddle point", (1, 1): "local minimum", (-1, -1): "local minimum"}),
    ("e^x cos(y)", {"x": (-2, 2), "y": (-2, 2)}, {}),
    ("x^3", None, {(0,): "inconclusive"}),
    ("x^2 - 2x y + 2y^2 - 2x + 2y + 1", None, {(1, 0): "local minimum"}),
    ("x^2 + y^4", None, {(0, 0): "inconclusive"}),
    ("x^2 + y^2 - z^2", None, {(0, 0, 0): "saddle point"}),
    ("x y exp(-(x^2 + y^2)/2)", None, {(0, 0): "saddle point", (1, 1): "local maximum", (-1, -1): "local maximum",
                                       (1, -1): "local minimum", (-1, 1): "local minimum"}),
    ("x y + 1/x + 1/y", None, {(1, 1): "local minimum"}),
    ("x^5 + y^5 - 5x - 5y + x y^3", None, None),  # sympy.solve finds none of its 4: the numeric path
]

# (f, constraints, maximum, minimum) worked by hand
LAGRANGE = [
    ("x y", ["x^2 + y^2 = 8"], 4, -4),
    ("x + y", ["x^2 + y^2 = 1"], sqrt(2), -sqrt(2)),
    ("x^2 + y^2 + z^2", ["x + y + z = 1"], R(1, 3), R(1, 3)),
    ("2x + y + 2z", ["x^2 + y^2 + z^2 = 9"], 9, -9),
    ("x^2 + y^2 + z^2", ["x + y + z = 1", "x - y = 0"], R(1, 3), R(1, 3)),
    ("x^2 y", ["x^2 + 2y^2 = 6"], 4, -4),
    ("x^2 + 4y^2 - 2x + 8y", ["x + 2y = 7"], 27, 27),
    ("x^2 + y^2", ["x y = 1"], 2, 2),
    ("x + 2y", ["x^2 + y^2 = 5"], 5, -5),
    ("x + y + z", ["x^2 + y^2 + z^2 = 3"], 3, -3),
    ("3x + 4y", ["x^2 + y^2 = 25"], 25, -25),
    ("z", ["x + y + z = 1", "x^2 + y^2 = 1"], 1 + sqrt(2), 1 - sqrt(2)),
]


def _curve_points(zero_form: sympy.Expr, count: int = 6) -> list[dict]:
    """Points of zero_form = 0 found by sympy.nsolve (independent of symgd's own sampler)."""
    rng = random.Random(7)
    points = []
    for _ in range(400):
        x0 = rng.uniform(-3, 3)
        try:
            y0 = sympy.nsolve(zero_form.subs(x, x0), y, rng.uniform(-4, 4), prec=30)
        except (ValueError, ZeroDivisionError, TypeError):
            continue
        if not y0.is_real or abs(zero_form.subs({x: x0, y: y0}).evalf(30)) > 1e-20:
            continue
        points.append({x: sympy.Float(x0, 30), y: y0})
        if len(points) >= count:
            break
    return points


def _agree(a: sympy.Expr, b: sympy.Expr, points: list[dict]) -> int:
    used = 0
    for p in points:
        va, vb = complex(a.subs(p).evalf(30)), complex(b.subs(p).evalf(30))
        if any(v != v or abs(v) > 1e12 for v in (va, vb)):
            continue
        assert abs(va - vb) <= 1e-12 * max(1, abs(va)), (a, b, p)
        used += 1
    return used


@pytest.mark.parametrize("equation, order, hand", IMPLICIT)
def test_implicit_corpus(equation, order, hand):
    result = implicit(equation, order=order)
    eq = parse_equation(equation)
    oracle = sympy.idiff(eq.zero_form, y, x, order)
    points = _curve_points(eq.zero_form)
    assert len(points) >= 4
    assert _agree(result.result, oracle, points) >= 3
    assert _agree(result.result, parse(hand), points) >= 3
    assert all(step.check or not step.derivations for step in result.steps)
    for step in result.steps:  # every partial derivative's rule steps were verified against sympy.diff
        for d in step.derivations:
            assert sympy.simplify(d.result - sympy.diff(d.f, d.wrt)) == 0
    assert any("chain-rule factor" in step.title for step in result.steps)


SURFACES = [  # (equation, dependent, independent, ∂z/∂x worked by hand as -F_x/F_z)
    ("x^2 + y^2 + z^2 = 9", "z", "x", "-x/z"),
    ("x^2 y + y z^2 + x z = 5", "z", "x", "-(2x y + z)/(2y z + x)"),
    ("x^2 y - 3y z^2 + 2z = 4", "z", "y", "-(x^2 - 3z^2)/(2 - 6y z)"),
]


@pytest.mark.parametrize("equation, dependent, independent, hand", SURFACES)
def test_implicit_surfaces(equation, dependent, independent, hand):
    result = implicit(equation, dependent, independent)
    zero = parse_equation(equation).zero_form
    u, w = sympy.Symbol(dependent), sympy.Symbol(independent)
    minus_fx_over_fz = -sympy.diff(zero, w) / sympy.diff(zero, u)
    assert sympy.simplify(result.derivative - minus_fx_over_fz) == 0
    assert sympy.simplify(result.derivative - parse(hand)) == 0
    assert any("held constant" in n for n in result.notes)


def _as_key(point) -> tuple:
    return tuple(sympy.nsimplify(sympy.N(v, 20), [pi], tolerance=1e-12) for v in point)


@pytest.mark.parametrize("f, box, expected", CRITICAL)
def test_critical_corpus(f, box, expected):
    result = critical_points(f, box)
    expr = parse(f)
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    grad = [sympy.diff(expr, v) for v in variables]
    for p in result.points:  # the gradient vanishes at each point (independent sympy.diff)
        at = dict(zip(variables, p.point))
        assert all(abs(complex(g.subs(at).evalf(30))) < 1e-10 for g in grad)
    if expected is None:  # worked numerically: 4 points (gradient checked above, kinds by the D test below)
        assert result.method == "numeric" and len(result.points) == 4
        kinds = sorted(p.kind for p in result.points)
        assert kinds == ["local maximum", "local minimum", "saddle point", "saddle point"]
        return
    found = {_as_key(p.point): p.kind for p in result.points}
    assert found == {tuple(sympy.sympify(v) for v in k): kind for k, kind in expected.items()}


def test_critical_symbolic_points_match_sympy_solve():
    """An independent sympy.solve of ∇f = 0 gives the same real points (polynomial cases)."""
    for f, box, expected in CRITICAL:
        if box is not None or expected is None or "exp" in f or "/" in f:
            continue
        expr = parse(f)
        variables = sorted(expr.free_symbols, key=lambda s: s.name)
        solutions = sympy.solve([sympy.diff(expr, v) for v in variables], variables, dict=True)
        real = {tuple(s[v] for v in variables) for s in solutions
                if all(v in s and s[v].is_real for v in variables)}
        assert real == {tuple(sympy.sympify(v) for v in k) for k in expected}, f


def test_classification_by_hand_hessian():
    """The D test against the Hessian computed here: D = f_xx f_yy - f_xy² at each point."""
    for f, box, expected in CRITICAL:
        expr = parse(f)
        variables = sorted(expr.free_symbols, key=lambda s: s.name)
        if len(variables) != 2:
            continue
        for p in critical_points(f, box).points:
            h = sympy.hessian(expr, variables).subs(dict(zip(variables, p.point)))
            d = sympy.N(h.det(), 30)
            kind = ("saddle point" if d < -1e-12 else "inconclusive" if abs(d) <= 1e-12 else
                    "local minimum" if h[0, 0] > 0 else "local maximum")
            assert p.kind == kind, (f, p.point)


def test_critical_families_noted():
    result = critical_points("x^2 y^2")
    assert result.points == () and any("curve" in n for n in result.notes)


@pytest.mark.parametrize("f, constraints, top, bottom", LAGRANGE)
def test_lagrange_corpus(f, constraints, top, bottom):
    result = extremum(f, constraints)
    assert sympy.simplify(result.maximum - top) == 0
    assert sympy.simplify(result.minimum - bottom) == 0
    expr = parse(f)
    eqs = [parse_equation(c).zero_form for c in constraints]
    for c in result.candidates:  # each candidate is on the constraints, and ∇f is in the span of the ∇g
        at = dict(zip(result.variables, c.point))
        assert all(sympy.simplify(g.subs(at)) == 0 for g in eqs)
        grads = sympy.Matrix([[sympy.diff(e, v) for v in result.variables] for e in [expr, *eqs]]).subs(at)
        assert grads.rank(simplify=True) <= len(eqs)
        assert sympy.simplify(expr.subs(at) - c.value) == 0


def test_lagrange_sees_the_cusp():
    """min x on y² = x³: the minimum is at the cusp (0, 0), where ∇g = 0 and the system has no solution."""
    result = extremum("x", ["y^2 = x^3"])
    assert [c.point for c in result.candidates] == [(0, 0)] and result.candidates[0].singular
    assert result.minimum == 0


def test_corpus_size():
    assert len(IMPLICIT) + len(SURFACES) + len(CRITICAL) + len(LAGRANGE) >= 40
