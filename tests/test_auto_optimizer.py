"""optimizer="auto" and learning rates without tuning (issue 16): the method auto picks, the lr derived
when none is given (checked against the Hessian's eigenvalues from sympy), and the advice of a failed run."""
from __future__ import annotations

import numpy as np
import pytest
import sympy
from scipy.optimize import minimize as scipy_minimize

from symgd.optim import auto
from symgd.optim.minimize import minimize
from symgd.optim.registry import hyper_parameters

x, y = sympy.symbols("x y")


def test_auto_picks_newton_for_a_small_smooth_problem():
    r = minimize("(x-1)^2 + 10*(y-x^2)^2", {"x": -1.0, "y": 2.0}, optimizer="auto", steps=200)
    expected = scipy_minimize(lambda p: (p[0] - 1) ** 2 + 10 * (p[1] - p[0] ** 2) ** 2, [-1.0, 2.0], method="BFGS").x
    assert r.optimizer == "newton" and r.converged and any("auto chose newton" in n for n in r.notes)
    assert [r.x["x"], r.x["y"]] == pytest.approx(expected, abs=1e-5)
    assert r.lr is None  # a trust region takes no learning rate


def test_auto_picks_lbfgs_for_many_variables():
    n = auto.NEWTON_MAX + 5
    names = [f"v{i:02d}" for i in range(n)]
    expr = " + ".join(f"{i + 1}*({v} - {i})^2" for i, v in enumerate(names))
    r = minimize(expr, optimizer="auto", steps=500)
    assert r.optimizer == "lbfgs" and r.converged and any("more than 20" in note for note in r.notes)
    assert [r.x[v] for v in names] == pytest.approx(list(range(n)), abs=1e-6)


def test_auto_picks_lbfgsb_when_bounded():
    r = minimize("(x-3)^2", {"x": 0.0}, bounds={"x": (-1, 1)}, optimizer="auto")
    assert r.optimizer == "lbfgsb" and r.x["x"] == 1.0 and r.converged


def test_choose_method_table():
    from symgd.optim.bounds import box_arrays
    assert auto.choose_method(3, None) == "newton"
    assert auto.choose_method(auto.NEWTON_MAX + 1, None) == "lbfgs"
    assert auto.choose_method(1, box_arrays(["x"], {"x": (0, 1)})) == "lbfgsb"


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "adagrad"])
def test_a_bounded_normalised_method_steps_one_percent_of_the_box(optimizer):
    r = minimize("(x-30)^2 + (y+20)^2", {"x": 0.0, "y": 0.0}, bounds={"x": (-100, 100), "y": (-50, 50)},
                 optimizer=optimizer, steps=20_000)
    assert r.lr == pytest.approx(0.01 * 100) and any("1% of the narrowest box width 100" in n for n in r.notes)
    assert r.x["x"] == pytest.approx(30, abs=1e-3) and r.x["y"] == pytest.approx(-20, abs=1e-3)


def test_gd_whose_default_rate_would_diverge_takes_one_over_the_curvature():
    f = 150 * x ** 2 + y ** 2
    curvature = max(abs(float(v)) for v in sympy.hessian(f, (x, y)).eigenvals())  # 300: 0.01 > 2/300
    assert hyper_parameters("gd")["lr"] > 2 / curvature
    r = minimize(f, {"x": 1.0, "y": 1.0}, optimizer="gd", steps=10_000)
    assert r.lr == pytest.approx(1 / curvature) and r.converged and "1/L" in r.notes[0]
    assert r.x["x"] == pytest.approx(0, abs=1e-8) and r.x["y"] == pytest.approx(0, abs=1e-7)
    explicit = minimize(f, {"x": 1.0, "y": 1.0}, lr=0.01, steps=10_000)  # a given lr is kept: it diverges
    assert explicit.lr == 0.01 and explicit.status == "diverged" and explicit.notes == ()


def test_a_safe_default_rate_is_kept_and_reported():
    r = minimize("(x-3)^2", {"x": 0.0}, optimizer="gd")
    assert r.lr == hyper_parameters("gd")["lr"] and r.notes == () and r.x["x"] == pytest.approx(3.0)


