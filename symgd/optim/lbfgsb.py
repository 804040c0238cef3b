"""Bound-constrained L-BFGS by projection: every start at once (a row each).

A simpler method than L-BFGS-B's (no generalized Cauchy point or subspace minimization, documented in
docs/optimizers.md): the variables at a bound whose gradient pushes outward are held fixed; the
limited-memory direction ``-H g`` (``lbfgs.two_loop``, m pairs) is taken on the others (steepest descent
where it is not downhill). L-BFGS-B's own line search (Moré–Thuente, ``lbfgs._search`` settings) runs
along ``d`` with its steps capped where ``d`` meets the box (the first trial ``1/|d|`` while there is no
memory, as L-BFGS-B, else 1, or that cap if smaller), so away from the bounds the iterates are L-BFGS's
and a variable that reaches its bound is held there from the next step on (an active set). Where ``d``
is blocked at once (the cap is 0) or that search fails, the step backtracks along the projected path
``P(x + t d)`` until ``f(P(x + t d)) <= f(x) + c g.(P(x + t d) - x)`` (Bertsekas' projected Armijo rule),
which bends along the box. The pair ``(s, y)`` of a step is added at the next step (its gradient is then known), when
``s.y > eps y.y``. A start stays put (the descent loop stops it as "stalled") when no search lowers f or
after ``PATIENCE`` steps in a row that did not lower it: f's rounding error then exceeds what is left
to gain.

>>> from symgd.optim.minimize import minimize
>>> r = minimize("(x-3)^2 + (y+1)^2", {"x": 0, "y": 0}, optimizer="lbfgsb", bounds={"x": (None, 2)})
>>> round(r.x["x"], 9), round(r.x["y"], 9), r.status
(2.0, -1.0, 'gradient')
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symgd.optim.base import HyperParameterError, Optimizer, OptState, check_unit
from symgd.optim.bfgs import line_function, numpy_rows
from symgd.optim.bounds import Box
from symgd.optim.lbfgs import EPS, MAXLS, STPMAX, push_pair, two_loop
from symgd.optim.linesearch import dcsrch

#: Backtracking halvings before a start gives up (it then stays put: "stalled").
MAX_BACKTRACKS = 50
#: Steps in a row that did not lower f before a start stays put ("stalled"): where f's rounding noise
#: exceeds its remaining decrease (Bohachevsky1 at |x| ~ 1e-9: terms of 0.7 cancel to 1e-17, one ulp
#: of 0.7 is 1e-16), the searches accept points at rounding level and the iterate wanders there for
#: the whole budget (10,000 steps, 70 s for 16 starts) with its gradient just above tol. A quasi-Newton
#: step that can still make progress on a flat f takes one or two such steps, not ten.
PATIENCE = 10


def _direction(box: Box, x: np.ndarray, g: np.ndarray, S, Y, count) -> np.ndarray:
    free = box.projected_gradient(x, g) != 0
    d = two_loop(np.where(free, g, 0.0), S, Y, count) * free
    slope = np.einsum("ij,ij->i", g, d)
    uphill = ~(np.isfinite(slope) & (slope < 0))
    return np.where(uphill[:, None], -g * free, d)


def _backtrack(problem, box: Box, x, g, f0, d, t, c):
    """The projected Armijo search for every row at once: new x (unchanged where none was found)."""
    accepted = np.zeros(len(x), dtype=bool)
    new_x = x.copy()
    slack = 8 * EPS * np.abs(f0)  # rounding-level increases count as none (as gd's Armijo search)
    for _ in range(MAX_BACKTRACKS):
        trial = box.project(x + t[:, None] * d)
        with np.errstate(all="ignore"):
            f = np.asarray(problem.value(trial), dtype=float)
        ok = ~accepted & np.isfinite(f) & (f <= f0 + c * np.einsum("ij,ij->i", g, trial - x) + slack)
        new_x[ok] = trial[ok]
        accepted |= ok
        if accepted.all():
            break
        t = np.where(accepted, t, t * 0.5)
    return new_x


def _max_step(box: Box, x: np.ndarray, d: np.ndarray) -> float:
    """The largest t with ``x + t d`` inside the box (inf when no bound is in the way)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(d > 0, (box.hi - x) / d, np.where(d < 0, (box.lo - x) / d, np.inf))
    return float(np.nanmin(np.maximum(t, 0.0), initial=np.inf))


