"""Fused loops against a plain Python reference loop over the compiled gradient (same iterates)."""
import math

import numpy as np
import pytest
import sympy

from symgd.calculus.graph import build_graph
from symgd.loops.fused import fused_minimize
from symgd.codegen.api import compile as symgd_compile
from symgd.codegen.rule import G, T, X, ElementwiseRule

x, y = sympy.symbols("x y")
m, v = sympy.symbols("m v", real=True)
GD = ElementwiseRule("gd", (), (), (), X - 0.01 * G)
MOMENTUM = ElementwiseRule("momentum", ("m",), (0.0,), (0.9 * m + G,), X - 0.01 * m)
ADAM = ElementwiseRule("adam", ("m", "v"), (0.0, 0.0), (0.9 * m + 0.1 * G, 0.999 * v + 0.001 * G**2),
                       X - 0.05 * (m / (1 - 0.9**T)) / (sympy.sqrt(v / (1 - 0.999**T)) + 1e-8))


def reference(f, rule, x0, steps):
    """The optimizer written by hand from its definition, on compile()'s gradient."""
    grad = symgd_compile(f, backend="python").grad
    xs = list(x0)
    state = {"m": [0.0] * len(xs), "v": [0.0] * len(xs)}
    for t in range(1, steps + 1):
        g = grad(*xs)
        for i, gi in enumerate(g):
            if rule.name == "gd":
                xs[i] = xs[i] - 0.01 * gi
            elif rule.name == "momentum":
                state["m"][i] = 0.9 * state["m"][i] + gi
                xs[i] = xs[i] - 0.01 * state["m"][i]
            else:
                state["m"][i] = 0.9 * state["m"][i] + 0.1 * gi
                state["v"][i] = 0.999 * state["v"][i] + 0.001 * gi * gi
                mhat, vhat = state["m"][i] / (1 - 0.9**t), state["v"][i] / (1 - 0.999**t)
                xs[i] = xs[i] - 0.05 * mhat / (math.sqrt(vhat) + 1e-8)
    return xs


@pytest.mark.parametrize("rule", [GD, MOMENTUM, ADAM], ids=lambda r: r.name)
def test_python_loop_equals_reference(rule):
    f = (1 - x) ** 2 + 5 * (y - x**2) ** 2
    got = fused_minimize(f, rule, [-0.5, 0.8], 300, tol=0.0, check_every=7, record_every=50, backend="python")
    want = reference(f, rule, [-0.5, 0.8], 300)
    assert got.status == "budget" and got.nit == 300
    assert got.x == pytest.approx(want, rel=1e-12, abs=1e-14)
    assert [row[0] for row in got.history] == [0, 50, 100, 150, 200, 250, 300]
    assert got.history[-1][1] == got.x
    assert got.value == pytest.approx(float(f.subs({x: want[0], y: want[1]})), rel=1e-12)


@pytest.mark.parametrize("rule", [GD, ADAM], ids=lambda r: r.name)
def test_numba_loop_equals_python_loop(rule):
    pytest.importorskip("numba")
    f = sympy.sin(x**2 + y**2)
    a = fused_minimize(f, rule, [1.5, 1.0], 400, check_every=10, record_every=100, backend="python")
    b = fused_minimize(f, rule, [1.5, 1.0], 400, check_every=10, record_every=100, backend="numba")
    assert a.x == pytest.approx(b.x, rel=1e-13) and a.nit == b.nit and a.status == b.status
    assert len(a.history) == len(b.history)


def test_converges_and_stops_at_check_points():
    f = (x - 3) ** 2 + 2 * (y + 1) ** 2
    r = fused_minimize(f, GD, [0.0, 0.0], 10000, tol=1e-8, check_every=5, backend="python")
    assert r.status == "gradient" and r.nit % 5 == 0 and r.grad_norm <= 1e-8
    assert r.x == pytest.approx((3.0, -1.0), abs=1e-8)


def test_divergence_returns_last_finite_iterate():
    f = sympy.exp(x**2)
    big = ElementwiseRule("gd", (), (), (), X - 10.0 * G)
    r = fused_minimize(f, big, [1.0], 100, check_every=1, backend="python")
    assert r.status == "diverged"
    assert math.isfinite(r.x[0]) and r.nit < 100
    # the reported iterate is a real iterate of the reference loop
    assert r.x[0] == pytest.approx(reference_steps(f, r.nit), rel=1e-12)


def reference_steps(f, k):
    grad = symgd_compile(f, backend="python").grad
    xv = 1.0
    for _ in range(k):
        xv = xv - 10.0 * grad(xv)[0]
    return xv


def test_accepts_graph_and_compiled():
    f = (x - 1) ** 2
    a = fused_minimize(build_graph(f), GD, [0.0], 50, backend="python")
    b = fused_minimize(symgd_compile(f, backend="numpy"), GD, [0.0], 50, backend="python")
    assert a.x == b.x and np.isclose(a.x[0], 1 - 0.98**50)


z = sympy.Symbol("z")
COMPOSED_CASES = [
    sympy.sin(x**2 + y**2),
    sympy.log(1 + x**2 + 2 * y**2 + (z - 1) ** 2),
    sympy.tanh(x - y) ** 2 + z**2 * sympy.cosh(x),
    sympy.sqrt(1 + x**2 + y**2) + sympy.exp(-x * y),
    x**4 / 4 - x * y + y**2,
]


@pytest.mark.parametrize("f", COMPOSED_CASES, ids=str)
@pytest.mark.parametrize("rule", [GD, MOMENTUM, ADAM], ids=lambda r: r.name)
def test_composed_step_equals_reference(f, rule):
    """Small graphs may run the rule composed with the gradient (one cse'd step); iterates stay the reference's."""
    graph = build_graph(f)
    x0 = [0.3, 1.1, 0.7][: len(graph.inputs)]
    got = fused_minimize(graph, rule, x0, 120, check_every=9, backend="python")
    want = reference(f, rule, x0, 120)
    assert got.nit == 120 and got.x == pytest.approx(want, rel=1e-9, abs=1e-12)  # rounding differs per step


@pytest.mark.parametrize("rule", [GD, MOMENTUM, ADAM], ids=lambda r: r.name)
def test_p1_step_is_composed(rule):
    """sin(x²+y²): the inner loop has no separate gradient lines, and gd folds into x·(1 - 0.02·cos(s))."""
    from symgd.loops.fused import compile_loop
    source = compile_loop(build_graph(COMPOSED_CASES[0]), rule, "python")[0]
    inner = source[source.index("for _i in range"):]
    assert "_g0" not in inner and "_g1" not in inner
    if rule is GD:
        assert "1.0 - 0.02*_m_cos((x*x) + (y*y))" in inner


def test_numba_refuses_code_it_would_compile_for_minutes():
    """A product of 200 names makes a 1,500-line fused loop (21 s of numba compile here): refused with a
    hint before compiling; the auto backend runs it on the array loop instead."""
    import symgd
    from symgd.errors import CompileError
    text = "*".join(f"x{k}" for k in range(200))
    with pytest.raises(CompileError, match="numba code would be"):
        symgd.minimize(text, backend="numba", optimizer="gd", steps=5)
    r = symgd.minimize(text, optimizer="gd", steps=5)
    assert r.nit == 5 and r.backend != "numba"
