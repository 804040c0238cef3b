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

from symgd.errors import DataError, VariableError
from symgd.fit.data import ArraySource, describe
from symgd.fit.minibatch import descend_in_batches
from symgd.fit.model import FitModel
from symgd.fit.reduce import Objective
from symgd.fit.stopping import FitOutcome

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
        obj = Objective(model, source)
        if obj.n == 0:  # a streamed CSV's rows are known only once counted
            raise DataError(f"{describe(source)}: no data rows", hint="a fit needs at least one row of data")
        yield obj
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
                        seed: int | None = 0, box=None, callback=None) -> FitOutcome:
    """Mini-batch descent over a streaming source, never holding more than one chunk.

    Each epoch visits the parts in a random order and cuts each chunk's shuffled rows into batches
    (``symgd.fit.minibatch.batches``); on a source of one chunk this is exactly the in-memory
    ``minibatch_descent``. ``history`` holds the full-data loss after each epoch (one streaming pass).
    With the Dask engine the batches are read in this process (each step needs the previous one's
    parameters); the per-epoch loss is still reduced on the cluster.
    """
    programs = obj._programs if isinstance(obj, Objective) else {}
    return descend_in_batches(obj, lambda rng: _chunk_objectives(obj, programs, rng), theta0, optimizer,
                              epochs, batch_size, seed, box, callback, "streamed mini-batches")
