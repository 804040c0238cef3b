"""Textbook exercises (in the kinds of OpenStax Calculus Vol. 3, §4.3-4.6, and Taylor polynomials), each
written here with its answer worked independently: by hand where the comment says so, else from sympy
built in this file (never symgd's parser or output). Every result is right and every step is verified."""
from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp
from sympy import Rational as R
from sympy import atan, cos, exp, log, sin, sqrt

from symgd.explain.geometry import directional, linearize, tangent
from symgd.explain.higher import hessian_steps, partial
from symgd.explain.steps import check_step
from symgd.explain.taylor import taylor

x, y, z = sp.symbols("x y z")


def _same(a, b) -> bool:
    """Exactly equal (simplify), or equal to 30 digits where simplify cannot decide."""
    a, b = sp.sympify(a), sp.sympify(b)
    if sp.simplify(a - b) == 0:
        return True
    return abs(complex(sp.N(a - b, 40))) < 1e-25


def _same_function(a, b, symbols) -> bool:
    if sp.simplify(sp.expand(a - b)) == 0:
        return True
    rng = [R(3, 7), R(5, 11), R(-2, 9)]
    return all(abs(complex(sp.N((a - b).subs(dict(zip(symbols, rng[k:] + rng[:k]))), 30))) < 1e-20
               for k in range(3))


# --- §4.3 higher-order and mixed partial derivatives: (input, order, the same function in sympy) ---
PARTIALS = [
    ("x^3 y^2", "x,y", x**3 * y**2),                          # by hand: 6x²y
    ("x^2 y^3 - 4 x y", "y,x", x**2 * y**3 - 4 * x * y),      # by hand: 6xy² - 4
    ("exp(x y)", "x,x", exp(x * y)),                          # by hand: y² e^{xy}
    ("sin(3x + 2y)", "x,y", sin(3 * x + 2 * y)),              # by hand: -6 sin(3x + 2y)
    ("ln(x^2 + y^2)", "x,x", log(x**2 + y**2)),
    ("x exp(-y) + y^3 sin(x)", "y,y", x * exp(-y) + y**3 * sin(x)),
    ("atan(y/x)", "x,y", atan(y / x)),
    ("sqrt(x^2 + y^2 + z^2)", "x,z", sqrt(x**2 + y**2 + z**2)),
    ("x y z + x^2 z^3", "x,y,z", x * y * z + x**2 * z**3),    # by hand: 1
    ("cos(x y)", "x,x,y", cos(x * y)),
    ("x^4 y^3", "x,x,x", x**4 * y**3),                        # by hand: 24 x y³
    ("exp(x) cos(y)", "y,y,x", exp(x) * cos(y)),
    ("(x + y)/(x - y)", "x,y", (x + y) / (x - y)),
    ("x^y", "x,y", x**y),
]
HAND = {0: 6 * x**2 * y, 1: 6 * x * y**2 - 4, 2: y**2 * exp(x * y), 3: -6 * sin(3 * x + 2 * y),
        8: sp.S.One, 10: 24 * x * y**3}


@pytest.mark.parametrize("i", range(len(PARTIALS)))
def test_higher_partial_is_sympy_diff_and_every_step_checks(i):
    text, order, f = PARTIALS[i]
    variables = [sp.Symbol(n) for n in order.split(",")]
    d = partial(text, order)
    assert _same_function(d.result, sp.diff(f, *variables), (x, y, z))
    if i in HAND:
        assert _same_function(d.result, HAND[i], (x, y, z))
    assert len(d.stages) == len(variables)
    previous = d.f
    for stage, v in zip(d.stages, variables):  # each stage differentiates the previous result
        assert stage.f == previous and stage.wrt == v
        previous = stage.result
    for step in d.steps:
        check_step(step)


@pytest.mark.parametrize("text,wrt,order,f", [
    ("d^2/dx^2 (x^3 y + sin(x))", None, None, x**3 * y + sin(x)),
    ("x^5 - 3x", "x", 3, x**5 - 3 * x),                        # by hand: 60x²
])
def test_nth_derivative_by_operator_or_order(text, wrt, order, f):
    d = partial(text, order=order, wrt=wrt)
    n = order or 2
    assert _same_function(d.result, sp.diff(f, x, n), (x, y))


