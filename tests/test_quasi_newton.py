"""BFGS and L-BFGS take scipy's steps: the same strong-Wolfe line search (MINPACK's dcsrch, ported to
numpy) and the same updates, so their first 20 iterates agree with scipy.optimize's to 1e-8."""
import numpy as np
import pytest

import symgd

so = pytest.importorskip("scipy.optimize")

ROSENBROCK = ("(1-x)^2 + 100*(y-x^2)^2", lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2,
              lambda v: np.array([-2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] ** 2), 200 * (v[1] - v[0] ** 2)]),
              (-1.2, 1.0))
QUADRATIC = ("3*x^2 + x*y + 2*y^2 - x + 4*y", lambda v: 3 * v[0] ** 2 + v[0] * v[1] + 2 * v[1] ** 2 - v[0] + 4 * v[1],
             lambda v: np.array([6 * v[0] + v[1] - 1, v[0] + 4 * v[1] + 4]), (2.0, -3.0))


@pytest.mark.parametrize("problem", [ROSENBROCK, QUADRATIC], ids=["rosenbrock", "quadratic"])
@pytest.mark.parametrize("ours, theirs", [("bfgs", "BFGS"), ("lbfgs", "L-BFGS-B")])
def test_first_twenty_iterates_agree_with_scipy(problem, ours, theirs):
    text, fun, jac, start = problem
    result = symgd.minimize(text, dict(zip("xy", start)), optimizer=ours, steps=20, tol=0, record_every=1)
    path = np.array([[row.x["x"], row.x["y"]] for row in result.history])
    seen = []
    so.minimize(fun, np.array(start), jac=jac, method=theirs, callback=lambda xk, *_: seen.append(np.copy(xk)),
                options={"maxiter": 20, "gtol": 0})
    count = min(len(seen), len(path) - 1)  # scipy may stop early at an exact minimum (the quadratic)
    assert count >= 3
    np.testing.assert_allclose(path[1:count + 1], np.array(seen[:count]), rtol=0, atol=1e-8)


@pytest.mark.parametrize("optimizer", ["bfgs", "lbfgs"])
def test_rosenbrock_is_solved_to_its_minimum(optimizer):
    result = symgd.minimize(ROSENBROCK[0], {"x": -1.2, "y": 1.0}, optimizer=optimizer, steps=500)
    assert result.converged, result.message
    assert result.x["x"] == pytest.approx(1, abs=1e-6) and result.x["y"] == pytest.approx(1, abs=1e-6)


@pytest.mark.parametrize("optimizer", ["bfgs", "lbfgs"])
def test_solve_offers_them(optimizer, capsys):
    import json

    from symgd.cli import main
    assert main(["solve", ROSENBROCK[0], "--at", "x=-1.2,y=1", "--optimizer", optimizer, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["x"] == pytest.approx({"x": 1, "y": 1}, abs=1e-6) and out["optimizer"] == optimizer


@pytest.mark.parametrize("optimizer", ["bfgs", "lbfgs"])
def test_a_failed_wolfe_search_names_every_cause(optimizer):
    # x^3 from -0.5: f falls along -g with an ever steeper slope, so no step meets the strong Wolfe
    # curvature condition (scipy's BFGS fails there too). The message used to name only a kink or zero
    # curvature; which condition failed is not kept, so it names the fall as well
    theirs = so.minimize(lambda v: v[0] ** 3, [-0.5], jac=lambda v: 3 * v ** 2, method="BFGS")
    r = symgd.minimize("x^3", {"x": -0.5}, optimizer=optimizer)
    if r.status == "stalled":
        assert not theirs.success  # the same search fails in scipy
        assert "strong Wolfe" in r.message and "falling without bound" in r.message
        assert "not differentiable" in r.message and "rounding error" in r.message
    else:  # lbfgs's first step from its 1/|d| trial already lands far out: the fall is seen
        assert r.status == "diverged" and "unbounded below" in r.message
