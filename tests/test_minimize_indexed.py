"""minimize() on expressions with vector variables: end points against the known minima, gradients
against sympy.diff of the unrolled sum."""
import json

import numpy as np
import pytest
import sympy

from symgd.errors import VariableError
from symgd.optim.minimize import minimize

ROSENBROCK = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)"


def _rosenbrock_grad_norm(point):
    """The gradient norm of the unrolled n-term Rosenbrock sum, by sympy.diff (independent of symgd)."""
    xs = sympy.symbols(f"x0:{len(point)}")
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(len(xs) - 1))
    at = dict(zip(xs, point))
    return float(sympy.sqrt(sum(sympy.diff(f, x).subs(at) ** 2 for x in xs)))


@pytest.mark.parametrize("optimizer, lr, steps, tol", [("gd", 1e-3, 60_000, 1e-7), ("adam", 0.005, 20_000, 1e-6)])
def test_rosenbrock_10_converges_to_ones(optimizer, lr, steps, tol):
    r = minimize(ROSENBROCK, x0=np.zeros(10), optimizer=optimizer, lr=lr, steps=steps, tol=tol)
    x = np.array(r.x["x"])
    assert x.shape == (10,)
    np.testing.assert_allclose(x, np.ones(10), atol=1e-4)
    oracle = _rosenbrock_grad_norm(list(x))
    assert r.grad_norm == pytest.approx(oracle, rel=1e-6, abs=1e-12)
    assert r.converged and r.status == "gradient" and oracle <= tol
    assert "converged" in r.message and f"{r.nit} steps" in r.message
    assert r.fun == pytest.approx(float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)), abs=1e-15)
    json.dumps(r.x)  # vectors come back as lists of floats
    assert r.history[0].step == 0 and r.history[0].x["x"] == [0.0] * 10 and r.history[-1].step == r.nit


def test_vector_and_scalar_variable_together():
    # f = sum_i (x_i - c)^2 + (c - 2)^2: minimum at x_i = c = 2 (set both partial derivatives to 0)
    r = minimize("sum((x[i]-c)^2, i, 0, n-1) + (c-2)^2", x0={"x": np.zeros(4), "c": 0.0}, lr=0.1,
                 steps=5000, tol=1e-10)
    assert r.converged
    np.testing.assert_allclose(r.x["x"], [2.0] * 4, atol=1e-9)
    assert r.x["c"] == pytest.approx(2.0, abs=1e-9)
    assert isinstance(r.x["c"], float)


def test_budget_message_and_overshoot_bound():
    r = minimize(ROSENBROCK, x0=np.zeros(5), lr=1e-3, steps=100, tol=1e-12)
    assert not r.converged and r.status == "budget" and r.nit == 100
    assert "budget of 100 steps" in r.message
    assert r.grad_norm == pytest.approx(_rosenbrock_grad_norm(r.x["x"]), rel=1e-9)


@pytest.mark.parametrize("kwargs", [dict(optimizer="newton"), dict(starts=3), dict(ftol=1e-6)])
def test_unsupported_options_raise(kwargs):
    with pytest.raises(VariableError):
        minimize("sum((x[i]-1)^2, i, 0, n-1)", x0=np.zeros(3), steps=10, **kwargs)


def test_missing_start_raises():
    with pytest.raises(VariableError, match="x0"):
        minimize("sum((x[i]-1)^2, i, 0, n-1)", steps=10)
