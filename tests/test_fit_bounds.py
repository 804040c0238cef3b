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
