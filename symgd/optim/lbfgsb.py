"""Bound-constrained L-BFGS by projection: every start at once, as NumPy arrays.

A simpler method than L-BFGS-B's (no generalized Cauchy point or subspace minimization, documented in
docs/optimizers.md): the variables at a bound whose gradient pushes outward are held fixed; the
limited-memory direction ``-H g`` (``lbfgs.two_loop``, m pairs) is taken on the others (steepest descent
where it is not downhill); and the step backtracks along the projected path ``P(x + t d)`` until
``f(P(x + t d)) <= f(x) + c g.(P(x + t d) - x)`` (Bertsekas' projected Armijo rule). The first trial step
is 1, or ``1/|d|`` while there is no memory (L-BFGS-B's first step). The correction pair ``(s, y)`` of
a step is added at the next step (its gradient is then known), when ``s.y > eps y.y``.

Not yet registered with ``minimize`` (issue 16 work in progress): build it with ``lbfgsb(lower, upper)``
and run it through ``symgd.optim.loop.descend(..., box=Box(lower, upper))``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symgd.optim.base import HyperParameterError, Optimizer, OptState, check_unit
from symgd.optim.bfgs import numpy_rows
from symgd.optim.bounds import Box
from symgd.optim.lbfgs import EPS, push_pair, two_loop

#: Backtracking halvings before a start gives up (it then stays put: "stalled").
MAX_BACKTRACKS = 50


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


def lbfgsb(lower: Any = None, upper: Any = None, m: int = 10, c: float = 1e-4) -> Optimizer:
    """Projected L-BFGS within ``lower <= x <= upper`` (arrays in variable order; None: unbounded)."""
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise HyperParameterError(f"m must be a whole number of at least 1, got {m!r}")
    check_unit("c", c)

    def init(x: Any) -> OptState:
        rows, n = numpy_rows(x, "lbfgsb").shape
        zero = np.zeros((rows, m, n))
        return OptState(0, (zero, zero.copy(), np.zeros(rows, int), np.zeros((rows, n)), np.zeros((rows, n)),
                            np.zeros(rows, bool)))

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        if problem is None or value is None:
            raise HyperParameterError("lbfgsb needs the problem's values: call it through minimize")
        x, g = numpy_rows(x, "lbfgsb"), np.asarray(grad, dtype=float)
        n = x.shape[1]
        box = Box(np.broadcast_to(-np.inf if lower is None else np.asarray(lower, float), (n,)),
                  np.broadcast_to(np.inf if upper is None else np.asarray(upper, float), (n,)))
        S, Y, count, x_prev, g_prev, started = state.slots
        s, y = x - x_prev, g - g_prev
        with np.errstate(all="ignore"):
            keep = started & (np.einsum("ij,ij->i", s, y) > EPS * np.einsum("ij,ij->i", y, y))
        S, Y, count = push_pair(S, Y, count, s, y, keep & np.isfinite(s).all(1) & np.isfinite(y).all(1))
        d = _direction(box, x, g, S, Y, count)
        with np.errstate(divide="ignore"):
            t = np.where(count > 0, 1.0, np.minimum(1.0, 1.0 / np.linalg.norm(d, axis=1)))
        new_x = _backtrack(problem, box, x, g, np.asarray(value, dtype=float), d, t, c)
        return new_x, OptState(state.step + 1, (S, Y, count, x.copy(), g.copy(), np.ones(len(x), bool)))

    return Optimizer("lbfgsb", init, update, {"m": int(m), "c": c}, None, frozenset({"value"}))
