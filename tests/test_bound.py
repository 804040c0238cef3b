"""Bound data programs against dense lambdify of sympy.diff (the oracle) on the same data."""
import numpy as np
import pytest
import sympy

from symgd.errors import DataError
from symgd.codegen.data import compile_data

a, b, c, d, x, y, w = sympy.symbols("a b c d x y w")
rng = np.random.default_rng(0)
X = np.linspace(-np.pi, np.pi, 50)
Y = np.sin(X) + 0.01 * rng.standard_normal(50)
W = rng.uniform(0.5, 1.5, 50)

CASES = {
    "cubic_sse": ((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d)),
    "cubic_residual": (a + b * x + c * x**2 + d * x**3 - y, (a, b, c, d)),
    "exp_model": ((b * (1 - sympy.exp(-c * x)) - y) ** 2, (b, c)),
    "weighted": (w * (a * sympy.exp(x) + b * sympy.sin(x) - y) ** 2 + 0.1 * a**2, (a, b)),
    "legendre": ((a + b * ((5 * (c + d * x) ** 3 - 3 * (c + d * x)) / 2) - y) ** 2, (a, b, c, d)),
    "huber_like": (sympy.sqrt(1 + (a * x + b - y) ** 2) - 1, (a, b)),
    "param_only_term": ((a - y) ** 2 + b**2, (a, b)),
    # two linear sums over parameter subsets ({b, d} consecutive in no order, {a, c}): index arrays
    "two_blocks": ((a * x + c * x**2 - y) ** 2 * sympy.exp(b) + (d * x + b * x**3) ** 2, (a, b, c, d)),
    "consecutive_block": ((b * x + c * x**2 - y) ** 2 + sympy.sin(a) * d, (a, b, c, d)),
}
THETA = {2: np.array([0.3, -0.7]), 4: np.array([0.1, 0.9, -0.05, -0.12])}


def _oracle(expr, params):
    data = (x, y, w)
    value = sympy.lambdify(params + data, expr, "numpy")
    grads = [sympy.lambdify(params + data, sympy.diff(expr, p), "numpy") for p in params]
    return value, grads


