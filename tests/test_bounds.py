"""Bounds in minimize and `solve --box` (issue 16): projected first-order steps and lbfgsb keep to the box;
their minima and active bounds agree with scipy's L-BFGS-B; bad boxes are one error line."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy
from scipy.optimize import minimize as scipy_minimize

from symgd.cli import main
from symgd.errors import VariableError
from symgd.optim.minimize import minimize
from symgd.parse import parse

#: (expression, bounds, start): minima on an edge, in a corner, one-sided and inside the box.
CASES = [
    ("(x-3)^2 + 2*(y+1)^2", {"x": (-5, 2), "y": (0, None)}, (0.5, 0.5)),
    ("100*(y - x^2)^2 + (1 - x)^2", {"x": (-2, 0.5), "y": (-2, 2)}, (-1.5, 1.5)),
    ("(x + y - 1)^2 + 3*(x - y)^2 + z^4 - z", {"z": (None, 0.4), "x": (0.6, 2)}, (1.0, 1.0, 0.0)),
    ("exp(x) + y^2 - 2*y*x + 2*y^2*x^2", {"x": (-1, 1), "y": (-1, 1)}, (0.5, -0.5)),
    ("(x-1)^2 + (y-2)^2", {"x": (-3, 3), "y": (-3, 3)}, (-2.0, 2.5)),
]


def _scipy(expr_text, bounds, start):
    """scipy's L-BFGS-B with finite differences (the independent oracle): its minimizer."""
    expr = parse(expr_text)
    names = sorted(s.name for s in expr.free_symbols)
    fn = sympy.lambdify(sorted(expr.free_symbols, key=lambda s: s.name), expr, "math")
    box = [bounds.get(n, (None, None)) for n in names]
    r = scipy_minimize(lambda p: fn(*p), np.array(start), method="L-BFGS-B", bounds=box,
                       options={"ftol": 1e-15, "gtol": 1e-12})
    return names, r.x, box


def _active(x, box):
    return [(lo is not None and abs(v - lo) < 1e-7, hi is not None and abs(v - hi) < 1e-7)
            for v, (lo, hi) in zip(x, box)]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("optimizer", ["lbfgsb", "auto"])
def test_lbfgsb_finds_scipys_bounded_minimum_and_active_bounds(case, optimizer):
    expr, bounds, start = CASES[case]
    names, expected, box = _scipy(expr, bounds, start)
    r = minimize(expr, list(start), bounds=bounds, optimizer=optimizer, steps=500)
    got = np.array([r.x[n] for n in names])
    assert r.converged and r.optimizer == "lbfgsb"
    assert got == pytest.approx(expected, abs=1e-5)
    assert _active(got, box) == _active(expected, box)


@pytest.mark.parametrize("optimizer", ["gd", "adam", "momentum", "rmsprop"])
def test_projected_first_order_steps_stay_in_the_box(optimizer):
    expr, bounds, start = CASES[0]
    names, expected, box = _scipy(expr, bounds, start)
    r = minimize(expr, list(start), bounds=bounds, optimizer=optimizer, steps=20_000, record_every=1)
    path = r.paths[0]
    assert (path[:, 0] >= -5).all() and (path[:, 0] <= 2).all() and (path[:, 1] >= 0).all()
    assert np.array([r.x[n] for n in names]) == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("backend", ["python", "numba"])
@pytest.mark.parametrize("optimizer", ["gd", "adam", "nesterov"])
def test_the_fused_loop_takes_the_array_loops_projected_steps(backend, optimizer):
    """The generated loop clips each update as the array loop does: the same iterates, step by step."""
    if backend == "numba":
        pytest.importorskip("numba")
    expr, bounds, start = CASES[0]
    arrays = minimize(expr, list(start), bounds=bounds, optimizer=optimizer, lr=0.005, steps=300,
                      backend="numpy", record_every=1)
    fused = minimize(expr, list(start), bounds=bounds, optimizer=optimizer, lr=0.005, steps=300,
                     backend=backend, record_every=1)
    assert fused.backend == backend and arrays.backend == "numpy"
    common = min(len(fused.history), len(arrays.history))
    assert common > 10
    for a, b in zip(arrays.history[:common], fused.history[:common]):
        assert a.step == b.step and b.x == pytest.approx(a.x, abs=1e-12)
        assert 0.0 <= b.x["y"] and b.x["x"] <= 2.0
    assert fused.x == pytest.approx(arrays.x, abs=1e-9) and fused.status == arrays.status


def test_a_function_unbounded_outside_the_box_is_minimized_inside_it():
    """-x y (72 - 2x - 2y) falls without bound for large x, y; inside [0, 500]² its minimum is -3456 at (12, 12)
    (the critical point from sympy)."""
    expr = "-x*y*(72 - 2*x - 2*y)"
    x, y = sympy.symbols("x y")
    f = parse(expr)
    crit = [s for s in sympy.solve([sympy.diff(f, x), sympy.diff(f, y)], [x, y], dict=True) if s[x] > 0 and s[y] > 0]
    r = minimize(expr, starts=16, bounds={"x": (0, 500), "y": (0, 500)}, seed=0, optimizer="auto")
    assert r.x["x"] == pytest.approx(float(crit[0][x]), abs=1e-6) and r.fun == pytest.approx(float(f.subs(crit[0])))
    assert all(0 <= m.x["x"] <= 500 and 0 <= m.x["y"] <= 500 for m in r.minima)


