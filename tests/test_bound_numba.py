"""numba data code (one scalar loop over the samples) against sympy.diff, central differences, the NumPy
data path and hand-written descent loops on sympy.diff's gradient."""
import functools
import math

import numpy as np
import pytest
import sympy

pytest.importorskip("numba")

from symgd.codegen.data import compile_data  # noqa: E402
from symgd.codegen.sample_loop import compiled_value_and_grad, numba_sum_value_and_grad  # noqa: E402
from symgd.loops.data_numba import numba_data_minimize  # noqa: E402
from symgd.loops.fused_data import fused_data_minimize  # noqa: E402
from symgd.optim.adam import adam_rule  # noqa: E402
from symgd.optim.gd import gd_rule  # noqa: E402
from symgd.optim.momentum import momentum_rule  # noqa: E402

a, b, c, d, k, x, y, w, s = sympy.symbols("a b c d k x y w s")
XS = np.linspace(0.0, 3.0, 301)
DATA = {"x": XS, "y": 2 * np.exp(-0.7 * XS) + 0.05 * np.sin(5 * XS), "w": 1 + XS**2,
        "s": np.where(np.sin(4 * XS) > 0, 1.0, -1.0)}
MODELS = {  # name: (per-sample expression, parameters, data symbols, θ)
    "cubic": ((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d), (x, y), (0.1, 0.2, -0.1, 0.01)),
    "exp_decay": ((a * sympy.exp(-b * x) - y) ** 2, (a, b), (x, y), (1.5, 0.4)),
    "pseudo_huber": (sympy.Rational(1, 4) * (sympy.sqrt(1 + 4 * (a + b * x + c * x**2 - y) ** 2) - 1),
                     (a, b, c), (x, y), (0.3, -0.2, 0.1)),
    "nonlinear_and_block": ((sympy.exp(-k * x) * (a + b * sympy.cos(x)) - y) ** 2, (a, b, k), (x, y),
                            (1.0, 0.3, 0.5)),
    "weights": (w * (a * sympy.exp(-b * x) - y) ** 2, (a, b), (x, y, w), (1.5, 0.4)),
    "logistic": (sympy.log(1 + sympy.exp(-s * (a + b * x + c * x**2))), (a, b, c), (x, s), (0.2, -0.5, 0.1)),
}


@functools.cache
def _lambdified(expr, params, data):
    args = (*params, *data)
    return [sympy.lambdify(args, e, "numpy") for e in (expr, *(sympy.diff(expr, p) for p in params))]


def _oracle(expr, params, data, theta, arrays):
    """Σ e and Σ ∂e/∂θ from sympy.diff, lambdified and summed over the samples."""
    cols = [arrays[sym.name] for sym in data]
    n = len(cols[0])
    sums = [float(np.sum(np.broadcast_to(f(*theta, *cols), (n,)))) for f in _lambdified(expr, params, data)]
    return sums[0], np.array(sums[1:])


@pytest.fixture(scope="module")
def models():
    out = {}
    for name, (expr, params, data, theta) in MODELS.items():
        bound = compile_data(expr, params, data).bind({sym.name: DATA[sym.name] for sym in data})
        out[name] = (bound, numba_sum_value_and_grad(bound))
    return out


@pytest.mark.parametrize("name", list(MODELS))
def test_value_and_gradient_equal_sympy_diff_and_numpy_path(models, name):
    expr, params, data, theta = MODELS[name]
    bound, svg = models[name]
    value, grad = svg(np.array(theta))
    want_value, want_grad = _oracle(expr, params, data, theta, DATA)
    assert value == pytest.approx(want_value, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-11, atol=1e-12 * np.abs(want_grad).max())
    np_value, np_grad = bound.sum_value_and_grad(theta)
    assert value == pytest.approx(np_value, rel=1e-13)
    np.testing.assert_allclose(grad, np_grad, rtol=1e-12, atol=1e-13 * np.abs(np_grad).max())


@pytest.mark.parametrize("name", list(MODELS))
def test_gradient_equals_central_differences(models, name):
    theta = np.array(MODELS[name][3])
    svg = models[name][1]
    grad = svg(theta)[1]
    for j in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (svg(up)[0] - svg(down)[0]) / (2 * h)
        assert fd == pytest.approx(grad[j], rel=1e-6, abs=1e-6 * np.abs(grad).max())


def test_subset_and_scalar_column(models):
    expr, params, data, theta = MODELS["weights"]
    bound = models["weights"][0]
    index = np.arange(0, 301, 3)
    value, grad = numba_sum_value_and_grad(bound.subset(index))(theta)
    want = _oracle(expr, params, data, theta, {key: v[index] for key, v in DATA.items()})
    assert value == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(grad, want[1], rtol=1e-11)
    # a scalar weight column is broadcast once per binding: twice the unweighted sum
    scalar = bound.program.bind({"x": XS, "y": DATA["y"], "w": 2.0})
    value, grad = numba_sum_value_and_grad(scalar)(theta)
    e2, p2, d2, _ = MODELS["exp_decay"]
    want = _oracle(2 * e2, p2, d2, theta, DATA)
    assert value == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(grad, want[1], rtol=1e-11)


