"""The Dask engine (the ``dask`` extra): the same fit, with the data's partitions held by a cluster.

``DaskObjective`` has the interface of ``symgd.fit.reduce.Objective`` that the fit methods use (``pieces``,
``rss``, ``loss_and_grad``, ``loss``, ``target_moments``, ``hessian``), so Levenberg–Marquardt,
Gauss–Newton and every optimizer run on it unchanged. The partitions are read once on the workers and
kept there (``client.compute`` of one read task per part); each evaluation sends the parameter vector,
runs the compiled per-sample program on every partition (a worker ``Objective`` over one in-memory chunk),
and reduces the partial results on the cluster in a tree. Only parameters and reduced sums (p numbers,
or a p x p triangle) reach the client, never the data. A lost worker costs nothing but time: the
scheduler re-runs the read task of each partition it held, from the source.
The model travels as sympy expressions (they pickle) and is compiled once per worker process.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy

from symgd.errors import BackendUnavailableError, DataError, SymgdError
from symgd.fit.columns import cut, shown
from symgd.fit.data import ArraySource
from symgd.fit.model import FitModel
from symgd.fit.reduce import LstsqPieces, Moments, Objective

FAN_IN = 16  # partial results combined per reduction task
#: Seconds to wait for a Dask scheduler before giving up (distributed's own default is 30).
CONNECT_TIMEOUT_S = 5
DEFAULT_WORKERS = 2


def _require_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise BackendUnavailableError("the Dask engine needs dask and distributed",
                                      hint="pip install 'symgd[dask]'") from exc
    return distributed


def connect(client: Any = None, scheduler: str | None = None, n_workers: int = DEFAULT_WORKERS
            ) -> tuple[Any, Callable[[], None]]:
    """A Dask client and how to release it: the given client (kept open), one for a scheduler address,
    or a new ``LocalCluster`` of worker processes (both closed by the release function)."""
    distributed = _require_distributed()
    if client is not None:
        return client, lambda: None
    if scheduler is not None:
        try:
            own = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, ValueError, MemoryError) as exc:  # no answer, a bad address, a garbled reply
            raise SymgdError(f"cannot reach the Dask scheduler at {shown(scheduler)}: "
                             f"{cut(str(exc) or type(exc).__name__)}",
                             hint="check the address (tcp://HOST:PORT) and that the scheduler runs") from exc
        return own, own.close
    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    own = distributed.Client(cluster)

    def release() -> None:
        own.close()
        cluster.close()
    return own, release


# ---------------------------------------------------------------------------------------------- on the workers

@functools.lru_cache(maxsize=16)
def _programs(model: FitModel) -> dict:
    """The per-worker cache of compiled programs for ``model`` (filled by the first Objective using it)."""
    return {}


class WorkerPart:
    """One partition's columns as held by a worker.

    Only the raw float64 columns stay in worker memory; each evaluation binds them afresh (hoisted
    features, feature matrices) and drops the binding after, so a worker holds about the data's own
    size rather than several times it. The compiled programs are cached per worker process.
    """

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.columns = columns
        self.n = len(next(iter(columns.values()), ()))

    def objective(self, model: FitModel) -> Objective:
        return Objective(model, ArraySource(self.columns), _programs(model))


def _register_sizeof() -> None:
    from dask.sizeof import sizeof
    sizeof.register(WorkerPart)(lambda part: sum(v.nbytes for v in part.columns.values()))


def _evaluate(part: WorkerPart, model: FitModel, theta: np.ndarray, kind: str) -> Any:
    """One partition's share of ``kind`` at ``theta`` (unscaled sums: the client applies a mean's 1/n)."""
    if part.n == 0:
        return None
    obj = part.objective(model)
    if kind == "pieces":
        return obj.pieces(theta)
    if kind == "rss":
        return obj.rss(theta)
    if kind == "loss_and_grad":
        return obj.loss_and_grad(theta)
    if kind == "loss":
        return obj.loss(theta)
    if kind == "moments":
        return obj.target_moments()
    if kind == "hessian":
        return _hessian(obj, part.columns, theta)
    if kind == "count":
        return obj.n
    raise ValueError(f"unknown reduction {kind!r}")


def _hessian(obj: Objective, chunk: dict[str, np.ndarray], theta: np.ndarray) -> np.ndarray:
    from symgd.codegen.data import compile_data
    model = obj.model
    cache = _programs(model)
    if "hessian" not in cache:  # one program per gradient component; its Jacobian rows are the Hessian's
        cache["hessian"] = [compile_data(sympy.diff(model.sample_loss, p), model.params, model.data)
                            for p in model.params]
    return np.array([prog.bind(chunk).sum_value_and_grad(theta)[1] for prog in cache["hessian"]])


def _combine(*parts: Any) -> Any:
    """The sum of partial results of one kind (None for an empty partition)."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    total = parts[0]
    for part in parts[1:]:
        if isinstance(total, (LstsqPieces, Moments)):
            total = total.combine(part)
        elif isinstance(total, tuple):
            total = (total[0] + part[0], total[1] + part[1])
        else:
            total = total + part
    return total