def test_a_start_outside_the_box_is_projected_and_said():
    r = minimize("(x-1)^2", {"x": 9.0}, bounds={"x": (-2, 3)}, optimizer="adam", steps=5000)
    assert r.x0 == {"x": 3.0} and any("outside the box" in note for note in r.notes)
    assert r.x["x"] == pytest.approx(1.0, abs=1e-6)


def test_multistart_draws_open_sides_from_the_default_box():
    """A one-sided bound draws from a box of the default width (10) starting at its finite side."""
    r = minimize("(x-1)^2 + y^2", starts=8, bounds={"x": (0.5, None)}, seed=1, optimizer="lbfgsb")
    starts = np.array([p[0] for p in r.paths])
    assert (starts[:, 0] >= 0.5).all() and (starts[:, 0] <= 10.5).all() and (np.abs(starts[:, 1]) <= 5).all()
    assert r.x["x"] == pytest.approx(1.0) and r.x["y"] == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize("bounds, match", [
    ({"x": (2, 1)}, "not below"), ({"x": (float("nan"), 1)}, "NaN"), ({"z": (0, 1)}, "not a variable"),
    ({"x": 3}, "pair"), ({"x": (True, 2)}, "numbers"), ({"x": ("0", 1)}, "numbers"), ({"x": (1, 1)}, "not below"),
    ([("x", 0, 1)], "dict"),
])
def test_bad_bounds_are_refused(bounds, match):
    with pytest.raises(VariableError, match=match):
        minimize("x^2 + y^2", bounds=bounds, optimizer="adam")


@pytest.mark.parametrize("optimizer", ["newton", "bfgs", "lbfgs"])
def test_methods_that_cannot_keep_to_a_box_refuse_bounds(optimizer):
    with pytest.raises(VariableError, match="cannot keep to bounds") as err:
        minimize("x^2", bounds={"x": (0, 1)}, optimizer=optimizer)
    assert "lbfgsb" in err.value.hint


def test_solve_box_with_an_open_side(capsys):
    code = main(["solve", "(x-3)^2 + 2*(y+1)^2", "--box", "x=-5:2,y=0:", "--at", "x=9", "--optimizer", "auto",
                 "--no-graph", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["optimizer"] == "lbfgsb"
    assert out["x"]["x"] == pytest.approx(2.0) and out["x"]["y"] == pytest.approx(0.0)
    assert any("outside the box" in c for c in out["choices"]) and any("auto chose lbfgsb" in c for c in out["choices"])


@pytest.mark.parametrize("box", ["x=:", "x=2:1", "x=nan:1", "z=0:1", "x=1e400:", "x=a:b", "x=1", "x=0:1,x=2:3",
                                 "x=__import__('os'):1", "x=-1e308:1e308", "=0:1", "x=0:1:2"])
def test_bad_boxes_are_one_error_line(box, capsys):
    code = main(["solve", "x^2", "--box", box, "--starts", "3", "--no-graph"])
    captured = capsys.readouterr()
    assert code == 2 and captured.err.startswith("error:") and "Traceback" not in captured.err


def test_lbfgsb_stops_where_f_is_flat_to_rounding_instead_of_wandering():
    # near Bohachevsky1's minimum at 0 its terms of 0.7, 0.3 and 0.4 cancel: f's rounding error (~1e-16)
    # exceeds what is left to gain (14.3 |x|^2 at |x| ~ 1e-9) while the gradient (28.6 |x|) is still above
    # tol. This start used to wander there for its whole budget; it now stops as stalled, at the minimum
    f = "x1^2 + 2*x2^2 - 0.3*cos(3*pi*x1) - 0.4*cos(4*pi*x2) + 0.7"
    box = {"x1": (-100, 100), "x2": (-100, 100)}
    r = minimize(f, starts=[[99.44198715784219, 96.16706775524602]], bounds=box, optimizer="lbfgsb")
    assert r.status == "stalled" and not r.converged and r.nit < 100
    assert max(abs(v) for v in r.x.values()) < 1e-8 and abs(r.fun) < 1e-15
    assert "rounding error" in r.message and "larger tol" in r.message
    exact = 28.6 * max(abs(v) for v in r.x.values())  # |f'| ~ (2 + 2.7 pi^2)|x| near 0: independent check
    assert r.grad_norm < 10 * exact + 1e-12
    # a smooth problem still converges on the gradient, not on this rule
    smooth = minimize("(x-3)^2 + 1e6", {"x": 0.0}, bounds={"x": (-10, 10)}, optimizer="lbfgsb")
    assert smooth.converged and smooth.status == "gradient" and abs(smooth.x["x"] - 3) < 1e-6