def test_one_compile_per_program_whatever_the_data(models):
    bound = models["nonlinear_and_block"][0]
    other = bound.program.bind({"x": np.linspace(-1, 1, 57), "y": np.cos(np.linspace(-1, 1, 57))})
    theta = np.array(MODELS["nonlinear_and_block"][3])
    numba_sum_value_and_grad(bound)(theta)
    numba_sum_value_and_grad(other)(theta)
    expr, params, data, _ = MODELS["nonlinear_and_block"]
    again = compile_data(expr, params, data)  # a new program object for the same expression
    _, fn, _ = compiled_value_and_grad(again)
    assert fn is compiled_value_and_grad(bound.program)[1]
    assert len(fn.signatures) == 1


# descent: the mixed model (a parameter in a non-linear part, a linear block, a hoisted cos(x))
LOOP = "nonlinear_and_block"
RULES = {"gd": gd_rule(1e-3), "momentum": momentum_rule(1e-3, 0.9, dampening=0.1), "adam": adam_rule(0.01)}


def _hand(name, expr, params, data, theta0, steps, arrays=DATA):
    """The rule written out by hand on the summed gradient from sympy.diff (the oracle), per step."""
    th, m, v = np.array(theta0, float), np.zeros(len(theta0)), np.zeros(len(theta0))
    path = [th.copy()]
    for t in range(1, steps + 1):
        with np.errstate(all="ignore"):
            g = _oracle(expr, params, data, th, arrays)[1]
        if name == "gd":
            th = th - 1e-3 * g
        elif name == "momentum":  # torch.optim.SGD(momentum=0.9, dampening=0.1)
            m = g if t == 1 else 0.9 * m + 0.9 * g
            th = th - 1e-3 * m
        else:  # torch.optim.Adam(lr=0.01)
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            th = th - 0.01 / (1 - 0.9**t) * m / (np.sqrt(v) / math.sqrt(1 - 0.999**t) + 1e-8)
        path.append(th.copy())
    return path


@pytest.mark.parametrize("rule", list(RULES))
def test_loop_equals_numpy_loop_and_hand_loop(models, rule):
    expr, params, data, theta0 = MODELS[LOOP]
    bound = models[LOOP][0]
    r = numba_data_minimize(bound, RULES[rule], theta0, 200, check_every=10, record_every=50)
    ref = fused_data_minimize(bound, RULES[rule], theta0, 200, check_every=10, record_every=50, backend="numpy")
    assert (r.status, r.nit, ref.status, ref.nit) == ("budget", 200, "budget", 200)
    np.testing.assert_allclose(r.x, ref.x, rtol=1e-10, atol=1e-12)
    assert [row[0] for row in r.history] == [row[0] for row in ref.history] == [0, 50, 100, 150, 200]
    for mine, theirs in zip(r.history, ref.history):
        np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-10, atol=1e-12)
        assert mine[2:] == pytest.approx(theirs[2:], rel=1e-10)
    np.testing.assert_allclose(r.x, _hand(rule, expr, params, data, theta0, 200)[-1], rtol=1e-9, atol=1e-12)
    value, grad = _oracle(expr, params, data, r.x, DATA)
    assert r.value == pytest.approx(value, rel=1e-12)
    assert r.grad_norm == pytest.approx(float(np.linalg.norm(grad)), rel=1e-10)


def test_loop_converges_at_the_check_the_numpy_loop_does(models):
    bound = models[LOOP][0]
    theta0 = MODELS[LOOP][3]
    r = numba_data_minimize(bound, RULES["momentum"], theta0, 1000, tol=0.05, check_every=5)
    ref = fused_data_minimize(bound, RULES["momentum"], theta0, 1000, tol=0.05, check_every=5, backend="numpy")
    assert r.status == ref.status == "gradient"
    assert r.nit == ref.nit and r.nit % 5 == 0 and 0 < r.nit < 1000
    assert r.grad_norm <= 0.05
    np.testing.assert_allclose(r.x, ref.x, rtol=1e-10)


@pytest.mark.parametrize("check_every", [1, 3])
def test_divergence_returns_the_last_finite_checked_iterate(models, check_every):
    expr, params, data, theta0 = MODELS[LOOP]
    arrays = {"x": np.linspace(-2, 2, 1000), "y": 1 + np.linspace(-2, 2, 1000)}
    bound = models[LOOP][0].program.bind(arrays)  # same program: the compiled loop is reused
    r = numba_data_minimize(bound, RULES["gd"], theta0, 300, check_every=check_every, record_every=0)
    with np.errstate(all="ignore"):
        ref = fused_data_minimize(bound, RULES["gd"], theta0, 300, check_every=check_every, backend="numpy")
    path = _hand("gd", expr, params, data, theta0, r.nit + check_every, arrays)
    assert r.status == ref.status == "diverged" and r.nit == ref.nit
    nxt = path[r.nit + check_every]  # the next checked iterate: it, its value or its gradient is not finite
    with np.errstate(all="ignore"):
        value, grad = _oracle(expr, params, data, nxt, arrays)
    finite = np.isfinite(nxt).all() and math.isfinite(value) and np.isfinite(grad).all()
    assert r.nit % check_every == 0 and not finite
    assert np.isfinite(r.x).all() and math.isfinite(r.value)
    np.testing.assert_allclose(r.x, path[r.nit], rtol=1e-10)
    np.testing.assert_allclose(r.x, ref.x, rtol=1e-10)