def test_bounded_gd_takes_one_over_the_curvature():
    f = (x - 0.3) ** 2 * 40 + y ** 2
    r = minimize(f, {"x": -0.9, "y": 0.5}, bounds={"x": (-1, 1), "y": (-1, 1)}, optimizer="gd",
                 steps=20_000)
    curvature = max(abs(float(v)) for v in sympy.hessian(f, (x, y)).eigenvals())
    assert r.lr == pytest.approx(1 / curvature) and r.converged
    assert r.x["x"] == pytest.approx(0.3, abs=1e-8) and r.x["y"] == pytest.approx(0, abs=1e-8)


def test_bounded_gd_without_curvature_moves_one_percent_of_the_box_first():
    """A linear f has no curvature: the first step moves 1% of the box width, and the run ends on the edge."""
    r = minimize("3*x - 4*y", {"x": 0.0, "y": 0.0}, bounds={"x": (-1, 1), "y": (-2, 2)},
                 optimizer="gd", record_every=1)
    assert r.lr == pytest.approx(0.01 * 2 / 5) and np.linalg.norm(r.paths[0][1] - r.paths[0][0]) == pytest.approx(0.02)
    assert r.x == {"x": -1.0, "y": 2.0} and r.converged


def test_a_stalled_or_short_run_says_what_to_try():
    r = minimize("(x-100)^2", {"x": 0.0}, optimizer="adam", lr=1e-4, steps=50)
    assert r.status == "budget" and "Try more steps, a larger lr (it was 0.0001)" in r.message
    assert "optimizer='auto'" in r.message


def test_a_diverging_normalised_run_says_what_to_try():
    assert "smaller lr" in auto.advice("diverged", "adam", 5.0) and auto.advice("gradient", "adam", 1.0) == ""


def test_solve_reports_the_chosen_lr_and_method(capsys):
    import json
    from symgd.cli import main
    assert main(["solve", "(x-30)^2 + (y+20)^2", "--box", "x=-100:100,y=-50:50", "--optimizer", "adam",
                 "--steps", "20000", "--no-graph", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lr"] == pytest.approx(1.0) and any("1% of the narrowest box width" in c for c in out["choices"])
    assert main(["solve", "(x-1)^2 + 10*(y-x^2)^2", "--optimizer", "auto", "--no-graph", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["optimizer"] == "newton" and out["lr"] is None and "auto chose newton" in out["choices"][0]
    assert out["x"]["x"] == pytest.approx(1.0) and out["x"]["y"] == pytest.approx(1.0)
    assert main(["solve", "150*x^2", "--optimizer", "gd", "--no-graph"]) == 0
    text = capsys.readouterr().out
    assert "lr = 0.00333333" in text and "note: lr = 0.00333" in text and "would diverge" in text


def test_the_default_method_is_auto_unless_first_order_settings_are_given():
    """No optimizer named: auto (Newton here, as scipy.optimize.minimize picks a quasi-Newton method);
    a learning rate or a first-order hyper-parameter asks for gd, as it sets torch.optim.SGD."""
    rosenbrock = "(1-x)^2 + 100*(y-x^2)^2"
    r = minimize(rosenbrock, {"x": -1.2, "y": 1.0})
    assert r.optimizer == "newton" and r.converged and "auto chose newton" in r.notes[0]
    assert [r.x["x"], r.x["y"]] == pytest.approx([1.0, 1.0], abs=1e-8)  # Rosenbrock's minimum, by hand
    assert [len(r.history), r.history[-1].step] == [r.nit + 1, r.nit]  # every Newton step is a row
    assert minimize(rosenbrock, {"x": -1.2, "y": 1.0}, lr=1e-3, steps=10).optimizer == "gd"
    assert minimize(rosenbrock, {"x": -1.2, "y": 1.0}, weight_decay=0.1, steps=10).optimizer == "gd"
    vector = minimize("sum((x[i] - 2)^2, i, 0, n-1)", {"x": [0.0, 0.0, 0.0]}, steps=2000)
    assert vector.optimizer == "gd" and vector.x["x"] == pytest.approx([2.0, 2.0, 2.0])


def test_an_unbounded_f_out_of_budget_is_named_so(capsys):
    """Newton's trust region can lower x^3 for its whole budget without overflowing: the message still
    says f fell without bound, and the run is not a success."""
    r = minimize("x^3", {"x": -1.0}, steps=200)
    assert r.status == "budget" and not r.converged and r.fun < -1e3
    assert "unbounded below" in r.message
