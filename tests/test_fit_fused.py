"""The fit stage's fused full-batch loop (symgd.fit.descent) against plain NumPy loops and the Python loop.

Oracles: hand-written NumPy gradient descent with the analytic least-squares gradient; the Python
(array) loop, forced by a callback that never stops, for history length, stopping step and messages.
"""
import importlib

import numpy as np
import pytest

import symgd.loops.fused_data as fused_data
from symgd.fit import fit

X = np.linspace(-np.pi, np.pi, 2000)
DATA = {"x": X, "y": np.sin(X)}
CUBIC = "a + b*x + c*x^2 + d*x^3"
START = [0.1, -0.2, 0.3, -0.05]


def _never(step, theta, loss):
    return False


@pytest.fixture
def fused_calls(monkeypatch):
    calls = []
    real = fused_data.fused_data_minimize

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)
    monkeypatch.setattr(fused_data, "fused_data_minimize", spy)
    return calls


def test_cubic_sin_gd_matches_numpy_loop_and_array_path(fused_calls):
    fused = fit(CUBIC, DATA, x0=START, method="gd", lr=1e-6, steps=2000, tol=0)
    assert len(fused_calls) == 1
    array = fit(CUBIC, DATA, x0=START, method="gd", lr=1e-6, steps=2000, tol=0, callback=_never)
    assert len(fused_calls) == 1  # a callback keeps the Python loop
    F = np.vstack([np.ones_like(X), X, X ** 2, X ** 3]).T
    theta, losses = np.array(START), []
    for _ in range(2000):
        r = F @ theta - DATA["y"]
        losses.append(r @ r)
        theta = theta - 1e-6 * 2 * (F.T @ r)
    r = F @ theta - DATA["y"]
    losses.append(r @ r)
    np.testing.assert_allclose(fused.x, theta, rtol=1e-10)
    np.testing.assert_allclose(fused.x, array.x, rtol=1e-10)
    np.testing.assert_allclose(fused.history, losses, rtol=1e-10)
    assert len(fused.history) == len(array.history) == 2001 and fused.nit == array.nit == 2000


def test_mse_adam_stops_on_the_same_step_as_the_array_path(fused_calls):
    # noisy data: the loss stays well above the quadratic form's rounding (eps * sum(y^2)) all the way
    noise = np.random.default_rng(1).normal(0, 0.1, 200)
    data = {"x": X[::10], "y": 0.5 + 2.0 * X[::10] + noise}
    kw = dict(x0=[0.0, 0.0], method="adam", loss="mse", lr=0.05, steps=5000, tol=1e-6)
    fused = fit("a + b*x", data, **kw)
    array = fit("a + b*x", data, callback=_never, **kw)
    assert len(fused_calls) == 1
    assert fused.converged and array.converged and fused.nit == array.nit < 5000
    np.testing.assert_allclose(fused.history, array.history, rtol=1e-9)
    ref = np.linalg.lstsq(np.vstack([np.ones(200), data["x"]]).T, data["y"], rcond=None)[0]
    np.testing.assert_allclose(fused.x, ref, atol=1e-5)


def test_nonlinear_model_takes_the_array_code_loop(fused_calls):
    x = np.linspace(0, 1, 200)
    data = {"x": x, "y": 2.0 * np.exp(-1.5 * x)}
    kw = dict(x0=[1.0, -1.0], method="gd", loss="mse", lr=0.1, steps=300, tol=0)
    fused = fit("A*exp(k*x)", data, **kw)
    assert len(fused_calls) == 1
    theta = np.array([1.0, -1.0])
    for _ in range(300):  # analytic gradient of mean((A e^{kx} - y)^2)
        e = np.exp(theta[1] * x)
        r = theta[0] * e - data["y"]
        theta = theta - 0.1 * np.array([2 * np.mean(r * e), 2 * np.mean(r * theta[0] * x * e)])
    np.testing.assert_allclose(fused.x, theta, rtol=1e-10)


def test_divergence_is_replayed_on_the_array_path():
    res = fit(CUBIC, DATA, x0=START, method="gd", lr=1e-2, steps=2000, tol=0)
    assert not res.converged and "diverged" in res.message


@pytest.mark.parametrize("model, data, kw", [
    # gd with too large a rate on a linear model: the loss grows past the growth limit
    ("a + b*x", {"x": X[::10], "y": 2.0 * X[::10]}, dict(x0=[0.0, 0.0], method="gd", lr=0.05, steps=400)),
    # exp(b x) overflows: the loss goes non-finite before it is seen to grow
    ("exp(b*x)", {"x": np.linspace(0, 10, 200), "y": np.full(200, 1e3)}, dict(x0=[0.1], method="gd", lr=1e-2,
                                                                              steps=50)),
])
def test_a_failed_fused_fit_words_its_own_diagnosis_as_the_python_loop(fused_calls, monkeypatch, model, data, kw):
    descent = importlib.import_module("symgd.fit.descent")
    real = descent.run_steps
    monkeypatch.setattr(descent, "run_steps", lambda *a, **k: pytest.fail("the Python loop ran again"))
    fused = fit(model, data, **kw)
    assert len(fused_calls) == 1
    monkeypatch.setattr(descent, "run_steps", real)
    array = fit(model, data, callback=_never, **kw)  # the oracle: the Python loop, tested every step
    assert len(fused_calls) == 1
    assert "diverged" in array.message and not array.converged
    assert (fused.message, fused.nit, fused.converged) == (array.message, array.nit, array.converged)
    np.testing.assert_allclose(fused.x, array.x, rtol=1e-9)
    np.testing.assert_allclose(fused.history, array.history, rtol=1e-9)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_a_diverging_fit_says_so_once_without_numpy_overflow_warnings():
    """exp(b x) overflows on the way out: the message says "diverged"; NumPy's warnings would only
    repeat that as noise on the terminal (any RuntimeWarning fails this test)."""
    data = {"x": np.linspace(0, 10, 200), "y": np.full(200, 1e3)}
    for callback in (None, _never):  # the fused loop and the Python loop
        res = fit("exp(b*x)", data, x0=[0.1], method="gd", lr=1e-2, steps=50, callback=callback)
        assert not res.converged and "diverged" in res.message