def test_mixed_operator_differentiates_by_the_last_denominator_variable_first():
    d = partial("∂²/∂x∂y (x^3 y^2 + exp(x y))")
    assert [v.name for v in d.order] == ["y", "x"]
    assert _same_function(d.result, sp.diff(x**3 * y**2 + exp(x * y), y, x), (x, y))


HESSIANS = [
    ("x^3 y^2 + sin(x y)", x**3 * y**2 + sin(x * y)),
    ("x^2 - 4 x y + y^3", x**2 - 4 * x * y + y**3),
    ("exp(x) sin(y) + z^2 x", exp(x) * sin(y) + z**2 * x),
    ("ln(x + 2y)", log(x + 2 * y)),
    ("x y / (x^2 + y^2 + 1)", x * y / (x**2 + y**2 + 1)),
]


@pytest.mark.parametrize("text,f", HESSIANS)
def test_hessian_entries_and_clairaut(text, f):
    h = hessian_steps(text)
    symbols = h.variables
    truth = sp.hessian(f, symbols)
    for i in range(len(symbols)):
        for j in range(len(symbols)):
            assert _same_function(h.matrix[i, j], truth[i, j], (x, y, z))
            for step in h.entries[i][j].walk():
                check_step(step)
    assert len(h.symmetry) == len(symbols) * (len(symbols) - 1) // 2
    assert all(s.equal for s in h.symmetry)
    assert all(_same_function(s.f_ab, s.f_ba, (x, y, z)) for s in h.symmetry)


def test_laplace_equation_holds_for_a_harmonic_function():
    # OpenStax-style: show that u = e^x sin(y) satisfies u_xx + u_yy = 0 (by hand: e^x sin y - e^x sin y)
    uxx, uyy = partial("exp(x) sin(y)", "x,x").result, partial("exp(x) sin(y)", "y,y").result
    assert sp.simplify(uxx + uyy) == 0


# --- §4.6 directional derivatives and the gradient: (f, sympy f, point, direction, hand answer) ---
DIRECTIONAL = [
    ("x^2 y", x**2 * y, "x=1,y=2", "3,4", R(16, 5)),                         # ∇f=(4,1), u=(3/5,4/5)
    ("x^2 + y^2", x**2 + y**2, "x=1,y=1", "1,1", 2 * sqrt(2)),                # (2,2)·(1,1)/√2
    ("3x^2 + y^2", 3 * x**2 + y**2, "x=1,y=1", "1,0", sp.S(6)),
    ("x y + y z + x z", x * y + y * z + x * z, "x=1,y=-1,z=2", "3,6,-2", sp.S(3)),  # ∇f=(1,3,0): 21/7
    ("exp(x) cos(y)", exp(x) * cos(y), "x=0,y=0", "1,1", sqrt(2) / 2),
    ("ln(x^2 + y^2)", log(x**2 + y**2), "x=1,y=2", "2,-1", sp.S(0)),          # ∇f=(2/5,4/5) ⟂ (2,-1)
    ("sin(x y)", sin(x * y), "x=pi/2,y=1", "0,1", sp.S(0)),                  # x cos(xy) = π/2·cos(π/2) = 0
    ("x^3 - y^3", x**3 - y**3, "x=2,y=1", "1,-1", 15 / sqrt(2)),              # (12,-3)·(1,-1)/√2
    ("sqrt(x^2 + y^2 + z^2)", sqrt(x**2 + y**2 + z**2), "x=1,y=2,z=2", "1,0,0", R(1, 3)),
    ("x exp(y)", x * exp(y), "x=2,y=0", "-1,1", sp.S(1) / sqrt(2)),          # (1,2)·(-1,1)/√2
    ("y^2 / x", y**2 / x, "x=1,y=2", "2,sqrt(5)", R(-8, 3) + 4 * sqrt(5) / 3),  # (-4,4)·(2,√5)/3
    ("x^2 y z", x**2 * y * z, "x=1,y=1,z=1", "1,2,2", R(6, 3)),                # (2,1,1)·(1,2,2)/3
    ("x y", x * y, "x=1,y=2", "cos(pi/3),sin(pi/3)", 1 + sqrt(3) / 2),       # θ = π/3: (2,1)·(1/2, √3/2)
]


