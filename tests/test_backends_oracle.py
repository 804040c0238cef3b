"""Every backend against sympy.diff's exact values, central differences, each other and torch autograd."""
import functools
import math

import numpy as np
import pytest
import sympy

from oracle_exprs import EXPRS, KINKED, POINT, exact
from symgd.codegen.api import compile as symgd_compile

NAMES = sorted(EXPRS)
NUMBA_SUBSET = ["sin_sq", "textbook", "inv_recip_hyperbolic", "relu", "abs_sign", "erf", "chain4", "atan2"]


def _close(a, b, rel=1e-10):
    return abs(a - b) <= rel * max(1.0, abs(b))


@functools.cache
def _compiled(name, backend):
    return symgd_compile(EXPRS[name], backend=backend)


@functools.cache
def _exact(name, point=None):
    return exact(EXPRS[name], dict(point) if point else POINT)


def _args(name, point=POINT):
    return [point[s.name] for s in _compiled(name, "python").variables]


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("name", NAMES)
def test_scalar_equals_sympy_exact(name, backend):
    value, grad = _compiled(name, backend).value_and_grad(*_args(name))
    want_value, want_grad = _exact(name)
    assert _close(float(value), want_value)
    assert len(grad) == len(want_grad)
    for g, w in zip(grad, want_grad):
        assert _close(float(g), w), (g, w)


@pytest.mark.parametrize("name", ["textbook", "relu", "erf", "logs"])
def test_auto_backend_scalars_and_arrays(name):
    c = _compiled(name, "auto")
    args = _args(name)
    v, g = c.value_and_grad(*args)
    assert (v, g) == _compiled(name, "python").value_and_grad(*args)
    arrays = _array_points(name)
    v_a, g_a = c.value_and_grad(*arrays)
    np.testing.assert_array_equal(v_a, _compiled(name, "numpy").value(*arrays))
    assert all(np.shape(gi) == (3,) for gi in g_a)


@pytest.mark.parametrize("name", NAMES)
def test_value_and_grad_match_separate_calls(name):
    c = _compiled(name, "python")
    args = _args(name)
    v, g = c.value_and_grad(*args)
    assert c.value(*args) == v and c.grad(*args) == g


@pytest.mark.parametrize("name", NAMES)
def test_central_differences(name):
    c = _compiled(name, "numpy")
    args = _args(name)
    _, grad = c.value_and_grad(*args)
    h = 1e-6
    for i, g in enumerate(grad):
        up, down = list(args), list(args)
        up[i] += h
        down[i] -= h
        fd = (c.value(*up) - c.value(*down)) / (2 * h)
        assert abs(fd - g) <= 1e-6 * max(1.0, abs(g))


def _array_points(name):
    shifts = np.array([-0.02, 0.0, 0.03])
    return [POINT[s.name] + shifts * (k + 1) for k, s in enumerate(_compiled(name, "python").variables)]


@pytest.mark.parametrize("name", NAMES)
def test_numpy_arrays_equal_exact(name):
    arrays = _array_points(name)
    value, grad = _compiled(name, "numpy").value_and_grad(*arrays)
    variables = _compiled(name, "python").variables
    for k in range(3):
        point = {v.name: float(a[k]) for v, a in zip(variables, arrays)}
        want_value, want_grad = exact(EXPRS[name], point)
        assert _close(value[k], want_value)
        for g, w in zip(grad, want_grad):
            assert np.shape(g) == (3,)
            assert _close(g[k], w)


@pytest.mark.parametrize("name", NAMES)
def test_torch_equals_numpy_on_arrays(name):
    torch = pytest.importorskip("torch")
    arrays = _array_points(name)
    v_np, g_np = _compiled(name, "numpy").value_and_grad(*arrays)
    tensors = [torch.tensor(a, dtype=torch.float64) for a in arrays]
    v_t, g_t = _compiled(name, "torch").value_and_grad(*tensors)
    assert isinstance(v_t, torch.Tensor) and v_t.dtype == torch.float64
    np.testing.assert_allclose(v_t.numpy(), v_np, rtol=1e-12, atol=1e-12)
    for a, b in zip(g_t, g_np):
        assert isinstance(a, torch.Tensor) and a.shape == (3,)
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(set(NAMES) - KINKED))
def test_torch_autograd(name):
    torch = pytest.importorskip("torch")
    from symgd.codegen.printers import for_code
    variables = _compiled(name, "python").variables
    f = sympy.lambdify(variables, for_code(EXPRS[name]).evalf(17), modules="torch")
    xs = [torch.tensor(POINT[v.name], dtype=torch.float64, requires_grad=True) for v in variables]
    f(*xs).backward()
    _, grad = _compiled(name, "python").value_and_grad(*_args(name))
    for t, g in zip(xs, grad):
        assert _close(g, t.grad.item(), 1e-10)


@pytest.mark.parametrize("name", NUMBA_SUBSET)
def test_numba_equals_python(name):
    pytest.importorskip("numba")
    args = _args(name)
    v, g = _compiled(name, "numba").value_and_grad(*args)
    want_v, want_g = _compiled(name, "python").value_and_grad(*args)
    assert math.isclose(v, want_v, rel_tol=1e-13, abs_tol=1e-15)
    for a, b in zip(g, want_g):
        assert math.isclose(a, b, rel_tol=1e-13, abs_tol=1e-15)


def test_long_sums_are_printed_in_chunks():
    # regression: a 4,000-term sum printed as one '+' chain overflowed Python's compiler recursion
    from symgd.codegen.printers import ADD_CHUNK
    n = ADD_CHUNK + 20
    xs = sympy.symbols(f"x0:{n}")
    f = sympy.Add(*((k + 1) * xs[k] ** 2 for k in range(n)))
    point = np.linspace(-1.0, 1.0, n)
    c = symgd_compile(f, backend="python")
    order = [xs.index(v) for v in c.variables]  # variables come sorted by name (x0, x1, x10, ...)
    v, g = c.value_and_grad(*point[order])
    assert v == pytest.approx(float(np.sum(np.arange(1, n + 1) * point**2)), rel=1e-13)
    np.testing.assert_allclose(g, (2 * np.arange(1, n + 1) * point)[order], rtol=1e-14)
