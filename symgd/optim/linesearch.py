"""The Moré–Thuente line search (MINPACK-2 ``dcsrch``/``dcstep``): a step satisfying the strong Wolfe
conditions ``f(t) <= f(0) + ftol t f'(0)`` and ``|f'(t)| <= gtol |f'(0)|``.

Why a port and not ``scipy.optimize``: scipy is an optional extra of symgd, and BFGS/L-BFGS must take
the same steps as scipy's (BFGS uses ``scalar_search_wolfe1``, L-BFGS-B ``lnsrlb``; both run
``dcsrch``). This is a line-by-line port of scipy's pure-Python ``scipy/optimize/_dcsrch.py`` (BSD-3,
itself a translation of the MINPACK-2 Fortran by Moré, Thuente, Averick and Carter), so the two agree
to the last bit on the same function values.

>>> from symgd.optim.linesearch import dcsrch
>>> phi = lambda t: ((t - 2.0) ** 2, 2.0 * (t - 2.0))
>>> round(dcsrch(phi, 4.0, -4.0, 1.0, ftol=1e-4, gtol=0.9)[0], 6)
1.0
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

P5, P66, XTRAPL, XTRAPU = 0.5, 0.66, 1.1, 4.0


@dataclass
class _Search:
    """dcsrch's work arrays (isave/dsave): the bracket [stx, sty] with values and slopes (internal)."""

    finit: float
    ginit: float
    gtest: float
    width: float
    width1: float
    stmax: float
    stx: float = 0.0
    fx: float = 0.0
    gx: float = 0.0
    sty: float = 0.0
    fy: float = 0.0
    gy: float = 0.0
    stmin: float = 0.0
    stage: int = 1
    brackt: bool = False


def dcsrch(phi: Callable[[float], tuple[float, float]], f0: float, g0: float, stp: float, *,
           ftol: float = 1e-4, gtol: float = 0.9, xtol: float = 1e-14, stpmin: float = 1e-8,
           stpmax: float = 50.0, maxiter: int = 100) -> tuple[float | None, float, float, str]:
    """(step, f, f', task) of a strong-Wolfe search from ``stp``; ``phi(t)`` returns (f(t), f'(t)).

    ``task`` says how it ended ("CONVERGENCE", "WARNING: ...", "ERROR: ..."); on a warning the step is
    the best one found (L-BFGS-B accepts it, scipy's BFGS does not), None when there is none (an error,
    a non-finite step, ``maxiter`` evaluations).
    """
    f0, g0, stp = np.float64(f0), np.float64(g0), np.float64(stp)  # numpy semantics: 0/0 is NaN, as in scipy
    error = _start_error(stp, g0, ftol, gtol, xtol, stpmin, stpmax)
    if error:  # MINPACK returns without evaluating anything
        return None, f0, g0, error
    s = _Search(f0, g0, ftol * g0, stpmax - stpmin, (stpmax - stpmin) / P5, stp + XTRAPU * stp,
                fx=f0, gx=g0, fy=f0, gy=g0)
    f, g = f0, g0
    for _ in range(maxiter):
        f, g = map(np.float64, phi(stp))
        task, stp = _iterate(s, stp, f, g, ftol, gtol, xtol, stpmin, stpmax)
        if not math.isfinite(stp):
            return None, f, g, "WARNING: non-finite step"
        if task != "FG":
            return stp, f, g, task
    return None, f, g, "WARNING: dcsrch did not converge within max iterations"


def _start_error(stp, g, ftol, gtol, xtol, stpmin, stpmax) -> str:
    checks = ((stp < stpmin, "STP .LT. STPMIN"), (stp > stpmax, "STP .GT. STPMAX"),
              (not g < 0, "INITIAL G .GE. ZERO"), (ftol < 0, "FTOL .LT. ZERO"), (gtol < 0, "GTOL .LT. ZERO"),
              (xtol < 0, "XTOL .LT. ZERO"), (stpmin < 0, "STPMIN .LT. ZERO"),
              (stpmax < stpmin, "STPMAX .LT. STPMIN"))
    return next((f"ERROR: {why}" for bad, why in checks if bad), "")


def _task(s: _Search, stp, f, g, ftest, gtol, xtol, stpmin, stpmax) -> str:
    """The ending dcsrch reports at this trial step, or "FG" to go on (last test wins, as in MINPACK)."""
    task = "FG"
    if s.brackt and (stp <= s.stmin or stp >= s.stmax):
        task = "WARNING: ROUNDING ERRORS PREVENT PROGRESS"
    if s.brackt and s.stmax - s.stmin <= xtol * s.stmax:
        task = "WARNING: XTOL TEST SATISFIED"
    if stp == stpmax and f <= ftest and g <= s.gtest:
        task = "WARNING: STP = STPMAX"
    if stp == stpmin and (f > ftest or g >= s.gtest):
        task = "WARNING: STP = STPMIN"
    if f <= ftest and abs(g) <= gtol * -s.ginit:
        task = "CONVERGENCE"
    return task


