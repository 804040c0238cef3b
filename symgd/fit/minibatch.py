"""Mini-batch stochastic descent: the rows shuffled once per epoch (seeded, so runs repeat exactly).

Each batch is a row subset of the bound data; the one compiled per-sample gradient is reduced over the
batch's rows with the loss's own reduction (a mean loss averages over the batch, a summed loss sums),
and the optimizer from ``symgd.optim`` takes one step per batch.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from symgd.errors import VariableError
from symgd.fit.reduce import Objective
from symgd.fit.stopping import Outcome, project


def batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch: a fresh permutation of the rows cut into consecutive batches (the last may be short)."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def minibatch_descent(obj: Objective, theta0, optimizer, epochs: int, batch_size: int, seed: int | None = 0,
                      box=None, callback=None) -> Outcome:
    """Run ``epochs`` passes of mini-batch descent; ``history`` holds the full-data loss after each epoch."""
    whole = obj.gathered()
    return descend_in_batches(whole, lambda rng: (whole,), theta0, optimizer, epochs, batch_size, seed, box,
                              callback, "mini-batches")


def descend_in_batches(obj: Any, chunks: Callable[[np.random.Generator], Iterable[Objective]], theta0,
                       optimizer, epochs: int, batch_size: int, seed: int | None, box, callback,
                       what: str) -> Outcome:
    """The mini-batch loop: each epoch takes ``chunks(rng)`` (in-memory objectives), cuts each one's
    shuffled rows into batches and steps once per batch; ``obj`` gives the full-data loss per epoch."""
    if batch_size < 1:
        raise VariableError(f"batch_size must be at least 1, got {batch_size}")
    if optimizer.needs:
        raise VariableError(f"{optimizer.name} needs the full-batch loss ({', '.join(sorted(optimizer.needs))}); "
                            "use it without batch_size")
    rng = np.random.default_rng(seed)
    x = project(np.asarray(theta0, dtype=float), box)[None, :]
    state = optimizer.init(x)
    history = [obj.loss(x[0])]
    steps = 0
    for epoch in range(epochs):
        for chunk in chunks(rng):
            for index in batches(chunk.n, batch_size, rng):
                _, grad = chunk.on_rows(index).loss_and_grad(x[0])
                if not np.all(np.isfinite(grad)):
                    return Outcome(x[0], epoch, steps, steps, False, f"diverged: a non-finite gradient in epoch "
                                   f"{epoch + 1}; kept the last finite iterate", tuple(history))
                x, state = optimizer.update(grad[None, :], state, x, None)
                x = project(np.asarray(x, dtype=float), box)
                steps += 1
        value = obj.loss(x[0])
        history.append(value)
        if not np.isfinite(value):
            return Outcome(x[0], epoch + 1, steps, steps, False,
                           f"diverged: the loss is not finite after epoch {epoch + 1}", tuple(history))
        if callback is not None and callback(epoch, x[0].copy(), value):
            return Outcome(x[0], epoch + 1, steps, steps, True, f"stopped by the callback after epoch {epoch + 1}",
                           tuple(history))
    return Outcome(x[0], epochs, steps, steps, True,
                   f"ran {epochs} epochs of {steps // max(epochs, 1)} {what} of up to {batch_size} rows",
                   tuple(history))