@pytest.mark.parametrize("i", range(len(DIRECTIONAL)))
def test_directional_derivative_and_steepest_ascent(i):
    text, f, at, v, hand = DIRECTIONAL[i]
    r = directional(text, at, v)
    symbols = sorted(f.free_symbols, key=lambda s: s.name)
    point = dict(zip(symbols, r.point))
    grad = [sp.diff(f, s).subs(point) for s in symbols]
    vec = [sp.sympify(c) for c in r.direction]
    norm = sqrt(sum(c**2 for c in vec))
    assert _same(r.value, sum(g * c for g, c in zip(grad, vec)) / norm)
    assert _same(r.value, hand)
    assert _same(r.rate, sqrt(sum(g**2 for g in grad)))
    assert float(sp.N(abs(r.value))) <= float(sp.N(r.rate)) + 1e-12  # Cauchy-Schwarz
    if r.steepest is not None:
        assert _same(sum(c**2 for c in r.steepest), 1)
        assert all(_same(c * r.rate, g) for c, g in zip(r.steepest, grad))
    for d in r.gradient.derivations:
        for step in d.walk():
            check_step(step)


def test_directional_derivative_matches_a_finite_difference():
    r = directional("x^2 y + sin(x z)", "x=1,y=2,z=0.5", "1,-2,2")
    f = lambda a, b, c: a**2 * b + mpmath.sin(a * c)  # noqa: E731
    u = [mpmath.mpf(1) / 3, mpmath.mpf(-2) / 3, mpmath.mpf(2) / 3]
    numeric = mpmath.diff(lambda t: f(1 + t * u[0], 2 + t * u[1], 0.5 + t * u[2]), 0)
    assert abs(float(sp.N(r.value)) - float(numeric)) < 1e-10


def test_zero_gradient_has_no_steepest_direction():
    r = directional("x^2 + y^2", "x=0,y=0", "1,2")
    assert r.value == 0 and r.rate == 0 and r.steepest is None


# --- §4.4 tangent planes and linear approximations ---
LINEARIZE = [  # (f, sympy f, point, hand answer for L)
    ("x^2 + y^2", x**2 + y**2, "x=1,y=2", 2 * x + 4 * y - 5),
    ("sqrt(x^2 + y^2)", sqrt(x**2 + y**2), "x=3,y=4", R(3, 5) * x + R(4, 5) * y),
    ("exp(x y)", exp(x * y), "x=0,y=0", sp.S.One),
    ("x y^2", x * y**2, "x=2,y=1", x + 4 * y - 4),       # f=2, ∇f=(1,4): 2 + (x-2) + 4(y-1)
    ("sin(x) cos(y)", sin(x) * cos(y), "x=0,y=0", x),
    ("ln(x - 2y)", log(x - 2 * y), "x=3,y=1", x - 2 * y - 1),        # f=0, ∇f=(1,-2)
    ("x/(x + y)", x / (x + y), "x=1,y=1", R(1, 2) + (x - 1) / 4 - (y - 1) / 4),
    ("sqrt(x)", sqrt(x), "x=4", 2 + (x - 4) / 4),
]


@pytest.mark.parametrize("text,f,at,hand", LINEARIZE)
def test_linearization_is_the_tangent_plane_of_the_graph(text, f, at, hand):
    r = linearize(text, at)
    symbols = sorted(f.free_symbols, key=lambda s: s.name)
    point = dict(zip(symbols, r.point))
    expected = f.subs(point) + sum(sp.diff(f, s).subs(point) * (s - point[s]) for s in symbols)
    assert _same_function(r.expr, expected, (x, y))
    assert _same_function(r.expr, hand, (x, y))


def test_linear_approximation_of_a_nearby_value():
    # estimate sqrt(3.02² + 3.97²) with L at (3, 4): 5 + 0.6·0.02 + 0.8·(-0.03) = 4.988 (by hand)
    r = linearize("sqrt(x^2 + y^2)", "x=3,y=4")
    estimate = float(r.expr.subs({x: 3.02, y: 3.97}))
    assert estimate == pytest.approx(4.988, abs=1e-12)
    assert abs(estimate - math.hypot(3.02, 3.97)) < 1e-3


