"""Full-batch descent on a fit's loss with any optimizer from ``symgd.optim``.

Each step reduces the loss and its gradient over every chunk of the data (``Objective.loss_and_grad``)
and hands the gradient to the optimizer's ``update``, in the one array driver ``loops.driver.run_steps``
(the stopping rule of ``loops.outcome``, tested every step); the parameters travel as a ``(1, p)`` row,
the batched shape the optimizers use. ``newton`` gets the exact Hessian of the summed loss from one compiled
per-sample program per gradient component (its Jacobian rows are the Hessian's rows).

Where nothing needs the Python loop (no bounds, no callback, a per-coordinate optimizer, one in-memory
binding of the loss), the same descent runs as one fused loop (``symgd.loops.fused_data``: a quadratic
form for linear least squares, array code otherwise). It records and tests every step, so the history,
the stopping step and the messages are those of the loop below, a failure's included (worded from the
fused loop's own Outcome: no run again). For a linear least-squares model
the loop's loss values come from the quadratic form ½θᵀHθ + bᵀθ + c0, exact to about 1e-16·c0 in
absolute terms (c0 = Σ y²): relative to the loss only while the loss is not ~1e-13 of Σ y² or less.
"""
from __future__ import annotations

import math
from functools import cached_property

import numpy as np
import sympy

from symgd.fit.reduce import Objective
from symgd.fit.stopping import FitOutcome, project
from symgd.loops.driver import run_steps
from symgd.loops.outcome import BUDGET, CALLBACK, DIVERGED, GRADIENT, Outcome
from symgd.codegen.data import compile_data
from symgd.optim.transforms import scaled_gradient

GROWTH_LIMIT = 1e12  # a loss this many times its start value counts as diverging


class _Problem:
    """What line searches and Newton ask of the problem, on ``(starts, p)`` rows."""

    def __init__(self, obj: Objective) -> None:
        self.obj = obj

    def value(self, rows: np.ndarray) -> np.ndarray:
        return np.array([self.obj.loss(row) for row in np.atleast_2d(rows)])

    @cached_property
    def _hessian_rows(self):
        model = self.obj.model
        programs = [compile_data(sympy.diff(model.sample_loss, p), model.params, model.data)
                    for p in model.params]
        names = model.data_names
        chunks = list(self.obj.source.chunks(names)) if self.obj.source.in_memory else None
        return programs, chunks

    def hessian(self, rows: np.ndarray) -> np.ndarray:
        if hasattr(self.obj, "hessian"):  # the Dask engine reduces the Hessian on its workers
            return np.array([self.obj.hessian(row) for row in np.atleast_2d(rows)])
        programs, chunks = self._hessian_rows
        chunks = chunks if chunks is not None else self.obj.source.chunks(self.obj.model.data_names)
        scale = self.obj.model.scale(self.obj.n)
        out = []
        for row in np.atleast_2d(rows):
            h = np.zeros((len(row), len(row)))
            for chunk in chunks:
                for i, prog in enumerate(programs):
                    h[i] += prog.bind(chunk).sum_value_and_grad(row)[1]
            out.append(scale * (h + h.T) / 2)
        return np.array(out)


def _stop(theta, k, history, converged, message):
    return FitOutcome(np.asarray(theta, dtype=float), k, len(history), len(history), converged, message,
                   tuple(history))


def _single_binding(obj) -> object | None:
    if not (isinstance(obj, Objective) and obj.source.in_memory):
        return None
    bound = list(obj.bound("loss"))
    return bound[0] if len(bound) == 1 else None


def _fused(obj, theta0, optimizer, steps: int, tol: float) -> FitOutcome | None:
    """The descent as one fused loop, or None where it does not apply or ended where only the Python loop
    can say the same (a stop at the last step, where that loop reads the loss alone; a start not finite).
    A failure is worded from the fused loop's own Outcome, as ``_descent_outcome`` words the Python loop's."""
    bound = _single_binding(obj) if optimizer.rule is not None and steps >= 1 else None
    if bound is None:
        return None
    from symgd.loops.fused_data import fused_data_minimize
    scale = obj.model.scale(obj.n)
    # every step recorded and tested: the history and the stopping step of the Python loop
    res = fused_data_minimize(bound, scaled_gradient(optimizer.rule, scale), theta0, steps, tol / scale,
                              check_every=1, record_every=1)
    rows = [(k, x, v * scale, gn) for k, x, v, gn in res.history]
    if (res.status == GRADIENT and not (tol > 0 and res.nit < steps)) or not rows \
            or (res.status == DIVERGED and res.nit + 1 >= steps):
        return None
    seen = {"first": rows[0][2], "grew": None}
    grew = [row for row in rows if row[0] < steps and abs(row[2]) > GROWTH_LIMIT * max(abs(rows[0][2]), 1.0)]
    if grew:  # the Python loop stops on the first step whose loss grew, keeping that iterate
        k, x, seen["grew"], gn = grew[0]
        return _descent_outcome(Outcome(x, seen["grew"], gn, k, DIVERGED, rows[:k + 1]), steps, tol, seen)
    if res.status == BUDGET:  # as the Python loop measures its end point
        rows[-1] = (*rows[-1][:2], obj.loss(np.array(res.x, dtype=float)), rows[-1][3])
    return _descent_outcome(Outcome(res.x, res.value, res.grad_norm, res.nit, res.status, rows), steps, tol, seen)


