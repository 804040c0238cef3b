"""Mini-batch stochastic descent: the rows shuffled once per epoch (seeded, so runs repeat exactly).

Each batch is a row subset of the bound data; the one compiled per-sample gradient is reduced over the
batch's rows with the loss's own reduction (a mean loss averages over the batch, a summed loss sums),
and the optimizer from ``symgd.optim`` takes one step per batch. Epochs run in the one array driver
``loops.driver.run_steps`` (the stopping rule of ``loops.outcome``).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from symgd.errors import VariableError
from symgd.fit.reduce import Objective
from symgd.fit.stopping import FitOutcome, project
from symgd.loops.driver import run_steps
from symgd.loops.outcome import CALLBACK, DIVERGED


def batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch: a fresh permutation of the rows cut into consecutive batches (the last may be short)."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def minibatch_descent(obj: Objective, theta0, optimizer, epochs: int, batch_size: int, seed: int | None = 0,
                      box=None, callback=None) -> FitOutcome:
    """Run ``epochs`` passes of mini-batch descent; ``history`` holds the full-data loss after each epoch."""
    whole = obj.gathered()
    return descend_in_batches(whole, lambda rng: (whole,), theta0, optimizer, epochs, batch_size, seed, box,
                              callback, "mini-batches")


def descend_in_batches(obj: Any, chunks: Callable[[np.random.Generator], Iterable[Objective]], theta0,
                       optimizer, epochs: int, batch_size: int, seed: int | None, box, callback,
                       what: str) -> FitOutcome:
    """The mini-batch loop: each epoch takes ``chunks(rng)`` (in-memory objectives), cuts each one's
    shuffled rows into batches and steps once per batch; ``obj`` gives the full-data loss per epoch.

    An epoch is one step of ``loops.driver.run_steps``: its "gradient" is the full-data loss after the
    epoch (the start's is recorded, not tested), and the adapter's tests stop on a non-finite batch
    gradient (at that batch's iterate), a non-finite loss or the callback."""
    if batch_size < 1:
        raise VariableError(f"batch_size must be at least 1, got {batch_size}")
    if optimizer.needs:
        raise VariableError(f"{optimizer.name} needs the full-batch loss ({', '.join(sorted(optimizer.needs))}); "
                            "use it without batch_size")
    rng = np.random.default_rng(seed)
    x = project(np.asarray(theta0, dtype=float), box)[None, :]
    run = {"x": x, "state": optimizer.init(x), "steps": 0, "failed": False, "history": []}

    def loss(run):
        if run["failed"]:
            return None
        run["history"].append(obj.loss(run["x"][0]))
        return run["history"][-1]

    def epoch(run, value, k):
        for chunk in chunks(rng):
            for index in batches(chunk.n, batch_size, rng):
                _, grad = chunk.on_rows(index).loss_and_grad(run["x"][0])
                if not np.all(np.isfinite(grad)):
                    run["failed"] = True
                    return run
                new, run["state"] = optimizer.update(grad[None, :], run["state"], run["x"], None)
                run["x"] = project(np.asarray(new, dtype=float), box)
                run["steps"] += 1
        return run

    def stop(k, theta, value):
        if run["failed"] or (k > 0 and not np.isfinite(value)):
            return DIVERGED
        return CALLBACK if k > 0 and callback is not None and callback(k - 1, theta.copy(), value) else None
    out = run_steps(run, grad=loss, update=epoch, norm2=lambda value: 0.0, snapshot=lambda run: run["x"][0],
                    finite=lambda theta: True, value=lambda theta, value: value, steps=epochs, tol=math.nan,
                    stop=stop)
    return _batch_outcome(out, run, epochs, batch_size, what)


def _batch_outcome(out, run: dict, epochs: int, batch_size: int, what: str) -> FitOutcome:
    steps, history = run["steps"], tuple(run["history"])
    if out.status == DIVERGED and run["failed"]:
        return FitOutcome(out.x, out.nit - 1, steps, steps, False, f"diverged: a non-finite gradient in epoch "
                       f"{out.nit}; kept the last finite iterate", history)
    if out.status == DIVERGED:
        return FitOutcome(out.x, out.nit, steps, steps, False,
                       f"diverged: the loss is not finite after epoch {out.nit}", history)
    if out.status == CALLBACK:
        return FitOutcome(out.x, out.nit, steps, steps, True, f"stopped by the callback after epoch {out.nit}",
                       history)
    return FitOutcome(out.x, epochs, steps, steps, True, f"ran {epochs} epochs of {steps // max(epochs, 1)} "
                   f"{what} of up to {batch_size} rows", history)