TANGENTS = [  # (F, sympy F, point): the level set F = F(P)
    ("x^2 + y^2", x**2 + y**2, "x=3,y=4"),                        # by hand: 3x + 4y = 25
    ("x^2 + y^2 + z^2", x**2 + y**2 + z**2, "x=1,y=2,z=2"),       # by hand: x + 2y + 2z = 9
    ("x^2 + 2y^2 + 3z^2", x**2 + 2 * y**2 + 3 * z**2, "x=1,y=1,z=1"),
    ("x y z", x * y * z, "x=1,y=2,z=3"),
    ("x^2 y + y^3", x**2 * y + y**3, "x=1,y=1"),
    ("z - x^2 - y^2", z - x**2 - y**2, "x=1,y=1,z=2"),          # the paraboloid z = x² + y²
    ("exp(x) - y", exp(x) - y, "x=0,y=1"),
    ("x^2/4 + y^2/9 + z^2", x**2 / 4 + y**2 / 9 + z**2, "x=2,y=0,z=0"),  # by hand: x = 2
]


@pytest.mark.parametrize("text,F,at", TANGENTS)
def test_tangent_to_the_level_set(text, F, at):
    r = tangent(text, at)
    symbols = sorted(F.free_symbols, key=lambda s: s.name)
    point = dict(zip(symbols, r.point))
    normal = [sp.diff(F, s).subs(point) for s in symbols]
    expected = sum(n * (s - point[s]) for n, s in zip(normal, symbols))
    got = r.equation.lhs - r.equation.rhs
    assert _same_function(got, expected, (x, y, z))
    assert r.kind == ("tangent line" if len(symbols) == 2 else "tangent plane")


def test_normal_line_to_a_sphere():
    # x² + y² + z² = 9 at (1, 2, 2): the normal line is (1, 2, 2) + t(2, 4, 4) (by hand)
    r = tangent("x^2 + y^2 + z^2", "x=1,y=2,z=2")
    line = [ln for ln in r.lines if ln.label == "the normal line"][0].value
    t = sp.Symbol("t")
    assert [sp.expand(c) for c in line] == [1 + 2 * t, 2 + 4 * t, 2 + 4 * t]


def test_tangent_line_slope_is_the_implicit_derivative():
    # x² y + y³ = 2 at (1, 1): dy/dx = -2xy/(x² + 3y²) = -1/2 (by hand), so y = -x/2 + 3/2
    r = tangent("x^2 y + y^3", "x=1,y=1")
    line = [ln for ln in r.lines if ln.label.startswith("as y")][0].value
    assert sp.simplify(line.rhs - (-x / 2 + R(3, 2))) == 0


# --- Taylor polynomials ---
TAYLOR_1 = [  # (text, sympy f, point, order)
    ("exp(x)", exp(x), 0, 4), ("sin(x)", sin(x), 0, 5), ("cos(x)", cos(x), sp.pi, 4),
    ("ln(x)", log(x), 1, 5), ("sqrt(x)", sqrt(x), 4, 3), ("1/(1 - x)", 1 / (1 - x), 0, 6),
    ("tan(x)", sp.tan(x), 0, 5), ("atan(x)", atan(x), 1, 3),
]


@pytest.mark.parametrize("text,f,a,n", TAYLOR_1)
def test_taylor_one_variable_is_sympy_series(text, f, a, n):
    r = taylor(text, {"x": a}, n)
    truth = sp.series(f, x, a, n + 1).removeO()
    assert _same_function(r.polynomial, truth, (x,))
    assert r.remainder_order == n + 1


def test_taylor_by_hand():
    # e^x to order 3: 1 + x + x²/2 + x³/6; ln x at 1 to order 3: (x-1) - (x-1)²/2 + (x-1)³/3
    assert sp.expand(taylor("exp(x)", "x=0", 3).polynomial - (1 + x + x**2 / 2 + x**3 / 6)) == 0
    assert sp.expand(taylor("ln(x)", "x=1", 3).polynomial - ((x - 1) - (x - 1)**2 / 2 + (x - 1)**3 / 3)) == 0
    # e^x cos y at (0,0) to order 2: 1 + x + x²/2 - y²/2
    assert sp.expand(taylor("exp(x) cos(y)", "x=0,y=0", 2).polynomial - (1 + x + x**2 / 2 - y**2 / 2)) == 0


