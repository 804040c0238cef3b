"""descend(): the one array descent loop, for one start or many at once, with its stopping rules.

Each start stops on its own: gradient norm below ``tol``, value change below ``ftol`` (relative),
the step budget, divergence (a non-finite value, gradient or iterate — the last finite iterate is
kept — or a value that grew by more than ``GROWTH`` times its start), a stall (a line-search optimizer
whose iterate did not move: it would repeat the same failed search every step), or a callback.
A stopped start is frozen (its rows are no longer updated) while the others go on. The statuses and
the shared stopping rule (tested here every step) are those of ``symgd.loops.outcome``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symgd.loops.outcome import BUDGET, CALLBACK, DIVERGED, DOMAIN, GRADIENT, STALLED, VALUE_CHANGE, Outcome
from symgd.optim import arrays
from symgd.optim.base import Optimizer, OptState

#: A value this many times (1 + |f(x0)|) above the start's value counts as growing without bound.
GROWTH = 1e12

Callback = Callable[[int, np.ndarray, float, float], Any]


@dataclass
class Trace:
    """What a run recorded: per record, the step and the (starts, n) points, values and gradient norms."""

    steps: list[int] = field(default_factory=list)
    xs: list[np.ndarray] = field(default_factory=list)
    values: list[np.ndarray] = field(default_factory=list)
    grad_norms: list[np.ndarray] = field(default_factory=list)

    def add(self, step: int, x: Any, value: np.ndarray, grad_norm: np.ndarray) -> None:
        self.steps.append(step)
        self.xs.append(arrays.to_numpy(x))
        self.values.append(value.copy())
        self.grad_norms.append(grad_norm.copy())


def _evaluate(problem: Any, x: Any, box: Any = None) -> tuple[Any, Any, np.ndarray, np.ndarray]:
    """f, its gradient, and both on the host; the norm is the projected gradient's within a box (at a
    minimum on the box edge the gradient itself is not 0)."""
    with np.errstate(all="ignore"):
        value, grad = problem.value_and_grad(x)
        if box is not None:
            return value, grad, arrays.to_numpy(value), np.linalg.norm(box.projected_gradient(x, grad), axis=1)
        return value, grad, arrays.to_numpy(value), arrays.to_numpy(arrays.row_norms(grad))


def _stop_tests(run: "_Run", f_np: np.ndarray, gn: np.ndarray, tol: float, ftol: float) -> None:
    converged = run.active & (gn <= tol)
    run.stop(converged, GRADIENT)
    if ftol > 0 and run.f_prev is not None:
        change = np.abs(f_np - run.f_prev) <= ftol * np.maximum(1.0, np.abs(f_np))
        run.stop(run.active & change, VALUE_CHANGE)


@dataclass
class _Run:
    """The bookkeeping of one run (internal): which starts are still going, and why the others stopped."""

    active: np.ndarray
    status: np.ndarray
    nit: np.ndarray
    bad_x: np.ndarray
    f_prev: np.ndarray | None = None

    def stop(self, mask: np.ndarray, why: str) -> None:
        if mask.any():
            self.status[mask] = why
            self.active &= ~mask


def _masked_state(active: Any, new: OptState, old: OptState) -> OptState:
    return OptState(new.step, tuple(arrays.where(active, n, o) for n, o in zip(new.slots, old.slots)))


def descend(problem: Any, optimizer: Optimizer, x0: Any, *, steps: int, tol: float, ftol: float = 0.0,
            record_every: int = 1, callback: Callback | None = None, callback_every: int = 1,
            box: Any = None) -> Outcome:
    """Run ``optimizer`` on ``problem`` from the rows of ``x0`` (shape ``(starts, n)``): an Outcome with
    one entry per start, its ``history`` the run's Trace. With a ``box`` (symgd.optim.bounds.Box) every
    update is projected onto it: projected gradient descent for the per-coordinate optimizers, the one
    place bounds act on them."""
    x, state = x0, optimizer.init(x0)
    f, g, f_np, gn = _evaluate(problem, x, box)
    starts = x0.shape[0]
    ok = np.isfinite(f_np) & np.isfinite(gn)
    run = _Run(ok.copy(), np.where(ok, "", DOMAIN).astype(object), np.zeros(starts, int),
               np.where(ok[:, None], np.nan, arrays.to_numpy(x0)))
    f_start, trace = f_np.copy(), Trace()
    for k in range(steps + 1):
        if k % record_every == 0:
            trace.add(k, x, f_np, gn)
        _stop_tests(run, f_np, gn, tol, ftol)
        if callback is not None and k % callback_every == 0 and run.active.any():
            best = int(np.flatnonzero(run.active)[np.argmin(f_np[run.active])])
            if callback(k, arrays.to_numpy(x[best]), float(f_np[best]), float(gn[best])):
                run.stop(run.active.copy(), CALLBACK)
        if not run.active.any():
            break
        if k == steps:
            run.stop(run.active.copy(), BUDGET)
            break
        x, state, f, g, f_np, gn = _step(problem, optimizer, run, x, state, f, g, f_np, gn, f_start, box)
    if trace.steps[-1] != k:
        trace.add(k, x, f_np, gn)
    return Outcome(arrays.to_numpy(x), f_np, gn, run.nit, run.status, trace, run.bad_x)


def _step(problem: Any, optimizer: Optimizer, run: _Run, x: Any, state: OptState, f: Any, g: Any,
          f_np: np.ndarray, gn: np.ndarray, f_start: np.ndarray, box: Any = None) -> tuple:
    """One update of every active start; starts that diverge keep their last finite iterate."""
    with np.errstate(all="ignore"):
        new_x, new_state = optimizer.update(g, state, x, problem, value=f)
        if box is not None:
            new_x = box.project(new_x)
    new_f, new_g, new_f_np, new_gn = _evaluate(problem, new_x, box)
    new_x_np = arrays.to_numpy(new_x) if arrays.is_torch(new_x) else new_x
    finite = np.isfinite(new_f_np) & np.isfinite(new_gn) & np.isfinite(new_x_np).all(axis=1)
    bad = run.active & ~finite
    grew = run.active & finite & (new_f_np - f_start > GROWTH * (1 + np.abs(f_start)))
    stalled = run.active & finite & _unmoved(optimizer, x, new_x_np)
    run.f_prev = f_np
    if not (bad.any() or grew.any() or stalled.any()) and run.active.all():  # the common case
        run.nit += 1
        return new_x, new_state, new_f, new_g, new_f_np, new_gn
    run.bad_x[bad] = new_x_np[bad]
    run.stop(bad, DIVERGED)
    run.stop(grew, DIVERGED)
    run.stop(stalled, STALLED)
    advance = run.active | grew
    run.nit[advance] += 1
    mask = arrays.mask_like(advance, x)
    return (arrays.where(mask, new_x, x), _masked_state(mask, new_state, state),
            arrays.where(mask, new_f, f), arrays.where(mask, new_g, g),
            np.where(advance, new_f_np, f_np), np.where(advance, new_gn, gn))


def _unmoved(optimizer: Optimizer, x: Any, new_x_np: np.ndarray) -> np.ndarray:
    """Starts whose iterate a line-search optimizer (Newton, gd+armijo) left exactly where it was: its
    next step would repeat the same failed search (Newton on |x|: 60 evaluations a step, 10,000 steps)."""
    if "value" not in optimizer.needs:
        return np.zeros(new_x_np.shape[0], dtype=bool)
    return (new_x_np == arrays.to_numpy(x)).all(axis=1)