def _wolfe_step(problem, box: Box, x: np.ndarray, g: np.ndarray, f0: float, d: np.ndarray, stp0: float):
    """L-BFGS-B's Moré–Thuente search along ``d`` within the box, for one row: the new x, or None where
    ``d`` is blocked by the box at once or the search fails."""
    slope, limit = float(g @ d), min(_max_step(box, x, d), STPMAX)
    if not (np.isfinite(slope) and slope < 0) or not limit > 0:
        return None
    stp, _, _, task = dcsrch(line_function(problem, x, d, {}), f0, slope, min(stp0, limit), ftol=1e-3, gtol=0.9,
                             xtol=0.1, stpmin=0.0, stpmax=limit, maxiter=MAXLS)
    return None if stp is None or task.startswith("ERROR") else box.project(x + stp * d)


def _steps(problem, box: Box, x, g, f0, d, t, c):
    """Every row's new x: the Wolfe search where it applies, the projected Armijo search elsewhere."""
    new_x, rest = x.copy(), np.ones(len(x), dtype=bool)
    for i in range(len(x)):
        found = _wolfe_step(problem, box, x[i], g[i], float(f0[i]), d[i], float(t[i]))
        if found is not None:
            new_x[i], rest[i] = found, False
    if rest.any():
        new_x[rest] = _backtrack(problem, box, x[rest], g[rest], f0[rest], d[rest], t[rest], c)
    return new_x


def lbfgsb(lower: Any = None, upper: Any = None, m: int = 10, c: float = 1e-4) -> Optimizer:
    """Projected L-BFGS within ``lower <= x <= upper`` (arrays in variable order; None: unbounded)."""
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise HyperParameterError(f"m must be a whole number of at least 1, got {m!r}")
    check_unit("c", c)

    def init(x: Any) -> OptState:
        rows, n = numpy_rows(x, "lbfgsb").shape
        zero = np.zeros((rows, m, n))
        return OptState(0, (zero, zero.copy(), np.zeros(rows, int), np.zeros((rows, n)), np.zeros((rows, n)),
                            np.zeros(rows, bool), np.full(rows, np.inf), np.zeros(rows, int)))

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        if problem is None or value is None:
            raise HyperParameterError("lbfgsb needs the problem's values: call it through minimize")
        x, g = numpy_rows(x, "lbfgsb"), np.asarray(grad, dtype=float)
        n = x.shape[1]
        box = Box(np.broadcast_to(-np.inf if lower is None else np.asarray(lower, float), (n,)),
                  np.broadcast_to(np.inf if upper is None else np.asarray(upper, float), (n,)))
        S, Y, count, x_prev, g_prev, started, f_prev, flat = state.slots
        f0 = np.asarray(value, dtype=float)
        flat = np.where(started & (f0 >= f_prev), flat + 1, 0)  # steps in a row that did not lower f
        s, y = x - x_prev, g - g_prev
        with np.errstate(all="ignore"):
            keep = started & (np.einsum("ij,ij->i", s, y) > EPS * np.einsum("ij,ij->i", y, y))
        S, Y, count = push_pair(S, Y, count, s, y, keep & np.isfinite(s).all(1) & np.isfinite(y).all(1))
        d = _direction(box, x, g, S, Y, count)
        with np.errstate(divide="ignore"):
            t = np.where(count > 0, 1.0, np.minimum(1.0, 1.0 / np.linalg.norm(d, axis=1)))
        new_x = _steps(problem, box, x, g, f0, d, t, c)
        new_x[flat >= PATIENCE] = x[flat >= PATIENCE]  # stays put: the descent loop stops it as stalled
        return new_x, OptState(state.step + 1, (S, Y, count, x.copy(), g.copy(), np.ones(len(x), bool), f0.copy(),
                                                flat))

    return Optimizer("lbfgsb", init, update, {"m": int(m), "c": c}, None, frozenset({"value"}))
