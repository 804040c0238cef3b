"""minimize(): known minima, every way of stopping, history, start points, backends."""
import math

import numpy as np
import pytest
import sympy

from symgd.errors import DomainError, VariableError
from symgd.optim.minimize import minimize

x, y = sympy.symbols("x y")
QUADRATIC = (x - 3) ** 2 + 2 * (y + 1) ** 2
ROSENBROCK = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def _critical_point(expr):
    """The oracle: the stationary points sympy solves for exactly."""
    return sympy.solve([sympy.diff(expr, v) for v in (x, y)], [x, y], dict=True)


def test_quadratic_converges_to_its_solved_minimum():
    (sol,) = _critical_point(QUADRATIC)
    r = minimize(QUADRATIC, {"x": 0, "y": 0}, lr=0.1, steps=1000)
    assert r.converged and r.status == "gradient" and "converged" in r.message
    assert r.x["x"] == pytest.approx(float(sol[x]), abs=1e-8) and r.x["y"] == pytest.approx(float(sol[y]), abs=1e-8)
    assert r.grad_norm <= 1e-8 and r.fun == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("optimizer, hyper, steps, tol", [
    ("newton", {}, 100, 1e-6),
    ("nesterov", {"lr": 1e-3, "momentum": 0.9}, 10000, 1e-6),
])
def test_rosenbrock_reaches_one_one(optimizer, hyper, steps, tol):
    r = minimize(ROSENBROCK, [-1.2, 1.0], optimizer=optimizer, steps=steps, tol=1e-8, **hyper)
    assert r.x["x"] == pytest.approx(1.0, abs=tol) and r.x["y"] == pytest.approx(1.0, abs=tol)
    assert r.optimizer.startswith(optimizer)


def test_armijo_line_search_tames_a_rate_that_would_diverge():
    f = x ** 2 + 100 * y ** 2
    plain = minimize(f, [1.0, 1.0], lr=10.0, steps=200)
    searched = minimize(f, [1.0, 1.0], lr=10.0, steps=5000, linesearch="armijo")
    assert plain.status == "diverged"
    assert searched.converged and searched.optimizer == "gd+armijo"
    assert searched.x["x"] == pytest.approx(0.0, abs=1e-8) and searched.x["y"] == pytest.approx(0.0, abs=1e-8)
    values = searched.losses
    assert (np.diff(values) <= 0).all()  # the Armijo condition makes every step a descent


def test_newton_with_an_indefinite_hessian_still_finds_the_local_minimum():
    f = x ** 3 - 3 * x + y ** 2
    minima = [s for s in _critical_point(f) if sympy.hessian(f, (x, y)).subs(s).is_positive_definite]
    r = minimize(f, [-0.5, 0.5], optimizer="newton", steps=50)  # Hessian diag(-3, 2) at the start
    assert r.converged
    assert (r.x["x"], r.x["y"]) == pytest.approx((float(minima[0][x]), float(minima[0][y])), abs=1e-9)


def test_divergence_keeps_the_last_iterate_and_suggests_a_safe_rate():
    f = x ** 2 + 2 * y ** 2
    r = minimize(f, [1.0, 1.0], lr=0.6, steps=1000)
    assert r.status == "diverged" and not r.converged and "diverged" in r.message
    curvature = max(abs(float(v)) for v in sympy.hessian(f, (x, y)).eigenvals())
    assert r.suggested_lr == pytest.approx(1 / curvature) and f"{1 / curvature:g}" in r.message
    # gd on this quadratic is x_k = (1 - 2 lr)^k, y_k = (1 - 4 lr)^k: the returned point is iterate nit
    assert r.x["x"] == pytest.approx((1 - 2 * 0.6) ** r.nit) and r.x["y"] == pytest.approx((1 - 4 * 0.6) ** r.nit)
    assert r.nit < 1000 and math.isfinite(r.fun)


def test_a_non_finite_value_stops_the_descent_at_the_last_finite_iterate():
    r = minimize(sympy.exp(x) + sympy.exp(-x), [20.0], lr=1.0, steps=100)
    assert r.status == "diverged" and "non-finite" in r.message
    assert r.x == {"x": 20.0} and r.nit == 0 and r.fun == pytest.approx(math.exp(20) + math.exp(-20))


def test_a_start_outside_the_domain_names_the_term():
    with pytest.raises(DomainError) as info:
        minimize(sympy.log(x) + y ** 2, {"x": -1, "y": 2})
    assert "log(x)" in str(info.value) and "negative" in str(info.value)


def test_an_iterate_that_leaves_the_domain_stops_with_the_last_finite_one():
    r = minimize(sympy.log(x), [1.0], lr=0.5, steps=10)  # x: 1 -> 0.5 -> -0.5
    assert r.status == "domain" and r.x == {"x": 0.5} and r.nit == 1
    assert "log(x)" in r.message and "left the domain" in r.message


def test_budget_and_value_change_and_callback_stops():
    r = minimize(QUADRATIC, [0, 0], lr=0.01, steps=3)
    assert (r.status, r.nit, r.converged) == ("budget", 3, False) and "budget" in r.message
    r = minimize(QUADRATIC, [0, 0], lr=0.01, steps=10000, tol=0, ftol=1e-6, record_every=1)
    assert r.status == "value change" and r.converged
    last, prev = r.history[-1].value, r.history[-2].value
    assert abs(last - prev) <= 1e-6 * max(1, abs(last))
    assert abs(r.history[-2].value - r.history[-3].value) > 1e-6 * max(1, abs(r.history[-2].value))
    seen = []

    def callback(step, point, value, grad_norm):
        exact = float(QUADRATIC.subs({x: point[0], y: point[1]}))
        seen.append((step, value, exact))
        return step >= 5

    r = minimize(QUADRATIC, [0, 0], lr=0.01, steps=100, callback=callback, callback_every=1)
    assert r.status == "callback" and r.nit == 5 and [s[0] for s in seen] == list(range(6))
    assert all(v == pytest.approx(e, rel=1e-14) for _, v, e in seen)


