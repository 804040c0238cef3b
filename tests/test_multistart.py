"""Many starts as one batched descent: Himmelblau's four minima, reproducible draws, clustering."""
import numpy as np
import pytest
import sympy

from symgd.errors import VariableError
from symgd.optim.minimize import minimize
from symgd.optim.multistart import cluster_minima, sample_starts

x, y = sympy.symbols("x y")
HIMMELBLAU = (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2
# The four minima as published (f = 0 at each); refined below by scipy where it is installed.
KNOWN = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]


def _oracle_minima():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    grad = sympy.lambdify([(x, y)], [sympy.diff(HIMMELBLAU, v) for v in (x, y)])
    return [tuple(scipy_optimize.fsolve(grad, guess, xtol=1e-13)) for guess in KNOWN]


def _check_four_minima(result, oracle):
    assert len(result.minima) == 4 and result.converged
    found = sorted((m.x["x"], m.x["y"]) for m in result.minima)
    for got, want in zip(found, sorted(oracle)):
        assert got == pytest.approx(want, abs=1e-6)
    assert all(m.fun == pytest.approx(0.0, abs=1e-12) for m in result.minima)
    assert sum(m.count for m in result.minima) == 40
    assert [m.fun for m in result.minima] == sorted(m.fun for m in result.minima)
    assert (result.x, result.fun) == (result.minima[0].x, result.minima[0].fun)
    assert "4 distinct minima" in result.message and len(result.paths) == 40


def test_himmelblau_yields_its_four_minima():
    r = minimize(HIMMELBLAU, starts=40, bounds={"x": (-5, 5), "y": (-5, 5)}, seed=3, lr=0.01, steps=3000)
    _check_four_minima(r, _oracle_minima())


def test_himmelblau_on_torch_tensors():
    pytest.importorskip("torch")
    r = minimize(HIMMELBLAU, starts=40, seed=3, lr=0.01, steps=3000, backend="torch")
    assert r.backend == "torch"
    _check_four_minima(r, _oracle_minima())


def test_batched_starts_match_separate_runs():
    starts = np.array([[1.0, 1.0], [-4.0, 4.0], [0.5, -3.0]])
    batch = minimize(HIMMELBLAU, starts=starts, optimizer="adam", lr=0.05, steps=50, tol=0)
    for i, start in enumerate(starts):
        alone = minimize(HIMMELBLAU, list(start), optimizer="adam", lr=0.05, steps=50, tol=0)
        np.testing.assert_allclose(batch.paths[i][-1], list(alone.x.values()), rtol=0, atol=1e-13)


def test_starts_are_seeded_and_inside_the_box():
    a = sample_starts(["x", "y"], 100, {"x": (0, 1)}, seed=7)
    b = sample_starts(["x", "y"], 100, {"x": (0, 1)}, seed=7)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (100, 2) and (a[:, 0] >= 0).all() and (a[:, 0] <= 1).all()
    assert (np.abs(a[:, 1]) <= 5).all() and a[:, 1].std() > 1  # the default box -5..5
    for bad in ({"z": (0, 1)}, {"x": (1, 0)}, {"x": (0, float("inf"))}):
        with pytest.raises(VariableError):
            sample_starts(["x", "y"], 10, bad, seed=0)
    with pytest.raises(VariableError):
        sample_starts(["x"], 0, None, seed=0)


def test_clustering_groups_nearby_end_points_best_first():
    points = np.array([[1.0, 0.0], [1.0 + 1e-7, 0.0], [5.0, 5.0], [1.0, 1e-8], [9.0, 9.0]])
    values = np.array([0.5, 0.4, 0.1, 0.6, 0.0])
    keep = np.array([True, True, True, True, False])
    groups = cluster_minima(points, values, keep, radius=1e-3)
    assert [list(g) for g in groups] == [[2], [1, 0, 3]]


def test_diverging_starts_are_counted_not_listed():
    f = x ** 4 - x ** 2
    r = minimize(f, starts=np.array([[0.5], [-0.5], [30.0]]), lr=0.1, steps=2000)
    assert sorted(round(m.x["x"], 6) for m in r.minima) == [-0.707107, 0.707107]
    assert "1 diverged" in r.message and sum(m.count for m in r.minima) == 2


def test_starts_all_outside_the_domain_are_an_error_and_some_are_skipped():
    from symgd.errors import DomainError
    with pytest.raises(DomainError, match="log"):
        minimize(sympy.log(x) + x, starts=5, bounds={"x": (-5, -1)}, seed=0)
    r = minimize(sympy.sqrt(x) + (x - 4) ** 2, starts=np.array([[-1.0], [1.0], [9.0]]), lr=0.01, steps=5000)
    sol = sympy.nsolve(sympy.diff(sympy.sqrt(x) + (x - 4) ** 2, x), x, 3.9, prec=30)
    assert len(r.minima) == 1 and r.x["x"] == pytest.approx(float(sol), abs=1e-7)
    assert r.minima[0].count == 2 and "1 left the domain or started outside it" in r.message
