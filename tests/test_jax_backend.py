"""backend="jax" (issue 14, point 6): jax.numpy code composing with jax.jit, jax.vmap and jax.grad, whose
value is a jax.custom_vjp carrying symgd's gradient. Checked on the oracle corpus against sympy.diff at
30 digits (float64) and against the float64 result (float32)."""
import numpy as np
import pytest
import sympy

jax = pytest.importorskip("jax")
jnp = jax.numpy

import symgd  # noqa: E402
from symgd.errors import CompileError  # noqa: E402
from tests.oracle_exprs import EXPRS, POINT  # noqa: E402
from tests.random_exprs import random_expr  # noqa: E402


@pytest.fixture
def x64():
    """jax's 64-bit mode for one test (jax computes in float32 by default)."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


def _exact(expr, names):
    """sympy.diff at POINT, 30 digits (real symbols, so Abs' is sign and sign' is 0 off the origin)."""
    real = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols}
    expr = expr.xreplace(real)
    syms = {s.name: s for s in expr.free_symbols}
    at = {syms[n]: sympy.Float(POINT[n], 30) for n in names}
    return [float(sympy.diff(expr, syms[n]).subs(at).evalf(30)) for n in names]


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_grad_of_jit_equals_symgd_gradient_and_sympy(name, x64):
    assert len(EXPRS) >= 30
    expr = EXPRS[name]
    c = symgd.compile(expr, backend="jax")
    names = [v.name for v in c.variables]
    point = [jnp.float64(POINT[n]) for n in names]
    via_jax = jax.grad(jax.jit(c.value), argnums=tuple(range(len(names))))(*point)
    symgd_grad = c.grad(*point)
    np.testing.assert_allclose(np.array(via_jax, dtype=float), np.array(symgd_grad, dtype=float), rtol=1e-14)
    np.testing.assert_allclose(np.array(via_jax, dtype=float), _exact(expr, names), rtol=1e-12, atol=1e-300)
    value = float(expr.subs({sympy.Symbol(n): sympy.Float(POINT[n], 30) for n in names}).evalf(30))
    np.testing.assert_allclose(float(jax.jit(c.value)(*point)), value, rtol=1e-12)


def test_value_is_a_custom_vjp():
    c = symgd.compile("sin(x*y) + exp(x)", backend="jax")
    assert "custom_vjp" in str(jax.make_jaxpr(c.value)(1.0, 2.0))
    assert "custom_vjp" not in str(jax.make_jaxpr(c.grad)(1.0, 2.0))


@pytest.mark.parametrize("name", ["sin_sq", "textbook", "gauss", "atan2", "relu", "abs_sign", "erf"])
def test_vmap_over_a_batch_equals_each_point(name, x64):
    c = symgd.compile(EXPRS[name], backend="jax")
    names = [v.name for v in c.variables]
    rng = np.random.default_rng(sorted(EXPRS).index(name))
    batch = [POINT[n] + 0.05 * rng.random(6) for n in names]
    values = jax.vmap(c.value)(*batch)
    grads = jax.vmap(jax.grad(c.value, argnums=tuple(range(len(names)))))(*batch)
    for i in range(6):
        at = [b[i] for b in batch]
        np.testing.assert_allclose(float(values[i]), float(c.value(*at)), rtol=1e-14)
        np.testing.assert_allclose([float(g[i]) for g in grads], [float(g) for g in c.grad(*at)], rtol=1e-14)
    np.testing.assert_allclose(np.asarray(c.value(*batch)), np.asarray(values), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_float32_inputs_give_float32_to_float32_precision(name, x64):
    c = symgd.compile(EXPRS[name], backend="jax")
    names = [v.name for v in c.variables]
    v64, g64 = c.value_and_grad(*[np.float64(POINT[n]) for n in names])
    v32, g32 = c.value_and_grad(*[np.float32(POINT[n]) for n in names])
    assert v32.dtype == jnp.float32
    np.testing.assert_allclose(float(v32), float(v64), rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(np.array(g32, dtype=float), np.array(g64, dtype=float), rtol=2e-5, atol=2e-5)


def test_jax_defaults_to_float32_and_dtype_is_applied(x64):
    c = symgd.compile("exp(x)*y", backend="jax", dtype="float32")
    assert c.value(1.0, np.float64(2.0)).dtype == jnp.float32
    c64 = symgd.compile("exp(x)*y", backend="jax", dtype="float64")
    assert c64.value(np.float32(1.0), 2.0).dtype == jnp.float64


def test_float64_without_x64_mode_is_a_compile_error():
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(CompileError, match="64-bit mode"):
            symgd.compile("x^2", backend="jax", dtype="float64")
        assert symgd.compile("x^2", backend="jax").value(2.0).dtype == jnp.float32
    finally:
        jax.config.update("jax_enable_x64", before)


def test_bad_dtype_is_a_compile_error():
    with pytest.raises(CompileError, match="floating"):
        symgd.compile("x^2", backend="jax", dtype="int32")


def test_parameters_get_jax_gradients_too(x64):
    """Parameters (outside wrt) have no symgd gradient: the custom_vjp hands them jax's own vjp."""
    c = symgd.compile("A*exp(-k*x)", wrt="x", backend="jax")
    ga, gk = jax.grad(c.value, argnums=(1, 2))(0.5, 2.0, 3.0)
    np.testing.assert_allclose([float(ga), float(gk)], [np.exp(-1.5), -2.0 * 0.5 * np.exp(-1.5)], rtol=1e-14)


