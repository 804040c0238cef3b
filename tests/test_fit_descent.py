"""Fits driven by symgd.optim optimizers: full batch, Newton, and seeded mini-batch SGD.

Oracles: hand-written NumPy loops with the analytic gradient, and scipy's least squares.
"""
import numpy as np
import pytest

from symgd.fit import fit

X = np.linspace(-1.0, 1.0, 50)
Y = 0.5 + 2.0 * X + np.random.default_rng(5).normal(0, 0.05, X.size)
DATA = {"x": X, "y": Y}


def _grad_mse(theta, x, y):
    err = theta[0] + theta[1] * x - y
    return np.array([2 * err.mean(), 2 * (err * x).mean()])


def test_full_batch_gd_matches_numpy_loop():
    res = fit("a + b*x", DATA, x0=[0.0, 0.0], method="gd", loss="mse", lr=0.1, steps=50, tol=0)
    theta = np.zeros(2)
    for _ in range(50):
        theta = theta - 0.1 * _grad_mse(theta, X, Y)
    np.testing.assert_allclose(res.x, theta, rtol=1e-12)
    assert len(res.history) == 51 and res.nit == 50


def test_minibatch_sgd_matches_numpy_loop_and_is_seeded():
    res = fit("a + b*x", DATA, x0=[0.0, 0.0], method="sgd", loss="mse", lr=0.1, batch_size=8, epochs=3, seed=3)
    rng, theta = np.random.default_rng(3), np.zeros(2)
    for _ in range(3):
        order = rng.permutation(X.size)
        for i in range(0, X.size, 8):
            idx = order[i:i + 8]
            theta = theta - 0.1 * _grad_mse(theta, X[idx], Y[idx])
    np.testing.assert_allclose(res.x, theta, rtol=1e-12)
    assert res.nfev == 3 * 7
    again = fit("a + b*x", DATA, x0=[0.0, 0.0], method="sgd", loss="mse", lr=0.1, batch_size=8, epochs=3, seed=3)
    other = fit("a + b*x", DATA, x0=[0.0, 0.0], method="sgd", loss="mse", lr=0.1, batch_size=8, epochs=3, seed=4)
    np.testing.assert_array_equal(res.x, again.x)
    assert not np.array_equal(res.x, other.x)


def test_minibatch_adam_and_momentum_reach_least_squares():
    ref = fit("a + b*x", DATA, method="linear").x
    adam = fit("a + b*x", DATA, x0=[0.0, 0.0], method="adam", loss="mse", lr=0.05, batch_size=10, epochs=200)
    heavy = fit("a + b*x", DATA, x0=[0.0, 0.0], method="momentum", loss="mse", lr=0.05, momentum=0.9,
                steps=500, tol=1e-10)
    np.testing.assert_allclose(adam.x, ref, atol=0.02)
    np.testing.assert_allclose(heavy.x, ref, rtol=1e-8)
    assert heavy.converged


def test_newton_on_a_nonlinear_fit_matches_lm():
    x = np.linspace(0, 3, 30)
    y = 2.0 * np.exp(-0.8 * x) + np.random.default_rng(2).normal(0, 0.01, x.size)
    lm = fit("a*exp(-k*x)", {"x": x, "y": y}, x0={"a": 1.5, "k": 0.5})
    newton = fit("a*exp(-k*x)", {"x": x, "y": y}, x0={"a": 1.5, "k": 0.5}, method="newton", steps=50, tol=1e-7)
    assert newton.converged
    np.testing.assert_allclose(newton.x, lm.x, rtol=1e-7)


def test_divergence_keeps_a_finite_iterate():
    res = fit("a + b*x + c*x^3", "x = linspace(-3, 3, 200); y = sin(x)", method="gd", lr=1.0, steps=500)
    assert not res.converged
    assert "diverged" in res.message
    assert np.all(np.isfinite(res.x))


def test_callback_stops_descent():
    seen = []
    res = fit("a + b*x", DATA, x0=[0.0, 0.0], method="gd", loss="mse", lr=0.1, steps=1000,
              callback=lambda k, theta, loss: seen.append(loss) or loss < 0.5)
    assert res.converged and "callback" in res.message
    assert seen[-1] < 0.5 <= seen[-2]


def test_line_search_methods_refuse_minibatches():
    with pytest.raises(Exception, match="full-batch"):
        fit("a + b*x", DATA, method="newton", batch_size=5)