def _read(source: Any, part: Any, names: Sequence[str]) -> WorkerPart:
    return WorkerPart(source.read_part(part, names))


def _read_block(block: Any, all_names: Sequence[str], names: Sequence[str], part: int) -> WorkerPart:
    from symgd.fit.dask_source import block_columns
    return WorkerPart(block_columns(block, all_names, names, part))


def _identity(value: Any) -> Any:
    return value


def delayed_parts(source: Any, names: Sequence[str]) -> list[Any]:
    """One Delayed per part of ``source``, each reading and checking that part where it runs."""
    import dask
    from symgd.fit.dask_source import DaskSource
    if isinstance(source, DaskSource):
        return [dask.delayed(_read_block)(block, source.names, tuple(names), i)
                for i, block in enumerate(source.blocks)]
    if not hasattr(source, "parts") or not hasattr(source, "read_part"):
        source = _single_part(source, names)
    return [dask.delayed(_read)(source, part, tuple(names)) for part in source.parts()]


# ---------------------------------------------------------------------------------------------- on the client

class DaskObjective:
    """``Objective``'s reductions computed on a Dask cluster over partitions persisted on the workers."""

    def __init__(self, model: FitModel, source: Any, client: Any) -> None:
        _register_sizeof()
        self.model = model
        self.source = source
        self.client = client
        self._worker_model = dataclasses.replace(model, mean=False)
        # one future per partition, read on a worker and kept there; its recipe stays on the scheduler,
        # so a partition lost with its worker is read again from the source
        self.parts = client.compute(delayed_parts(source, model.data_names))
        self._model = client.submit(_identity, self._worker_model)
        self.n = int(self._reduce("count", np.zeros(len(model.params))) or 0)
        if self.n == 0:
            raise DataError("the data source has no rows", hint="a fit needs at least one row of data")

    def _reduce(self, kind: str, theta: Any) -> Any:
        theta = np.asarray(theta, dtype=float)
        level = self.client.map(_evaluate, self.parts, model=self._model, theta=theta, kind=kind, pure=False)
        while len(level) > 1:
            level = [self.client.submit(_combine, *level[i:i + FAN_IN], pure=False)
                     for i in range(0, len(level), FAN_IN)]
        return level[0].result()

    def pieces(self, theta: Sequence[float]) -> LstsqPieces:
        return self._reduce("pieces", theta)

    def rss(self, theta: Sequence[float]) -> float:
        return float(self._reduce("rss", theta))

    def loss_and_grad(self, theta: Sequence[float]) -> tuple[float, np.ndarray]:
        value, grad = self._reduce("loss_and_grad", theta)
        scale = self.model.scale(self.n)
        return value * scale, np.asarray(grad, dtype=float) * scale

    def loss(self, theta: Sequence[float]) -> float:
        return float(self._reduce("loss", theta)) * self.model.scale(self.n)

    def target_moments(self) -> Moments:
        return self._reduce("moments", np.zeros(len(self.model.params)))

    def hessian(self, theta: Sequence[float]) -> np.ndarray:
        """The exact Hessian of the total loss (summed per-sample Hessians, reduced on the cluster)."""
        h = self._reduce("hessian", theta) * self.model.scale(self.n)
        return (h + h.T) / 2

    def residuals(self, theta: Sequence[float]) -> np.ndarray:
        """Every residual, gathered to the client (for reports and plots of data that fit in memory)."""
        theta = np.asarray(theta, dtype=float)
        futures = [self.client.submit(_residuals, part, self._model, theta, pure=False) for part in self.parts]
        return np.concatenate(self.client.gather(futures))

    def close(self) -> None:
        """Drop the persisted partitions from the cluster."""
        self.client.cancel(self.parts + [self._model])


def _residuals(part: WorkerPart, model: FitModel, theta: np.ndarray) -> np.ndarray:
    return part.objective(model).residuals(theta) if part.n else np.empty(0)


class _OnePart:
    """An in-memory source seen as one part (shipped to a worker once)."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self.columns = columns

    def parts(self) -> list[int]:
        return [0]

    def read_part(self, part: int, names: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: self.columns[k] for k in names}


def _single_part(source: Any, names: Sequence[str]) -> _OnePart:
    chunks = list(source.chunks(names))
    return _OnePart({k: np.concatenate([c[k] for c in chunks]) for k in names})
