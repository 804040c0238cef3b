"""The trust-region subproblem and one trust-region Newton step, for many starts at once.

Each step minimises the quadratic model m(p) = f + gᵀp + ½ pᵀHp over ‖p‖ ≤ Δ exactly (Moré & Sorensen
1983, the subproblem of scipy's ``trust-exact``), here on H's eigendecomposition H = V diag(λ) Vᵀ: with
a = Vᵀg the step is p = -V a/(λ + μ) for the smallest μ ≥ max(0, -λ_min) with ‖p‖ ≤ Δ (μ = 0: the Newton
step; the "hard case", a ⊥ the lowest eigenvector, adds that eigenvector to reach the boundary). Unlike an
eigenvalue floor, the model never caps a long step on a badly scaled problem: Δ grows while the model
predicts f well (ρ > ¾) and shrinks when it does not (ρ < ¼), as in scipy's ``_minimize_trust_region``.
Hand-written because scipy solves one start at a time through its own function objects, and the descent
loop hands every start's gradient and Hessian at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

EPS = float(np.finfo(float).eps)
#: Iterations of the safeguarded Newton search for μ (each row stops once ‖p‖ is within 1e-6 of Δ).
MU_ITERATIONS = 100


def _norms(a: np.ndarray, lam: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """‖a/(λ+μ)‖ and Σ a²/(λ+μ)³ per row (inf where a denominator is 0 under a nonzero a)."""
    with np.errstate(all="ignore"):
        d = lam + mu[:, None]
        c = np.where(a == 0, 0.0, a / d)
        return np.sqrt((c * c).sum(axis=1)), np.where(a == 0, 0.0, c * c / d).sum(axis=1)


def _root(a: np.ndarray, lam: np.ndarray, radius: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """μ > lo with ‖a/(λ+μ)‖ = Δ (to 1e-6): Newton on 1/Δ - 1/‖p(μ)‖ (nearly linear in μ), kept inside a
    shrinking bracket, falling back to bisection (geometric where the bracket spans decades)."""
    hi = lo + np.sqrt((a * a).sum(axis=1)) / radius  # there λ_i + μ ≥ ‖a‖/Δ, so ‖p‖ ≤ Δ
    left, mu = lo.copy(), hi.copy()
    for _ in range(MU_ITERATIONS):
        pn, q = _norms(a, lam, mu)
        done = np.abs(pn - radius) <= 1e-6 * radius
        if done.all():
            break
        long = pn > radius
        left, hi = np.where(long & ~done, mu, left), np.where(~long & ~done, mu, hi)
        with np.errstate(all="ignore"):
            step = (pn / np.sqrt(q)) ** 2 * (pn - radius) / radius  # Moré–Sorensen's Newton step for μ
            guess = mu + step
            mid = np.where(left > 0, np.sqrt(left * hi), 0.5 * hi)
        inside = np.isfinite(guess) & (guess > left) & (guess < hi)
        mu = np.where(done, mu, np.where(inside, guess, np.maximum(mid, left + 1e-3 * (hi - left))))
    return mu


@dataclass(frozen=True)
class ModelStep:
    """Per row: the step ``p``, whether it lies on the boundary, and the decrease the model predicts."""

    p: np.ndarray
    boundary: np.ndarray
    predicted: np.ndarray


def solve_subproblem(lam: np.ndarray, vec: np.ndarray, a: np.ndarray, radius: np.ndarray) -> ModelStep:
    """The exact minimiser of gᵀp + ½pᵀHp within ‖p‖ ≤ Δ per row, from H = V diag(λ) Vᵀ (λ ascending,
    shape ``(rows, n)``), ``vec`` = V, ``a`` = Vᵀg and ``radius`` = Δ."""
    rows, n = lam.shape
    lmin = lam[:, 0]
    tiny = 1e-13 * np.maximum(np.abs(lam).max(axis=1), EPS)
    lo = np.maximum(0.0, -lmin)
    low_space = lam - lmin[:, None] <= tiny[:, None]  # the eigenspace of λ_min
    newton_norm, _ = _norms(a, lam, np.zeros(rows))
    interior = (lmin > tiny) & (newton_norm <= radius)
    # the hard case: a has (almost) nothing along λ_min's eigenspace and the rest of the step is short
    a_rest = np.where(low_space, 0.0, a)
    rest_norm, _ = _norms(a_rest, lam, lo)
    along = np.sqrt((np.where(low_space, a, 0.0) ** 2).sum(axis=1))
    hard = ~interior & (along <= 1e-10 * np.sqrt((a * a).sum(axis=1)) + 1e-300) & (rest_norm <= radius)
    mu = np.zeros(rows)
    search = ~interior & ~hard
    if search.any():
        mu[search] = _root(a[search], lam[search], radius[search], lo[search])
    mu[hard] = lo[hard]
    with np.errstate(all="ignore"):
        c = np.where(hard[:, None] & low_space | (a == 0), 0.0, a / (lam + mu[:, None]))
    c = -c
    # in the hard case with H indefinite the boundary is reached along the lowest eigenvector
    reach = hard & (lmin < -tiny)
    c[reach, 0] = np.sqrt(np.maximum(radius[reach] ** 2 - (c[reach] ** 2).sum(axis=1), 0.0))
    predicted = -((a * c).sum(axis=1) + 0.5 * (lam * c * c).sum(axis=1))
    p = np.einsum("rij,rj->ri", vec, c)
    return ModelStep(p, ~interior & ~(hard & ~reach), predicted)


def eigen(hess: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """λ (ascending), V per row of ``(rows, n, n)`` Hessians, and which rows were finite (a row that is
    not gets the identity, a steepest-descent model)."""
    ok = np.isfinite(hess).all(axis=(1, 2))
    sym = np.where(ok[:, None, None], 0.5 * (hess + hess.swapaxes(1, 2)), np.eye(hess.shape[-1]))
    lam, vec = np.linalg.eigh(sym)
    return lam, vec, ok


@dataclass(frozen=True)
class Settings:
    """The trust region's constants: acceptance ``eta`` (scipy's 0.15), relative step tolerance ``xtol``
    (the region shrank below xtol·(xtol + ‖x‖): no smaller step can lower f), the largest radius and the
    model evaluations one step may spend before giving up."""

    eta: float = 0.15
    xtol: float = 1e-15
    max_radius: float = 1e15
    max_trials: int = 80


def _trial_values(problem: Any, x: np.ndarray, like: Any) -> np.ndarray:
    from symgd.optim import arrays
    with np.errstate(all="ignore"):
        return np.asarray(arrays.to_numpy(problem.value(arrays.like(x, like))), dtype=float)


def _gradient_judged(problem: Any, trial: np.ndarray, g: np.ndarray, like: Any) -> np.ndarray:
    """Rows whose ``trial`` point has a smaller gradient norm than ``g``: Newton's own measure of progress,
    exact far below f's rounding error (1e10·(eˣ - 2x) ends 1e-16 from ln 2; its values tell only 1e-13)."""
    if len(trial) == 0 or not hasattr(problem, "value_and_grad"):
        return np.zeros(len(trial), dtype=bool)
    from symgd.optim import arrays
    with np.errstate(all="ignore"):
        g_new = np.asarray(arrays.to_numpy(problem.value_and_grad(arrays.like(trial, like))[1]), dtype=float)
    return np.sqrt((g_new * g_new).sum(axis=1)) < np.sqrt((g * g).sum(axis=1))