def descend(obj: Objective, theta0, optimizer, steps: int, tol: float = 0.0, box=None,
            callback=None) -> FitOutcome:
    """Run ``steps`` optimizer steps on the full-batch loss; stop early on ``|grad| <= tol``, divergence,
    or a true ``callback(step, theta, loss)``. Keeps the last finite iterate.

    The loop is ``loops.driver.run_steps`` (tested and recorded every step); this adapter adds the
    loss's own tests (growth, callback, ``tol`` on the norm itself) and measures only the loss at the
    end (the last iterate's gradient is neither computed nor tested)."""
    if box is None and callback is None:
        fused = _fused(obj, theta0, optimizer, steps, tol)
        if fused is not None:
            return fused
    x = project(np.asarray(theta0, dtype=float), box)[None, :]
    problem, seen = _Problem(obj), {"calls": 0, "first": None, "grew": None}

    def grad(state):  # (loss, gradient) at steps 0..steps-1; the loss alone at the end
        seen["calls"] += 1
        return obj.loss_and_grad(state[0][0]) if seen["calls"] <= steps else (obj.loss(state[0][0]), None)

    def update(state, g, k):
        extra = {"value": np.array([g[0]])} if "value" in optimizer.needs else {}
        new, opt_state = optimizer.update(g[1][None, :], state[1], state[0], problem, **extra)
        return project(np.asarray(new, dtype=float), box), opt_state

    def stop(k, theta, g):  # the first finite check is step 0: its loss is the start's
        seen["first"] = g[0] if seen["first"] is None else seen["first"]
        if k == steps:
            return None
        if abs(g[0]) > GROWTH_LIMIT * max(abs(seen["first"]), 1.0):
            seen["grew"] = g[0]
            return DIVERGED
        if callback is not None and callback(k, theta.copy(), g[0]):
            return CALLBACK
        return GRADIENT if tol > 0 and float(np.linalg.norm(g[1])) <= tol else None
    out = run_steps((x, optimizer.init(x)), grad=grad, update=update,
                    snapshot=lambda state: state[0][0].copy(),
                    norm2=lambda g: 0.0 if g[1] is None or np.all(np.isfinite(g[1])) else math.nan,
                    finite=lambda theta: True, value=lambda theta, g: g[0], steps=steps, tol=math.nan,
                    record_every=1, stop=stop)
    return _descent_outcome(out, steps, tol, seen)


def _descent_outcome(out, steps: int, tol: float, seen: dict) -> FitOutcome:
    """The driver's ``loops.outcome.Outcome`` as a FitOutcome, in the words of the fit methods."""
    history = [v for _, _, v, _ in out.history]
    if out.status == GRADIENT:
        return _stop(out.x, out.nit, history, True, f"the gradient norm is below tol={tol:g}")
    if out.status == CALLBACK:
        return _stop(out.x, out.nit, history, True, f"stopped by the callback after {out.nit} steps")
    if out.status == DIVERGED and seen["grew"] is not None:
        return _stop(out.x, out.nit, history, False, f"diverged: the loss grew from {seen['first']:.6g} to "
                     f"{seen['grew']:.6g} in {out.nit} steps (learning rate too large?)")
    if out.status == DIVERGED:
        start = math.isnan(out.grad_norm)  # the driver's mark of a start that was not finite
        k, history = (0, []) if start else (out.nit + 1, history)  # k: the step that was not finite
        if k == steps:
            return _stop(out.x, steps, history, False, f"diverged: the loss is not finite after {steps} "
                         "steps; kept the last finite iterate")
        last = "at the start point" if k == 0 else f"after {k} steps"
        return _stop(out.x, k, history, False,
                     f"diverged: the loss or its gradient is not finite {last}; kept the last finite iterate")
    return _stop(out.x, steps, history, False if tol > 0 else True,
                 f"ran the {steps} steps asked for" + (f" (the gradient norm stayed above tol={tol:g})"
                                                        if tol > 0 else ""))