def test_broadcast_gradients_sum_to_the_input_shapes(x64):
    c = symgd.compile("x*y^2 + sin(z)", backend="jax")
    x, y, z = jnp.ones((3, 1)) * 0.5, jnp.linspace(0.1, 0.4, 4), jnp.float64(0.3)
    gx, gy, gz = jax.grad(lambda *a: c.value(*a).sum(), argnums=(0, 1, 2))(x, y, z)
    assert (gx.shape, gy.shape, gz.shape) == ((3, 1), (4,), ())
    np.testing.assert_allclose(np.asarray(gy), 2 * 1.5 * np.asarray(y), rtol=1e-14)
    np.testing.assert_allclose(float(gz), 12 * np.cos(0.3), rtol=1e-14)


def test_second_derivative_through_the_custom_vjp(x64):
    c = symgd.compile("sin(x)*x^3", backend="jax")
    x = sympy.Symbol("x")
    want = float(sympy.diff(sympy.sin(x) * x**3, x, 2).subs(x, 0.7))
    np.testing.assert_allclose(float(jax.grad(jax.grad(c.value))(0.7)), want, rtol=1e-13)


def test_where_untaken_branch_is_not_a_nan_gradient(x64):
    c = symgd.compile("where(x > 0, 1/x, 0)", backend="jax")
    assert float(c.value(0.0)) == 0.0 and float(jax.grad(c.value)(0.0)) == 0.0


@pytest.mark.parametrize("expr", ["sigmoid(x)", "softplus(x)", "log(1 + exp(x))", "tanh(x)", "logsumexp(x, 2*x)",
                                  "asinh(x)", "atan2(x, 1)"])
def test_stable_forms_hold_in_float32(expr):
    """Far from 0 (where the textbook forms overflow or cancel in float32), float32 agrees with mpmath."""
    mpmath = pytest.importorskip("mpmath")
    c = symgd.compile(expr, backend="jax")
    f = sympy.lambdify(sympy.Symbol("x"), symgd.parse(expr), "mpmath")
    for x in (-100.0, -30.0, -0.5, 0.5, 30.0, 100.0, 1e20):
        mpmath.mp.dps = 30
        want_v, want_g = float(f(mpmath.mpf(x))), float(mpmath.diff(f, mpmath.mpf(x)))
        v, (g,) = c.value_and_grad(np.float32(x))
        assert v.dtype == g.dtype == jnp.float32
        assert np.isfinite(float(v)) and np.isfinite(float(g))
        np.testing.assert_allclose(float(v), want_v, rtol=1e-6, atol=1e-30)
        np.testing.assert_allclose(float(g), want_g, rtol=1e-5, atol=1e-30)


@pytest.mark.parametrize("seed", range(30))
def test_grad_of_jit_on_random_expressions(seed, x64):
    import random
    rng = random.Random(seed)
    text = random_expr(rng)
    c = symgd.compile(text, backend="jax")
    names = [v.name for v in c.variables]
    point = {n: rng.uniform(-1.5, 1.5) for n in names}
    args = [jnp.float64(point[n]) for n in names]
    via_jax = jax.grad(jax.jit(c.value), argnums=tuple(range(len(names))))(*args)
    np.testing.assert_allclose(np.array(via_jax, dtype=float), np.array(c.grad(*args), dtype=float), rtol=1e-14,
                               err_msg=text)
    expr = symgd.parse(text)
    syms = {s.name: s for s in expr.free_symbols}
    at = {syms[n]: sympy.Float(point[n], 30) for n in names}
    exact = [float(sympy.diff(expr, syms[n]).subs(at).evalf(30)) for n in names]
    np.testing.assert_allclose(np.array(via_jax, dtype=float), exact, rtol=1e-12, atol=1e-14, err_msg=text)
