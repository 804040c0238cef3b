"""Bounds in fits: trust-region reflective (symgd.fit.trf) against scipy.optimize.least_squares(method="trf"),
lm with bounds switching to it (and saying so), open sides, starts outside the box, chunked data, the
CLI's --box, and hostile bounds."""
import json

import numpy as np
import pytest
import scipy.optimize

from symgd import fit
from symgd.cli import main
from symgd.errors import SymgdError

X = np.linspace(0, 4, 40)
Y = 2.5 * np.exp(-1.3 * X) + 0.5 + 0.01 * np.sin(7 * X)
MODEL = "a*exp(-k*x) + c"
NAMES = ("a", "c", "k")  # the parameters in symgd's (sorted) order


def _scipy(bounds: dict | None, x0: dict) -> tuple[np.ndarray, float]:
    """scipy's trust-region reflective fit of the same model: (parameters in NAMES order, RSS)."""
    lo = np.array([-np.inf if bounds is None or bounds.get(n, (None,))[0] is None else bounds[n][0] for n in NAMES])
    hi = np.array([np.inf if bounds is None or n not in bounds or bounds[n][1] is None else bounds[n][1]
                   for n in NAMES])
    start = np.clip([x0[n] for n in NAMES], lo, hi)
    start = np.where(start == lo, lo + 1e-10, np.where(start == hi, hi - 1e-10, start))

    def residuals(p):
        a, c, k = p
        return Y - (a * np.exp(-k * X) + c)

    res = scipy.optimize.least_squares(residuals, start, bounds=(lo, hi), method="trf", xtol=1e-15, ftol=1e-15,
                                       gtol=1e-15)
    return res.x, float(2 * res.cost)


CASES = [
    None,
    {"a": (None, 2.0)},  # upper side only, active
    {"k": (1.5, None)},  # lower side only, active
    {"a": (0.0, 2.0), "k": (1.5, None)},  # two active
    {"a": (0.0, 10.0), "c": (-1.0, 1.0), "k": (0.0, 5.0)},  # all inactive
    {"c": (0.6, 1.0)},
]


@pytest.mark.parametrize("bounds", CASES, ids=[str(c) for c in CASES])
def test_trf_matches_scipy_least_squares_trf(bounds):
    x0 = {"a": 1.0, "c": 0.8, "k": 1.0}
    result = fit(MODEL, {"x": X, "y": Y}, x0=x0, method="trf", bounds=bounds)
    expected, rss = _scipy(bounds, x0)
    assert result.method == "trf" and result.converged
    np.testing.assert_allclose([result.params[n] for n in NAMES], expected, rtol=1e-6, atol=1e-9)
    assert result.rss == pytest.approx(rss, rel=1e-9)
    for name, (lo, hi) in (bounds or {}).items():
        assert (lo is None or result.params[name] >= lo) and (hi is None or result.params[name] <= hi)


def test_lm_with_bounds_fits_by_trf_and_says_so():
    result = fit(MODEL, {"x": X, "y": Y}, x0={"a": 1, "c": 0, "k": 1}, bounds={"a": (None, 2)})
    assert result.method == "trf"
    assert any("trust-region reflective" in w for w in result.warnings)
    assert any("a is at its upper bound 2" in w for w in result.warnings)
    expected, _ = _scipy({"a": (None, 2.0)}, {"a": 1, "c": 0, "k": 1})
    np.testing.assert_allclose([result.params[n] for n in NAMES], expected, rtol=1e-6)


def test_lm_without_bounds_is_still_lm_and_trf_agrees_with_it():
    lm = fit(MODEL, {"x": X, "y": Y}, x0={"a": 1, "c": 0, "k": 1})
    trf = fit(MODEL, {"x": X, "y": Y}, x0={"a": 1, "c": 0, "k": 1}, method="trf")
    assert lm.method == "lm" and not lm.warnings
    np.testing.assert_allclose([trf.params[n] for n in NAMES], [lm.params[n] for n in NAMES], rtol=1e-8)


def test_a_start_outside_the_box_is_moved_onto_it():
    result = fit(MODEL, {"x": X, "y": Y}, x0={"a": 5, "c": 0, "k": 1}, bounds={"a": (0, 2)})
    assert 0 <= result.params["a"] <= 2
    expected, rss = _scipy({"a": (0.0, 2.0)}, {"a": 2, "c": 0, "k": 1})
    assert result.rss == pytest.approx(rss, rel=1e-9)


def test_chunked_data_fits_the_same_within_bounds(tmp_path):
    path = tmp_path / "decay.csv"
    path.write_text("x,y\n" + "".join(f"{float(x)!r},{float(y)!r}\n" for x, y in zip(X, Y)))
    bounds = {"k": (1.5, None)}
    whole = fit(MODEL, {"x": X, "y": Y}, x0={"a": 1, "c": 0, "k": 1}, bounds=bounds)
    chunked = fit(MODEL, str(path), x0={"a": 1, "c": 0, "k": 1}, bounds=bounds, chunk_size=7)
    np.testing.assert_allclose([chunked.params[n] for n in NAMES], [whole.params[n] for n in NAMES], rtol=1e-9)


def test_bounds_that_leave_everything_open_are_no_bounds():
    result = fit(MODEL, {"x": X, "y": Y}, x0={"a": 1, "c": 0, "k": 1}, bounds={"a": (None, None)})
    assert result.method == "lm"