def test_history_records_at_the_interval_with_exact_values():
    r = minimize(QUADRATIC, {"x": 0.0, "y": 0.0}, lr=0.05, steps=5000, record_every=10)
    steps = [h.step for h in r.history]
    assert steps[:-1] == list(range(0, r.nit, 10))[: len(steps) - 1] and steps[-1] == r.nit
    for h in r.history:
        assert h.value == pytest.approx(float(QUADRATIC.subs({x: h.x["x"], y: h.x["y"]})), rel=1e-12, abs=1e-15)
        g = [float(sympy.diff(QUADRATIC, v).subs({x: h.x["x"], y: h.x["y"]})) for v in (x, y)]
        assert h.grad_norm == pytest.approx(math.hypot(*g), rel=1e-12, abs=1e-15)
    assert r.paths[0].shape == (len(r.history), 2) and r.losses[0] == pytest.approx(11.0)


def test_start_points_and_their_errors():
    assert minimize(QUADRATIC, steps=0).x0 == {"x": 1.0, "y": 1.0}  # the documented default
    assert minimize(QUADRATIC, [2, 3], steps=0).x0 == {"x": 2.0, "y": 3.0}
    assert minimize(QUADRATIC, {"y": 3}, steps=0).x0 == {"x": 1.0, "y": 3.0}
    with pytest.raises(VariableError):
        minimize(QUADRATIC, {"z": 1})
    with pytest.raises(VariableError):
        minimize(QUADRATIC, [1, 2, 3])
    with pytest.raises(VariableError):
        minimize(QUADRATIC, [1, 2], starts=4)
    with pytest.raises(VariableError):
        minimize(QUADRATIC, [1, 2], steps=-1)


def test_torch_backend_agrees_with_numpy_backend():
    pytest.importorskip("torch")
    a = minimize(ROSENBROCK, [-1.2, 1.0], optimizer="adam", lr=0.02, steps=300, backend="numpy")
    b = minimize(ROSENBROCK, [-1.2, 1.0], optimizer="adam", lr=0.02, steps=300, backend="torch")
    assert b.backend == "torch" and a.nit == b.nit == 300
    assert b.x["x"] == pytest.approx(a.x["x"], abs=1e-12) and b.x["y"] == pytest.approx(a.x["y"], abs=1e-12)


def test_minimize_iterates_agree_with_a_torch_optim_loop():
    torch = pytest.importorskip("torch")
    r = minimize(ROSENBROCK, [-1.2, 1.0], optimizer="rmsprop", lr=0.01, momentum=0.5, steps=100, tol=0,
                 record_every=1)
    p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=0.01, momentum=0.5)
    for record in r.history[1:]:
        opt.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        opt.step()
        assert (record.x["x"], record.x["y"]) == pytest.approx(tuple(p.detach().numpy()), abs=1e-10)
    assert len(r.history) == 101


def test_a_string_goes_through_the_parser():
    r = minimize("(x-3)^2 + 2*(y+1)^2", lr=0.1, steps=1000)
    assert r.converged and r.x["x"] == pytest.approx(3.0, abs=1e-8) and r.x["y"] == pytest.approx(-1.0, abs=1e-8)


@pytest.mark.parametrize("optimizer, hyper", [
    ("gd", {"lr": 1e-3, "weight_decay": 0.1}), ("momentum", {"lr": 1e-3, "dampening": 0.2}),
    ("nesterov", {"lr": 1e-3}), ("adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.3}), ("adam", {"lr": 0.02, "amsgrad": True}),
    ("adamw", {"lr": 0.02, "weight_decay": 0.1}),
])
def test_fused_loop_and_array_loop_take_the_same_steps(optimizer, hyper):
    runs = [minimize(ROSENBROCK, [-1.2, 1.0], optimizer=optimizer, steps=200, tol=0, record_every=7,
                     backend=backend, **hyper) for backend in ("python", "numpy")]
    assert [r.backend for r in runs] == ["python", "numpy"]
    fused, array = runs
    assert [h.step for h in fused.history] == [h.step for h in array.history]
    for a, b in zip(fused.history, array.history):
        assert (a.x["x"], a.x["y"], a.value) == pytest.approx((b.x["x"], b.x["y"], b.value), rel=1e-12, abs=1e-12)
    assert fused.status == array.status == "budget" and fused.nit == array.nit == 200


def test_progress_watches_without_slowing_or_stopping():
    calls = []
    r = minimize(QUADRATIC, [0, 0], lr=0.1, steps=1000, progress=lambda *a: calls.append(a))
    assert r.backend in ("python", "numba") and r.converged  # the fused loop still runs
    assert calls[-1][0] == r.nit and calls[-1][2] == pytest.approx(r.fun)
    calls.clear()
    r = minimize(QUADRATIC, [0, 0], lr=0.1, steps=1000, backend="numpy", callback_every=10,
                 progress=lambda *a: calls.append(a) or True)  # its return value is ignored
    assert r.converged and [c[0] for c in calls] == list(range(0, r.nit + 1, 10))
