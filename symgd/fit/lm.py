"""Levenberg–Marquardt with the exact symbolic Jacobian of the residuals (MINPACK lmder's algorithm).

Each step solves  min ‖J δ + r‖² + λ ‖D δ‖²  with Marquardt's scaling D = the largest column norms of J
seen so far (MINPACK's choice, so parameters that differ by orders of magnitude are damped alike). The
problem is solved from the QR pieces ``(R, Qᵀr)`` — reduced over the data's chunks — as the small
stacked system [R; √λ D] δ = [-Qᵀr; 0]. λ is chosen each step so the step fits a trust region
(Moré 1978), which grows after good steps and shrinks after poor ones; stopping follows lmder.
"""
from __future__ import annotations

import numpy as np

from symgd.fit.reduce import LstsqPieces, Objective
from symgd.fit.stopping import FitOutcome, Tolerances, check_start, gradient_cosine, project

ACCEPT = 1e-4  # gain ratio needed to accept a step (MINPACK's 1e-4)


def lm_step(pieces: LstsqPieces, lam: float, scale: np.ndarray) -> np.ndarray:
    """The damped Gauss–Newton step for damping ``lam`` (relative to ``scale``²)."""
    p = len(scale)
    a = np.vstack([pieces.R, np.sqrt(lam) * np.diag(scale)])
    b = np.concatenate([-pieces.qtr, np.zeros(p)])
    return np.linalg.lstsq(a, b, rcond=None)[0]


def predicted_reduction(pieces: LstsqPieces, step: np.ndarray) -> float:
    """RSS decrease the linear model predicts: ‖Qᵀr‖² - ‖Qᵀr + R δ‖² = -(2 δᵀRᵀQᵀr + ‖R δ‖²)."""
    rd = pieces.R @ step
    return float(-(2.0 * rd @ pieces.qtr + rd @ rd))


def _column_scale(pieces: LstsqPieces, previous: np.ndarray | None) -> np.ndarray:
    norms = np.linalg.norm(pieces.R, axis=0)
    if previous is not None:
        norms = np.maximum(norms, previous)
    return np.where(norms > 0, norms, 1.0)


def damping_for_radius(pieces: LstsqPieces, scale: np.ndarray, radius: float, lam: float
                       ) -> tuple[np.ndarray, float]:
    """The step of length ‖D δ‖ ≈ ``radius`` (within 10 %) and its damping λ (MINPACK's lmpar).

    λ = 0 (the Gauss–Newton step) when that step is short enough; otherwise Hebden/Moré's Newton
    iteration on φ(λ) = ‖D δ(λ)‖ - radius, safeguarded inside a bracket that shrinks each round.
    """
    step = lm_step(pieces, 0.0, scale)
    if np.linalg.norm(scale * step) <= 1.1 * radius:
        return step, 0.0
    jtj = pieces.jtj
    lo, hi = 0.0, float(np.linalg.norm(pieces.jtr / scale)) / radius
    for _ in range(10):
        if not lo < lam < hi:
            lam = max(1e-3 * hi, np.sqrt(lo * hi))
        used, step = lam, lm_step(pieces, lam, scale)
        q = scale * step
        qn = float(np.linalg.norm(q))
        phi = qn - radius
        if abs(phi) <= 0.1 * radius:
            break
        lo, hi = (lam, hi) if phi > 0 else (lo, lam)
        # φ'(λ) = -qᵀ D (JᵀJ + λD²)⁻¹ D q / ‖q‖ (a p x p solve; only steers λ, the step itself uses QR).
        # lstsq, not solve: near convergence λ can be too small to lift a singular JᵀJ (a dependent
        # column, Extended Powell singular), and solve raised LinAlgError there.
        w = np.linalg.lstsq(jtj + lam * np.diag(scale ** 2), scale * q, rcond=None)[0]
        slope = -float(q @ (scale * w)) / qn if qn > 0 else 0.0
        if not slope < 0:  # no Newton direction for λ: keep the bracket's step
            break
        lam -= (phi + radius) / radius * phi / slope
    return step, used  # the damping of the step returned (the Newton update may have moved lam on)