def _bound(name):
    """CASES[name] compiled and bound to the test data, with its θ."""
    expr, params = CASES[name]
    data = tuple(s for s in (x, y, w) if s in expr.free_symbols)
    return compile_data(expr, params, data).bind({"x": X, "y": Y, "w": W}), THETA[len(params)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_bound_equals_dense_lambdify(name):
    expr, params = CASES[name]
    bound, theta = _bound(name)
    value, grads = _oracle(expr, params)
    args = (*theta, X, Y, W)
    want_values = np.broadcast_to(value(*args), (50,))
    want_jac = np.stack([np.broadcast_to(g(*args), (50,)) for g in grads], axis=1)
    np.testing.assert_allclose(bound.sample_values(theta), want_values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bound.sample_jacobian(theta), want_jac, rtol=1e-11, atol=1e-11)
    v, g = bound.sum_value_and_grad(theta)
    assert v == pytest.approx(want_values.sum(), rel=1e-12)
    np.testing.assert_allclose(g, want_jac.sum(axis=0), rtol=1e-11, atol=1e-10)
    jtj, jtr = bound.jtj_and_jtr(theta)
    np.testing.assert_allclose(jtj, want_jac.T @ want_jac, rtol=1e-11)
    np.testing.assert_allclose(jtr, want_jac.T @ want_values, rtol=1e-11, atol=1e-9)


def test_subset_is_a_minibatch():
    expr, params = CASES["exp_model"]
    bound = compile_data(expr, params, (x, y)).bind({"x": X, "y": Y})
    idx = np.array([3, 7, 11, 40])
    sub = bound.subset(idx)
    assert sub.n == 4
    theta = THETA[2]
    np.testing.assert_allclose(sub.sample_values(theta), bound.sample_values(theta)[idx], rtol=1e-14)
    v, g = sub.sum_value_and_grad(theta)
    np.testing.assert_allclose(g, bound.sample_jacobian(theta)[idx].sum(axis=0), rtol=1e-12)


def test_data_only_subexpressions_are_hoisted_and_linear_sums_become_a_matrix():
    expr, params = CASES["cubic_sse"]
    prog = compile_data(expr, params, (x, y))
    assert {e for _, e in prog.hoisted} >= {x**2, x**3}
    assert len(prog.blocks) == 1 and prog.blocks[0].index == (0, 1, 2, 3)
    assert "@" in prog.source and "**" not in prog.source


def test_missing_column_and_unknown_symbol():
    expr, params = CASES["exp_model"]
    with pytest.raises(DataError, match="y"):
        compile_data(expr, params, (x, y)).bind({"x": X})
    with pytest.raises(DataError, match="q"):
        compile_data(expr + sympy.Symbol("q"), params, (x, y))


def test_expression_without_parameters():
    bound = compile_data(y * 1, (a,), (y,)).bind({"y": Y})
    np.testing.assert_array_equal(bound.sample_values([1.0]), Y)
    assert bound.sum_value_and_grad([1.0])[1].tolist() == [0.0]


@pytest.mark.parametrize("name", ["cubic_sse", "weighted"])
def test_subset_of_hoisted_feature_tables(name):
    # regression: Fᵀ tables (features × samples) were indexed on the feature axis
    expr, params = CASES[name]
    data = tuple(s for s in (x, y, w) if s in expr.free_symbols)
    bound = compile_data(expr, params, data).bind({"x": X, "y": Y, "w": W})
    theta = THETA[len(params)]
    for idx in (np.array([3, 7, 11, 40, 49]), slice(10, 30)):
        sub = bound.subset(idx)
        value, grads = _oracle(expr, params)
        args = (*theta, X[idx], Y[idx], W[idx])
        want_jac = np.stack([np.broadcast_to(g(*args), (sub.n,)) for g in grads], axis=1)
        np.testing.assert_allclose(sub.sample_values(theta), np.broadcast_to(value(*args), (sub.n,)), rtol=1e-12)
        np.testing.assert_allclose(sub.sum_value_and_grad(theta)[1], want_jac.sum(axis=0), rtol=1e-11)


@pytest.mark.parametrize("name", sorted(CASES))
def test_summed_gradient_alone_equals_the_jacobian_summed(name):
    """sum_grad (the descent loops' gradient, summed through dot products) against the Jacobian."""
    bound, theta = _bound(name)
    np.testing.assert_allclose(bound.sum_grad(theta), bound.sample_jacobian(theta).sum(axis=0),
                               rtol=1e-11, atol=1e-10)


def test_parameter_gradients_are_summed_as_dot_products():
    """Σ 2·d·g over the samples is printed as 2·(d·g): no per-sample product or scaling pass."""
    expr, params = CASES["exp_model"]
    source = compile_data(expr, params, (x, y)).source_for("numpy")
    svg = source.split("def sum_value_and_grad")[1].split("def jacobian")[0]
    assert "_dot2(" in svg and "_red(" not in svg
    bound = compile_data(expr, params, (x, y)).bind({"x": X, "y": Y})
    _, g = bound.sum_value_and_grad(THETA[2])
    np.testing.assert_allclose(g, bound.sample_jacobian(THETA[2]).sum(axis=0), rtol=1e-12)


def test_summed_results_are_fresh_arrays_and_threads_do_not_share_buffers():
    """The in-place sums reuse buffers per binding and thread: results must not alias them."""
    import threading
    expr, params = CASES["exp_model"]
    bound = compile_data(expr, params, (x, y)).bind({"x": X, "y": Y})
    t1, t2 = np.array([0.3, -0.7]), np.array([1.1, 0.4])
    want1 = bound.sample_jacobian(t1).sum(axis=0)
    want2 = bound.sample_jacobian(t2).sum(axis=0)
    v1, g1 = bound.sum_value_and_grad(t1)
    g1_alone = bound.sum_grad(t1)
    bound.sum_value_and_grad(t2), bound.sum_grad(t2)
    np.testing.assert_allclose(g1, want1, rtol=1e-12)
    np.testing.assert_allclose(g1_alone, want1, rtol=1e-12)
    assert v1 == pytest.approx(bound.sample_values(t1).sum(), rel=1e-12)
    errors = []

    def work(theta, want):
        for _ in range(200):
            if not np.allclose(bound.sum_value_and_grad(theta)[1], want, rtol=1e-12, atol=0):
                errors.append(theta)
                return
    threads = [threading.Thread(target=work, args=a) for a in ((t1, want1), (t2, want2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
