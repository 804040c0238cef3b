"""L-BFGS: the steps of scipy's L-BFGS-B on a problem without bounds (m = 10 correction pairs).

Without bounds L-BFGS-B's generalized Cauchy point and subspace minimization reduce to the direction
``d = -H g`` of the limited-memory inverse Hessian with ``H0 = (s.y / y.y) I`` (its ``theta``), which the
two-loop recursion computes (Nocedal & Wright, Algorithm 7.4). L-BFGS-B's line search is kept exactly
(``lnsrlb``): Moré–Thuente with ftol 1e-3, gtol 0.9, xtol 0.1, first trial ``1/|d|`` on the first
iteration and 1 after, at most 20 evaluations, a warning accepted; a pair is skipped when
``s.y <= eps * (-g.s)``; a failed search drops the memory and retries along ``-g``.

>>> from symgd.optim.minimize import minimize
>>> r = minimize("(x-1)^2 + 10*(y-x^2)^2", {"x": -1, "y": 2}, optimizer="lbfgs", steps=200)
>>> round(r.x["x"], 6), round(r.x["y"], 6), r.status
(1.0, 1.0, 'gradient')
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symgd.optim.base import HyperParameterError, Optimizer, OptState, check_positive
from symgd.optim.bfgs import line_function, numpy_rows
from symgd.optim.linesearch import dcsrch

EPS = float(np.finfo(float).eps)
#: L-BFGS-B's largest step (``big`` in lnsrlb) and its evaluation budget per line search (``maxls``).
STPMAX, MAXLS = 1e10, 20


def two_loop(g: np.ndarray, S: np.ndarray, Y: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``-H g`` per row: ``g`` is ``(rows, n)``, the pairs ``S``, ``Y`` ``(rows, m, n)`` newest first, of
    which the first ``count`` (per row) are in use (none: ``-g``)."""
    q = np.array(g, dtype=float)
    m = S.shape[1]
    coef = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(m):
            sy = np.einsum("ij,ij->i", S[:, j], Y[:, j])
            rho = np.where(j < count, 1.0 / sy, 0.0)
            a = rho * np.einsum("ij,ij->i", S[:, j], q)
            q -= a[:, None] * Y[:, j]
            coef.append((rho, a))
        yy = np.einsum("ij,ij->i", Y[:, 0], Y[:, 0]) if m else np.ones(len(g))
        sy0 = np.einsum("ij,ij->i", S[:, 0], Y[:, 0]) if m else np.ones(len(g))
        r = np.where(count > 0, sy0 / yy, 1.0)[:, None] * q
        for j in reversed(range(m)):
            rho, a = coef[j]
            b = rho * np.einsum("ij,ij->i", Y[:, j], r)
            r += S[:, j] * (a - b)[:, None]
    return -r


def push_pair(S: np.ndarray, Y: np.ndarray, count: np.ndarray, s: np.ndarray, y: np.ndarray, keep: np.ndarray):
    """The memory with (s, y) added as newest where ``keep`` (per row), oldest dropped past m."""
    S2, Y2 = np.roll(S, 1, axis=1), np.roll(Y, 1, axis=1)
    S2[:, 0], Y2[:, 0] = s, y
    k = keep[:, None, None]
    return np.where(k, S2, S), np.where(k, Y2, Y), np.where(keep, np.minimum(count + 1, S.shape[1]), count)


def _search(problem, x, g, f0, d, first):
    """lnsrlb's search along ``d``: (step, new gradient) or None."""
    slope = float(g @ d)
    if not (np.isfinite(slope) and slope < 0):
        return None
    stp0 = min(1.0 / np.linalg.norm(d), STPMAX) if first else 1.0
    seen: dict = {}
    stp, _, _, task = dcsrch(line_function(problem, x, d, seen), f0, slope, stp0, ftol=1e-3, gtol=0.9,
                             xtol=0.1, stpmin=0.0, stpmax=STPMAX, maxiter=MAXLS)
    return None if stp is None or task.startswith("ERROR") else (stp, seen["g"])


def _lbfgs_row(problem, x, g, f0, S, Y, count, first):
    """One L-BFGS-B iteration for one start: (new x, S, Y, count) or None (no step)."""
    d = two_loop(g[None], S[None], Y[None], np.array([count]))[0]
    found = _search(problem, x, g, f0, d, first)
    if found is None and count > 0:  # L-BFGS-B: refresh the memory and restart along -g
        S, Y, count, d = np.zeros_like(S), np.zeros_like(Y), 0, -g
        found = _search(problem, x, g, f0, d, first)
    if found is None:
        return None
    stp, g_new = found
    s, y = stp * d, g_new - g
    keep = float(s @ y) > EPS * (-float(g @ d) * stp)  # L-BFGS-B's curvature test (matupd is skipped)
    S, Y, count = push_pair(S[None], Y[None], np.array([count]), s[None], y[None], np.array([keep]))
    return x + s, S[0], Y[0], int(count[0])


def lbfgs(m: int = 10) -> Optimizer:
    """L-BFGS with ``m`` correction pairs and L-BFGS-B's line search (scipy's defaults)."""
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise HyperParameterError(f"m must be a whole number of at least 1, got {m!r}")

    def init(x: Any) -> OptState:
        rows, n = numpy_rows(x, "lbfgs").shape
        return OptState(0, (np.zeros((rows, m, n)), np.zeros((rows, m, n)), np.zeros(rows, int)))

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        if problem is None or value is None:
            raise HyperParameterError("lbfgs needs the problem's values: call it through minimize")
        S, Y, count = (a.copy() for a in state.slots)
        new_x = numpy_rows(x, "lbfgs").copy()
        for i in range(len(x)):
            step = _lbfgs_row(problem, x[i], np.asarray(grad[i], dtype=float), float(value[i]), S[i], Y[i],
                              int(count[i]), state.step == 0)
            if step is not None:
                new_x[i], S[i], Y[i], count[i] = step
        return new_x, OptState(state.step + 1, (S, Y, count))

    check_positive("m", m)
    return Optimizer("lbfgs", init, update, {"m": int(m)}, None, frozenset({"value"}))