TAYLOR_N = [  # several variables: (text, sympy f, mpmath f, point, order)
    ("exp(x) cos(y)", exp(x) * cos(y), lambda a, b: mpmath.exp(a) * mpmath.cos(b), (0, 0), 3),
    ("sin(x + 2y)", sin(x + 2 * y), lambda a, b: mpmath.sin(a + 2 * b), (0, 0), 3),
    ("sqrt(1 + x + 2y)", sqrt(1 + x + 2 * y), lambda a, b: mpmath.sqrt(1 + a + 2 * b), (0, 0), 3),
    ("ln(1 + x) exp(y)", log(1 + x) * exp(y), lambda a, b: mpmath.log(1 + a) * mpmath.exp(b), (0, 0), 3),
    ("x^2 y + exp(x y)", x**2 * y + exp(x * y), lambda a, b: a**2 * b + mpmath.exp(a * b), (1, 2), 2),
    ("1/(1 - x - y)", 1 / (1 - x - y), lambda a, b: 1 / (1 - a - b), (0, 0), 3),
    ("cos(x y)", cos(x * y), lambda a, b: mpmath.cos(a * b), (1, sp.pi / 2), 2),
]


@pytest.mark.parametrize("text,f,fn,at,n", TAYLOR_N)
def test_taylor_several_variables_against_numerical_derivatives(text, f, fn, at, n):
    r = taylor(text, {"x": at[0], "y": at[1]}, n)
    assert len(r.terms) == math.comb(n + 2, 2)
    with mpmath.workdps(30):
        for term in r.terms:
            alpha = term.powers
            numeric = mpmath.diff(fn, tuple(mpmath.mpf(str(sp.N(c, 35))) for c in at), alpha)
            expected = numeric / (math.factorial(alpha[0]) * math.factorial(alpha[1]))
            assert abs(complex(sp.N(term.coefficient, 30)) - complex(expected)) < 1e-12
    # and the whole polynomial against sympy's series of f(a + t(x - a)) in t, built here
    a, b = (sp.sympify(c) for c in at)
    t = sp.Symbol("t")
    line = f.subs({x: a + t * (x - a), y: b + t * (y - b)}, simultaneous=True)
    truth = sp.series(line, t, 0, n + 1).removeO().subs(t, 1)
    assert _same_function(r.polynomial, truth, (x, y))


def test_corpus_is_large_enough():
    count = (len(PARTIALS) + 2 + 1 + len(HESSIANS) + 1 + len(DIRECTIONAL) + 1 + len(LINEARIZE) + 1
             + len(TANGENTS) + 1 + len(TAYLOR_1) + 1 + len(TAYLOR_N))
    assert count >= 45


@pytest.mark.parametrize("call", [
    lambda: directional("x y", {"x": 1, "y": [1]}, "1,1"),
    lambda: directional("x y", {"x": 1, "y": True}, "1,1"),
    lambda: directional("x y", "x=1,y=1", [1, float("nan")]),
    lambda: directional("x y", "x=1,y=1", [0, 0]),
    lambda: directional("x y", "x=1,y=1,y=2", "1,1"),
    lambda: directional("x y", "x=1,y=I", "1,1"),
    lambda: tangent("x^2 + y^2", {"x": 0, "y": 0}),
    lambda: linearize("1/x", "x=0"),
    lambda: taylor("exp(x)", "x=0", 0),
    lambda: taylor("exp(x)", "x=0", True),
    lambda: taylor("exp(x)", "x=0", 2.5),
    lambda: partial("x^2 y", "x,w"),
    lambda: partial("x^2 y", order=2),
    lambda: partial("x^2 y"),
    lambda: hessian_steps("a+b+c+d+p+q+r"),
])
def test_library_refuses_bad_input_with_a_symgd_error(call):
    from symgd.errors import SymgdError
    with pytest.raises(SymgdError):
        call()


def test_a_gradient_derivation_is_used_again_for_the_same_function_only():
    first = directional("x^2 y", "x=1,y=2", "1,0")
    again = linearize("x^2 y", "x=1,y=2", gradient=first.gradient)
    assert again.gradient is first.gradient
    other = linearize("x y^2", "x=1,y=2", gradient=first.gradient)  # another f: derived afresh
    assert other.gradient is not first.gradient
    assert list(other.gradient_at) == [4, 4]  # ∇(x y²) = (y², 2xy) at (1, 2), by hand
