"""Fused full-batch data loops against hand-written loops on sympy.diff's gradient (lambdified)."""
import numpy as np
import pytest
import sympy

from symgd.codegen.data import compile_data
from symgd.loops.fused_data import fused_data_minimize
from symgd.codegen.rule import G, T, X, ElementwiseRule

a, b, c, d, x, y = sympy.symbols("a b c d x y")
m, v = sympy.symbols("m v", real=True)
XS = np.linspace(-1.0, 1.0, 400)
YS = np.sin(XS)
CUBIC = ((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d))
EXP_MODEL = ((b * (1 - sympy.exp(-c * x)) - y) ** 2, (b, c))
GD = ElementwiseRule("gd", (), (), (), X - 1e-3 * G)
ADAM = ElementwiseRule("adam", ("m", "v"), (0.0, 0.0), (0.9 * m + 0.1 * G, 0.999 * v + 0.001 * G**2),
                       X - 0.01 * (m / (1 - 0.9**T)) / (sympy.sqrt(v / (1 - 0.999**T)) + 1e-8))


def _hand(expr, params, rule, theta0, steps):
    """The rule written out by hand on the summed gradient from sympy.diff (the oracle)."""
    grads = [sympy.lambdify((*params, x, y), sympy.diff(expr, p), "numpy") for p in params]
    th, mom, vel = np.array(theta0, float), np.zeros(len(params)), np.zeros(len(params))
    for t in range(1, steps + 1):
        g = np.array([np.sum(np.broadcast_to(f(*th, XS, YS), XS.shape)) for f in grads])
        if rule.name == "gd":
            th = th - 1e-3 * g
        else:
            mom, vel = 0.9 * mom + 0.1 * g, 0.999 * vel + 0.001 * g * g
            th = th - 0.01 * (mom / (1 - 0.9**t)) / (np.sqrt(vel / (1 - 0.999**t)) + 1e-8)
    return th


@pytest.fixture(scope="module")
def cubic():
    expr, params = CUBIC
    return compile_data(expr, params, (x, y)).bind({"x": XS, "y": YS})


def test_gram_equals_hessian_and_gradient_at_zero(cubic):
    expr, params = CUBIC
    h, g0, c0 = cubic.gram()
    jac = np.stack([XS**0, XS, XS**2, XS**3], axis=1)
    np.testing.assert_allclose(h, 2 * jac.T @ jac, rtol=1e-12, atol=1e-12 * np.abs(h).max())
    np.testing.assert_allclose(g0, -2 * jac.T @ YS, rtol=1e-12, atol=1e-12 * np.abs(g0).max())
    assert c0 == pytest.approx(float(YS @ YS), rel=1e-13)


@pytest.mark.parametrize("backend", ["python", "numpy", "torch"])
@pytest.mark.parametrize("rule", [GD, ADAM], ids=lambda r: r.name)
def test_cubic_loops_equal_hand_loop(cubic, backend, rule):
    if backend == "torch":
        pytest.importorskip("torch")
    expr, params = CUBIC
    theta0 = [0.2, 0.1, -0.1, 0.05]
    r = fused_data_minimize(cubic, rule, theta0, 150, check_every=10, record_every=50, backend=backend)
    want = _hand(expr, params, rule, theta0, 150)
    assert r.status == "budget" and r.nit == 150
    np.testing.assert_allclose(r.x, want, rtol=1e-9, atol=1e-12)
    value = float(np.sum((np.polyval(np.array(r.x)[::-1], XS) - YS) ** 2))
    assert r.value == pytest.approx(value, rel=1e-9)
    assert [row[0] for row in r.history] == [0, 50, 100, 150]


def test_nonlinear_model_runs_the_array_loop_and_converges():
    expr, params = EXP_MODEL
    bound = compile_data(expr, params, (x, y)).bind({"x": XS, "y": YS})
    assert bound.gram() is None
    r = fused_data_minimize(bound, ADAM, [0.5, 0.5], 120, check_every=7)
    np.testing.assert_allclose(r.x, _hand(expr, params, ADAM, [0.5, 0.5], 120), rtol=1e-10)


def test_converges_on_tolerance(cubic):
    r = fused_data_minimize(cubic, GD, [0.0] * 4, 200000, tol=1e-6, check_every=50, backend="python")
    jac = np.stack([XS**0, XS, XS**2, XS**3], axis=1)
    best = np.linalg.lstsq(jac, YS, rcond=None)[0]
    assert r.status == "gradient" and r.nit % 50 == 0 and r.grad_norm <= 1e-6
    np.testing.assert_allclose(r.x, best, rtol=1e-5, atol=1e-6)


def test_torch_loop_without_torch_says_how_to_install(cubic, monkeypatch):
    import subprocess
    import sys

    from symgd.errors import BackendUnavailableError
    code = "import sys, symgd.loops.fused_data, symgd.codegen.data_torch; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    for module in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "torch", None)
    exp_bound = compile_data(*EXP_MODEL, (x, y)).bind({"x": XS, "y": YS})
    for bound in (cubic, exp_bound):
        with pytest.raises(BackendUnavailableError, match=r"symgd\[torch\]"):
            fused_data_minimize(bound, GD, [0.0] * len(bound.program.params), 10, backend="torch")


def test_numba_backend_for_general_data_problems_equals_numpy_loop():
    pytest.importorskip("numba")
    from symgd.codegen.rule import G, X, ElementwiseRule
    a, b, c, x, y = sympy.symbols("a b c x y")
    prog = compile_data((a * sympy.exp(-b * x) + c - y) ** 2, (a, b, c), (x, y))
    xv = np.linspace(0, 4, 500)
    bound = prog.bind({"x": xv, "y": 2 * np.exp(-0.3 * xv) + 0.5})
    gd = ElementwiseRule("gd", (), (), (), X - 1e-4 * G)
    fast = fused_data_minimize(bound, gd, [1.0, 0.1, 0.0], 200, backend="numba", record_every=50)
    slow = fused_data_minimize(bound, gd, [1.0, 0.1, 0.0], 200, backend="numpy", record_every=50)
    assert fast.x == pytest.approx(slow.x, rel=1e-10) and fast.nit == slow.nit == 200
    assert [h[0] for h in fast.history] == [h[0] for h in slow.history] == [0, 50, 100, 150, 200]


def test_auto_picks_numba_only_for_long_runs_without_parameter_functions(monkeypatch):
    pytest.importorskip("numba")
    from symgd.codegen import backends
    from symgd.loops import fused_data
    a, b, x, y = sympy.symbols("a b x y")
    xv = np.linspace(0, 1, 100)
    exp_model = compile_data((a * sympy.exp(-b * x) - y) ** 2, (a, b), (x, y)).bind({"x": xv, "y": xv})
    poly_loss = compile_data((a + b * sympy.tanh(x) - y) ** 4, (a, b), (x, y)).bind({"x": xv, "y": xv})
    assert not fused_data.numba_pays(poly_loss, 10)  # 1,000 sample-steps: not worth a compile
    monkeypatch.setattr(backends, "NUMBA_DATA_WORK", 0)
    assert fused_data.numba_pays(poly_loss, 10)  # tanh of data only: hoisted, no libm call per sample
    assert not fused_data.numba_pays(exp_model, 10)  # exp of a parameter: NumPy's vector exp is faster
