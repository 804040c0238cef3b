"""Fits on data larger than memory: one machine reading chunks, or a Dask cluster.

The full-batch methods (LM, Gauss–Newton, GD and the other optimizers, Newton) need only reductions over
the data, and ``symgd.fit.reduce.Objective`` already computes each reduction chunk by chunk: given a
streaming source (``symgd.fit.sources``) it binds one chunk at a time and keeps only the running sums —
the gradient, the QR pieces ``(R, Qᵀr, rss)`` of the least-squares problem — so memory is bounded by the
chunk size and the iterates equal the in-memory fit's (the chunks are summed in a fixed order).
``open_objective`` picks that objective or the Dask engine's; ``streaming_minibatch`` is mini-batch
descent over a source that is never gathered: the parts are visited in a seeded random order and the
rows of each chunk are shuffled and cut into batches.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from symgd.errors import VariableError
from symgd.fit.data import ArraySource
from symgd.fit.minibatch import batches
from symgd.fit.model import FitModel
from symgd.fit.reduce import Objective
from symgd.fit.stopping import Outcome, project

ENGINES = ("local", "dask")


@contextlib.contextmanager
def open_objective(model: FitModel, source: Any, engine: str = "local", *, client: Any = None,
                   scheduler: str | None = None, n_workers: int = 2) -> Iterator[Any]:
    """The objective the fit methods reduce over: in this process ("local": chunk by chunk for a
    streaming source) or on a Dask cluster ("dask": ``client``, a ``scheduler`` address, or a new
    ``LocalCluster`` of ``n_workers`` processes, closed on exit)."""
    if engine == "local":
        if client is not None or scheduler is not None:
            raise VariableError("client= and scheduler= need engine='dask'")
        yield Objective(model, source)
        return
    if engine != "dask":
        raise VariableError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    from symgd.fit.dask_engine import DaskObjective, connect
    dask_client, release = connect(client, scheduler, n_workers)
    try:
        obj = DaskObjective(model, source, dask_client)
        try:
            yield obj
        finally:
            obj.close()
    finally:
        release()


def _chunk_objectives(obj: Any, programs: dict, rng: np.random.Generator) -> Iterator[Objective]:
    """The source's chunks as in-memory objectives, parts in a seeded random order (programs shared)."""
    source, names = obj.source, obj.model.data_names
    if not hasattr(source, "parts"):
        raise VariableError("streaming mini-batches need a source made of parts (symgd.fit.sources)")
    parts = source.parts()
    for k in rng.permutation(len(parts)):
        for chunk in source.part_chunks(parts[k], names):
            if names and len(chunk[names[0]]):
                yield Objective(obj.model, ArraySource(chunk), programs)


def streaming_minibatch(obj: Objective, theta0, optimizer, epochs: int, batch_size: int,
                        seed: int | None = 0, box=None, callback=None) -> Outcome:
    """Mini-batch descent over a streaming source, never holding more than one chunk.

    Each epoch visits the parts in a random order and cuts each chunk's shuffled rows into batches
    (``symgd.fit.minibatch.batches``); on a source of one chunk this is exactly the in-memory
    ``minibatch_descent``. ``history`` holds the full-data loss after each epoch (one streaming pass).
    With the Dask engine the batches are read in this process (each step needs the previous one's
    parameters); the per-epoch loss is still reduced on the cluster.
    """
    if batch_size < 1:
        raise VariableError(f"batch_size must be at least 1, got {batch_size}")
    if optimizer.needs:
        raise VariableError(f"{optimizer.name} needs the full-batch loss ({', '.join(sorted(optimizer.needs))}); "
                            "use it without batch_size")
    # compiled programs shared by every chunk (the first chunk compiles); the Dask engine's objective
    # compiles on its workers, so the client's chunks start a dict of their own
    programs = obj._programs if isinstance(obj, Objective) else {}
    rng = np.random.default_rng(seed)
    x = project(np.asarray(theta0, dtype=float), box)[None, :]
    state = optimizer.init(x)
    history = [obj.loss(x[0])]
    steps = 0
    for epoch in range(epochs):
        for chunk in _chunk_objectives(obj, programs, rng):
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
                   f"ran {epochs} epochs of {steps // max(epochs, 1)} streamed mini-batches of up to {batch_size} "
                   "rows", tuple(history))
