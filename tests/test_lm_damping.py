"""LM's damping search never raises: a singular JᵀJ (a dependent column) with a radius so small that λ
cannot lift it used to end in ``LinAlgError: Singular matrix`` (Extended Powell singular at its
solution); the step it returns still fits the radius as MINPACK's lmpar asks."""
import numpy as np
import pytest

from symgd.fit.lm import damping_for_radius
from symgd.fit.reduce import LstsqPieces


def _cases(count):
    rng = np.random.default_rng(0)
    for _ in range(count):
        p = int(rng.integers(2, 5))
        jac = rng.normal(size=(6, p)) * 10.0 ** rng.integers(-8, 8, size=p)
        jac[:, -1] = jac[:, 0] * rng.choice([1, 1e-8])  # a dependent column: JᵀJ singular
        res = rng.normal(size=6) * 10.0 ** rng.integers(-20, 0)
        pieces = LstsqPieces.from_rows(jac, res)
        scale = np.maximum(np.linalg.norm(pieces.R, axis=0), 1e-300)
        yield pieces, scale, 10.0 ** int(rng.integers(-18, -8))


def test_a_singular_normal_matrix_never_raises():
    # this seed's first 1,500 cases held three that raised before the fix (cases 278, 929 and 1459)
    for pieces, scale, radius in _cases(1500):
        step, lam = damping_for_radius(pieces, scale, radius, 0.0)
        assert np.all(np.isfinite(step)) and np.isfinite(lam) and lam >= 0


@pytest.mark.parametrize("radius", [1e-2, 1.0])
def test_the_step_still_fits_the_radius_on_a_regular_problem(radius):
    rng = np.random.default_rng(1)
    jac, res = rng.normal(size=(20, 3)), rng.normal(size=20) * 10
    pieces = LstsqPieces.from_rows(jac, res)
    scale = np.linalg.norm(pieces.R, axis=0)
    step, lam = damping_for_radius(pieces, scale, radius, 0.0)
    assert lam > 0
    assert np.linalg.norm(scale * step) == pytest.approx(radius, rel=0.1)
    # the oracle: the damped normal equations (JᵀJ + λD²) δ = -Jᵀr at the λ returned
    expected = np.linalg.solve(jac.T @ jac + lam * np.diag(scale ** 2), -jac.T @ res)
    np.testing.assert_allclose(step, expected, rtol=1e-8)