def _iterate(s: _Search, stp, f, g, ftol, gtol, xtol, stpmin, stpmax) -> tuple[str, float]:
    """One pass of dcsrch after a function evaluation: the task and the next trial step."""
    ftest = s.finit + stp * s.gtest
    if s.stage == 1 and f <= ftest and g >= 0:
        s.stage = 2
    task = _task(s, stp, f, g, ftest, gtol, xtol, stpmin, stpmax)
    if task != "FG":
        return task, stp
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if s.stage == 1 and f <= s.fx and f > ftest:  # the modified function psi, as in MINPACK
            fxm, gxm = s.fx - s.stx * s.gtest, s.gx - s.gtest
            fym, gym = s.fy - s.sty * s.gtest, s.gy - s.gtest
            s.stx, fxm, gxm, s.sty, fym, gym, stp, s.brackt = dcstep(
                s.stx, fxm, gxm, s.sty, fym, gym, stp, f - stp * s.gtest, g - s.gtest, s.brackt, s.stmin,
                s.stmax)
            s.fx, s.fy = fxm + s.stx * s.gtest, fym + s.sty * s.gtest
            s.gx, s.gy = gxm + s.gtest, gym + s.gtest
        else:
            s.stx, s.fx, s.gx, s.sty, s.fy, s.gy, stp, s.brackt = dcstep(
                s.stx, s.fx, s.gx, s.sty, s.fy, s.gy, stp, f, g, s.brackt, s.stmin, s.stmax)
    return "FG", _next_step(s, stp, xtol, stpmin, stpmax)


def _next_step(s: _Search, stp: float, xtol: float, stpmin: float, stpmax: float) -> float:
    """Bisect when the bracket shrinks too slowly; new step bounds; clip."""
    if s.brackt:
        if abs(s.sty - s.stx) >= P66 * s.width1:
            stp = s.stx + P5 * (s.sty - s.stx)
        s.width1, s.width = s.width, abs(s.sty - s.stx)
        s.stmin, s.stmax = min(s.stx, s.sty), max(s.stx, s.sty)
    else:
        s.stmin, s.stmax = stp + XTRAPL * (stp - s.stx), stp + XTRAPU * (stp - s.stx)
    stp = float(np.clip(stp, stpmin, stpmax))
    if s.brackt and (stp <= s.stmin or stp >= s.stmax) or (s.brackt and s.stmax - s.stmin <= xtol * s.stmax):
        stp = s.stx
    return stp


def _cubic_gamma(theta: float, a: float, b: float, clamp: bool = False) -> float:
    s = max(abs(theta), abs(a), abs(b))
    inside = (theta / s) ** 2 - (a / s) * (b / s)
    return s * np.sqrt(max(0, inside) if clamp else inside)  # NaN (not an exception) as in scipy


def dcstep(stx, fx, dx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax):
    """MINPACK-2 dcstep: a safeguarded cubic/quadratic trial step and the updated bracket
    (stx, fx, dx, sty, fy, dy, stp, brackt)."""
    sgnd = np.sign(dp) * np.sign(dx)
    if fp > fx:
        stpf, brackt = _higher_value(stx, fx, dx, stp, fp, dp), True
    elif sgnd < 0.0:
        stpf, brackt = _opposite_slopes(stx, fx, dx, stp, fp, dp), True
    elif abs(dp) < abs(dx):
        stpf = _shrinking_slope(stx, fx, dx, sty, stp, fp, dp, brackt, stpmin, stpmax)
    else:
        stpf = _flat_slope(stx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax)
    if fp > fx:
        sty, fy, dy = stp, fp, dp
    else:
        if sgnd < 0:
            sty, fy, dy = stx, fx, dx
        stx, fx, dx = stp, fp, dp
    return stx, fx, dx, sty, fy, dy, stpf, brackt


def _higher_value(stx, fx, dx, stp, fp, dp):
    theta = 3.0 * (fx - fp) / (stp - stx) + dx + dp
    gamma = _cubic_gamma(theta, dx, dp)
    if stp < stx:
        gamma = -gamma
    p, q = (gamma - dx) + theta, ((gamma - dx) + gamma) + dp
    stpc = stx + p / q * (stp - stx)
    stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2.0) * (stp - stx)
    return stpc if abs(stpc - stx) <= abs(stpq - stx) else stpc + (stpq - stpc) / 2.0


def _opposite_slopes(stx, fx, dx, stp, fp, dp):
    theta = 3 * (fx - fp) / (stp - stx) + dx + dp
    gamma = _cubic_gamma(theta, dx, dp)
    if stp > stx:
        gamma = -gamma
    p, q = (gamma - dp) + theta, ((gamma - dp) + gamma) + dx
    stpc = stp + p / q * (stx - stp)
    stpq = stp + (dp / (dp - dx)) * (stx - stp)
    return stpc if abs(stpc - stp) > abs(stpq - stp) else stpq


def _shrinking_slope(stx, fx, dx, sty, stp, fp, dp, brackt, stpmin, stpmax):
    theta = 3 * (fx - fp) / (stp - stx) + dx + dp
    gamma = _cubic_gamma(theta, dx, dp, clamp=True)
    if stp > stx:
        gamma = -gamma
    p, q = (gamma - dp) + theta, (gamma + (dx - dp)) + gamma
    r = p / q
    if r < 0 and gamma != 0:
        stpc = stp + r * (stx - stp)
    else:
        stpc = stpmax if stp > stx else stpmin
    stpq = stp + (dp / (dp - dx)) * (stx - stp)
    if brackt:
        stpf = stpc if abs(stpc - stp) < abs(stpq - stp) else stpq
        bound = stp + 0.66 * (sty - stp)
        return min(bound, stpf) if stp > stx else max(bound, stpf)
    stpf = stpc if abs(stpc - stp) > abs(stpq - stp) else stpq
    return float(np.clip(stpf, stpmin, stpmax))


def _flat_slope(stx, sty, fy, dy, stp, fp, dp, brackt, stpmin, stpmax):
    if brackt:
        theta = 3.0 * (fp - fy) / (sty - stp) + dy + dp
        gamma = _cubic_gamma(theta, dy, dp)
        if stp > sty:
            gamma = -gamma
        p, q = (gamma - dp) + theta, ((gamma - dp) + gamma) + dy
        return stp + p / q * (sty - stp)
    return stpmax if stp > stx else stpmin
