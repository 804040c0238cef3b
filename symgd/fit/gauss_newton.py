"""Gauss–Newton with step halving (Hartley's modification) on the exact symbolic Jacobian.

The Gauss–Newton direction solves min ‖J δ + r‖ from the QR pieces (R δ = -Qᵀr, by least squares so
a rank-deficient Jacobian gives the minimum-norm step); the step is halved until the RSS decreases.
Without damping it can fail from a poor start where Levenberg–Marquardt does not — that is the point
of offering both.
"""
from __future__ import annotations

import numpy as np

from symgd.fit.lm import predicted_reduction
from symgd.fit.reduce import Objective
from symgd.fit.stopping import FitOutcome, Tolerances, check_start, gradient_cosine, project, small_step

MAX_HALVINGS = 40


def gauss_newton(obj: Objective, theta0, tol: Tolerances = Tolerances(), box=None, callback=None) -> FitOutcome:
    """Minimise the residual sum of squares of ``obj`` from ``theta0`` by damped Gauss–Newton."""
    theta = project(np.asarray(theta0, dtype=float), box)
    pieces = obj.pieces(theta)
    check_start(pieces.rss)
    nfev = njev = 1
    history = [pieces.rss]
    budget = tol.budget(len(theta))
    nit = 0
    while True:
        if pieces.rss == 0.0:
            return FitOutcome(theta, nit, nfev, njev, True, "exact fit: the residuals are all zero", tuple(history))
        if gradient_cosine(pieces.R, pieces.qtr, pieces.rss) <= tol.gtol:
            return FitOutcome(theta, nit, nfev, njev, True,
                           f"the residuals are orthogonal to the Jacobian columns (gtol={tol.gtol:g})", tuple(history))
        if nfev >= budget:
            return FitOutcome(theta, nit, nfev, njev, False,
                           f"stopped after {nfev} evaluations without converging (max_nfev)", tuple(history))
        nit += 1
        direction = np.linalg.lstsq(pieces.R, -pieces.qtr, rcond=None)[0]
        scale = np.linalg.norm(pieces.R, axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        t, accepted = 1.0, False
        for _ in range(MAX_HALVINGS):
            trial = project(theta + t * direction, box)
            rss_trial = obj.rss(trial)
            nfev += 1
            if np.isfinite(rss_trial) and rss_trial < pieces.rss:
                accepted = True
                break
            t /= 2.0
        step = trial - theta
        if not accepted:
            converged = small_step(step, theta, scale, max(tol.xtol, 1e-8))
            why = "no decrease of the RSS along the Gauss–Newton direction"
            return FitOutcome(theta, nit, nfev, njev, converged,
                           why + (" (at a minimum to within rounding)" if converged else ""), tuple(history))
        pred = predicted_reduction(pieces, step)
        rss_before = pieces.rss
        theta, pieces = trial, obj.pieces(trial)
        njev += 1
        history.append(pieces.rss)
        if callback is not None and callback(nit, theta, pieces.rss):
            return FitOutcome(theta, nit, nfev, njev, True, "stopped by the callback", tuple(history))
        if rss_before - pieces.rss <= tol.ftol * rss_before and pred <= tol.ftol * rss_before:
            return FitOutcome(theta, nit, nfev, njev, True,
                           f"the relative reduction of the RSS is below ftol={tol.ftol:g}", tuple(history))
        if small_step(step, theta, scale, tol.xtol):
            return FitOutcome(theta, nit, nfev, njev, True,
                           f"the relative step size is below xtol={tol.xtol:g}", tuple(history))