def _short_newton(problem: Any, lam: np.ndarray, vec: np.ndarray, a: np.ndarray, x: np.ndarray, g: np.ndarray,
                  like: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose Newton step (H positive definite) is under 1e-8·(1 + ‖x‖): f's values cannot judge it (their
    rounding is often far above eps·|f| — sums of squares of cancelling terms — and the change is ~‖g‖‖p‖),
    so the gradient does. Returns (those rows, whether each step is taken)."""
    with np.errstate(all="ignore"):
        p = -np.einsum("rij,rj->ri", vec, a / lam)
    length = np.sqrt((p * p).sum(axis=1))
    rows = (lam[:, 0] > 0) & np.isfinite(length) & (length <= 1e-8 * (1 + np.sqrt((x * x).sum(axis=1))))
    rows &= hasattr(problem, "value_and_grad")  # a problem without gradients (a fit's) keeps the value test
    take = np.zeros(len(x), dtype=bool)
    take[rows] = _gradient_judged(problem, x[rows] + p[rows], g[rows], like)
    return rows, np.where(take[:, None], x + np.nan_to_num(p), x)


def trust_step(problem: Any, x: np.ndarray, f: np.ndarray, g: np.ndarray, hess: np.ndarray,
               radius: np.ndarray, settings: Settings, like: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """One accepted trust-region step per row: the new x and radius. Rejected trials shrink the region and
    are solved again on the same eigendecomposition (one value evaluation each). A row stays where it is
    (the descent loop stops it as stalled: what float64 allows is reached, or f is not smooth there) when
    its model predicts no decrease above f's rounding error, its region shrinks below ``xtol`` relative,
    or its Newton step is too short for values to judge and does not lower the gradient."""
    like = x if like is None else like
    lam, vec, _ = eigen(hess)
    a = np.einsum("rji,rj->ri", vec, g)
    radius = radius.copy()
    short, new_x = _short_newton(problem, lam, vec, a, x, g, like)
    pending = np.isfinite(f) & np.isfinite(g).all(axis=1) & ~short
    floor = settings.xtol * (settings.xtol + np.sqrt((x * x).sum(axis=1)))
    for _ in range(settings.max_trials):
        idx = np.flatnonzero(pending)
        if idx.size == 0:
            break
        step = solve_subproblem(lam[idx], vec[idx], a[idx], radius[idx])
        hopeless = ~(step.predicted > 4 * EPS * np.abs(f[idx]) + 1e-300)
        trial = x[idx] + step.p
        f_new = _trial_values(problem, trial, like)
        with np.errstate(all="ignore"):
            rho = (f[idx] - f_new) / step.predicted
        good = ~hopeless & np.isfinite(f_new) & (rho > settings.eta)
        length = np.sqrt((step.p * step.p).sum(axis=1))
        grow = good & (rho > 0.75) & step.boundary
        shrink = ~np.isfinite(rho) | (rho < 0.25)
        radius[idx] = np.where(grow, np.minimum(2 * radius[idx], settings.max_radius),
                               np.where(shrink, 0.25 * np.where(length > 0, length, radius[idx]), radius[idx]))
        new_x[idx[good]] = trial[good]
        pending[idx[good | hopeless]] = False
        pending[idx[~good & (radius[idx] < floor[idx])]] = False
    return new_x, radius