def levenberg_marquardt(obj: Objective, theta0, tol: Tolerances = Tolerances(), box=None,
                        factor: float = 100.0, callback=None) -> FitOutcome:
    """Minimise the residual sum of squares of ``obj`` from ``theta0``; returns an ``FitOutcome``.

    Trust-region form (Moré 1978, as MINPACK's lmder): the radius starts at ``factor``·‖D θ₀‖, halves
    (or less) after a poor step and doubles after a good one; the damping λ is the one whose step fits it.
    """
    theta = project(np.asarray(theta0, dtype=float), box)
    pieces = obj.pieces(theta)
    check_start(pieces.rss)
    nfev = njev = 1
    scale = _column_scale(pieces, None)
    radius = factor * float(np.linalg.norm(scale * theta)) or factor
    lam, history, nit, budget = 0.0, [pieces.rss], 0, tol.budget(len(theta))
    done = lambda ok, msg: FitOutcome(theta, nit, nfev, njev, ok, msg, tuple(history))  # noqa: E731
    while True:
        if pieces.rss == 0.0:
            return done(True, "exact fit: the residuals are all zero")
        if gradient_cosine(pieces.R, pieces.qtr, pieces.rss) <= tol.gtol:
            return done(True, f"the residuals are orthogonal to the Jacobian columns (gtol={tol.gtol:g})")
        if nfev >= budget:
            return done(False, f"stopped after {nfev} evaluations without converging (max_nfev)")
        nit += 1
        step, lam = damping_for_radius(pieces, scale, radius, lam)
        trial = project(theta + step, box)
        step = trial - theta
        snorm = float(np.linalg.norm(scale * step))
        if nit == 1:
            radius = min(radius, snorm)
        pred = predicted_reduction(pieces, step)
        rss_trial = obj.rss(trial)
        nfev += 1
        actual = pieces.rss - rss_trial if np.isfinite(rss_trial) else -np.inf
        rho = actual / pred if pred > 0 else -1.0
        rss_before = pieces.rss
        radius, lam = _new_radius(rho, actual, pred, rss_before, radius, snorm, lam, pieces, step)
        if rho >= ACCEPT:
            theta, pieces = trial, obj.pieces(trial)
            njev += 1
            scale = _column_scale(pieces, scale)
            history.append(pieces.rss)
            if callback is not None and callback(nit, theta, pieces.rss):
                return done(True, "stopped by the callback")
        if rss_before > 0 and abs(actual) <= tol.ftol * rss_before and 0 <= pred <= tol.ftol * rss_before \
                and rho <= 2.0:
            return done(True, f"the relative reduction of the RSS is below ftol={tol.ftol:g}")
        if radius <= tol.xtol * float(np.linalg.norm(scale * theta)):
            return done(True, f"the relative step size is below xtol={tol.xtol:g}")
        if not np.isfinite(radius) or radius == 0.0:
            return done(False, "the trust region collapsed: no step reduces the RSS")


def _new_radius(rho, actual, pred, rss, radius, snorm, lam, pieces, step):
    """MINPACK's radius update: shrink by 0.1-0.5 after a poor step, double after a good one."""
    if rho < 0.25:
        if np.isfinite(actual) and actual >= 0:
            temp = 0.5
        elif np.isfinite(actual):
            rd = pieces.R @ step
            dirder = -float(rd @ rd + lam * snorm ** 2)
            temp = 0.5 * dirder / (dirder + 0.5 * actual)
        else:
            temp = 0.1
        if not np.isfinite(actual) or rss - actual >= 100.0 * rss or temp < 0.1:
            temp = 0.1
        return temp * min(radius, 10.0 * snorm), lam / temp
    if lam == 0.0 or rho >= 0.75:
        return 2.0 * snorm, 0.5 * lam
    return radius, lam