@pytest.mark.parametrize("bounds", [
    {"a": (float("nan"), 1)}, {"a": ("0", 1)}, {"a": (2, 1)}, {"a": (1, 1)}, {"z": (0, 1)}, {"a": 3},
    {"a": (0, 1, 2)}, {"a": (True, 2)}, [("a", (0, 1))],
])
def test_hostile_bounds_are_refused_with_a_symgd_error(bounds):
    with pytest.raises(SymgdError):
        fit(MODEL, {"x": X, "y": Y}, bounds=bounds)


def _csv(tmp_path) -> str:
    path = tmp_path / "decay.csv"
    path.write_text("x,y\n" + "".join(f"{float(x)!r},{float(y)!r}\n" for x, y in zip(X, Y)))
    return str(path)


def test_cli_box_with_an_open_side_fits_by_trf(tmp_path, capsys):
    code = main(["fit", MODEL, "--data", _csv(tmp_path), "--box", "a=:2,k=0:", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["method"] == "trf"
    expected, rss = _scipy({"a": (None, 2.0), "k": (0.0, None)}, {"a": 1, "c": 1, "k": 1})
    np.testing.assert_allclose([out["params"][n] for n in NAMES], expected, rtol=1e-6)
    assert out["rss"] == pytest.approx(rss, rel=1e-9)


@pytest.mark.parametrize("box", ["a=nan:", "a=:", "a=2:1", "z=0:1", "a=0", "a=x:1", "a=1:1"])
def test_cli_hostile_box_prints_one_error_line(tmp_path, capsys, box):
    assert main(["fit", MODEL, "--data", _csv(tmp_path), "--box", box]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


# Gay's bounds for MGH problems (D. M. Gay 1984, as pyopus' mgh.py lists them): (lower, upper) per problem.
GAY = {1: ([-50, 0], [0.5, 100]), 5: ([0.6, 0.5], [10, 100]), 8: ([0.1, 0, 0], [50, 100, 50]),
       9: ([0.398, 1, -0.5], [4.2, 2, 0.1]), 10: ([0.006, 0, 0], [2, 3e5, 3e4]), 12: ([0, 5, 0], [2, 9.5, 20]),
       13: ([0.1, -20, -1, -1], [100, 20, 1, 50]), 14: ([-100] * 4, [0, 10, 100, 100]),
       15: ([0, -1, 0.13, 0.12], [10, 12, 13, 12]), 17: ([0, 0, -50, 0, 0], [50, 1.9, -0.1, 10, 10]),
       18: ([0, 0, 0, 1, 0, 0], [2, 8, 1, 7, 5, 5])}


@pytest.mark.parametrize("number", sorted(GAY))
def test_bounded_mgh_problems_reach_what_scipy_trf_reaches(number):
    import sys
    from pathlib import Path
    import sympy
    import symgd
    sys.path.insert(0, str(Path(__file__).parent))
    from suites.mgh import PROBLEMS, fit_form
    p = next(q for q in PROBLEMS if q.number == number)
    lo, hi = (np.array(side, dtype=float) for side in GAY[number])
    exprs = [symgd.parse(r) for r in p.residuals]
    symbols = [sympy.Symbol(n) for n in p.names]
    fun = sympy.lambdify(symbols, exprs, "numpy")
    jac = sympy.lambdify(symbols, sympy.Matrix(exprs).jacobian(symbols), "numpy")
    residuals = lambda x: np.array(fun(*x), dtype=float)  # noqa: E731
    x0 = np.clip(p.x0, lo + 1e-10 * (1 + abs(lo)), hi - 1e-10 * (1 + abs(hi)))
    expected = scipy.optimize.least_squares(residuals, x0, jac=lambda x: np.array(jac(*x), dtype=float),
                                            bounds=(lo, hi), method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15)
    model, data, target = fit_form(p)
    result = fit(model, data, target=target, x0=dict(zip(p.names, x0)),
                 bounds={n: (a, b) for n, a, b in zip(p.names, lo, hi)})
    theta = np.array([result.params[n] for n in p.names])
    assert np.all(theta >= lo) and np.all(theta <= hi) and result.method == "trf"
    assert float(np.sum(residuals(theta) ** 2)) <= 2 * expected.cost * (1 + 1e-6) + 1e-12


@pytest.mark.parametrize("method", ["linear", "gauss-newton", "lm", "trf"])
def test_every_least_squares_method_keeps_to_bounds_exactly(method):
    """The closed form ignored bounds and projected Gauss–Newton stopped at a wrong point (b = 2, not the
    constrained optimum 31/14); with bounds every least-squares method fits by trf. Oracle: scipy's
    lsq_linear with the same bounds."""
    x, y = np.array([0.0, 1, 2, 3]), np.array([1.0, 3, 5, 7])
    result = fit("a + b*x", {"x": x, "y": y}, method=method, bounds={"a": (0, 0.5)})
    expected = scipy.optimize.lsq_linear(np.column_stack([np.ones(4), x]), y, bounds=([0, -np.inf], [0.5, np.inf]),
                                         tol=1e-15)
    assert result.method == "trf"
    np.testing.assert_allclose([result.params["a"], result.params["b"]], expected.x, rtol=1e-9)
    assert (method == "trf") != any("instead of" in w for w in result.warnings)


def test_the_report_names_the_trf_method():
    x = np.linspace(0, 1, 50)
    res = fit("a*exp(b*x)", {"x": x, "y": 2 * np.exp(0.5 * x)}, target="y", method="trf", bounds={"b": (0, 1)})
    assert "trf (trust-region reflective)" in res.report()
    assert res.params["a"] == pytest.approx(2.0) and res.params["b"] == pytest.approx(0.5)  # the data's own
