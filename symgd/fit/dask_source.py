"""Dask collections as data sources: a Dask DataFrame, a 2-D Dask array with column names, or a dict of
1-D Dask arrays, read partition by partition with the same checks and chunking as the file sources
(``symgd.fit.sources``); the Dask engine (``symgd.fit.dask_engine``) persists the partitions on workers.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symgd.errors import DataError
from symgd.fit.columns import check_names, listing
from symgd.fit.columns import DEFAULT_CHUNK, check_chunk


@dataclass(frozen=True)
class DaskSource:
    """A Dask DataFrame, a 2-D Dask array with column names, or a dict of 1-D Dask arrays.

    ``blocks`` holds one Delayed per partition (a pandas frame, a 2-D block, or a tuple of 1-D blocks).
    In one process its partitions are computed one at a time (the synchronous scheduler) and cut into
    chunks; the Dask engine persists them on the workers instead.
    """

    blocks: tuple[Any, ...]
    names: tuple[str, ...]
    chunk_size: int = DEFAULT_CHUNK
    n_rows: int | None = None
    in_memory: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.names

    @property
    def n(self) -> int:
        if self.n_rows is None:
            object.__setattr__(self, "n_rows", sum(len(c[self.names[0]]) for c in self.chunks(self.names[:1])))
        return self.n_rows

    def parts(self) -> list[int]:
        return list(range(len(self.blocks)))

    def read_part(self, part: int, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        import dask
        (block,) = dask.compute(self.blocks[part], scheduler="synchronous")
        return block_columns(block, self.names, tuple(names or self.names), part)

    def part_chunks(self, part: int, names: Sequence[str] | None = None) -> Iterator[dict[str, np.ndarray]]:
        cols = self.read_part(part, names)
        size = len(next(iter(cols.values())))
        for start in range(0, size, self.chunk_size):
            yield {k: v[start:start + self.chunk_size] for k, v in cols.items()}

    def chunks(self, names: Sequence[str] | None = None) -> Iterator[dict[str, np.ndarray]]:
        for part in self.parts():
            yield from self.part_chunks(part, names)


def block_columns(block: Any, all_names: Sequence[str], names: Sequence[str], part: int) -> dict[str, np.ndarray]:
    """Checked float64 columns of one Dask partition (a pandas frame, a 2-D array or a tuple of 1-D arrays)."""
    where = f"Dask partition {part}"
    if hasattr(block, "columns"):
        missing = [k for k in names if k not in block.columns]
        if missing:
            raise DataError(f"{where}: missing column(s) {listing(missing)}")
        return check_chunk({k: block[k].to_numpy() for k in names}, where)
    if isinstance(block, tuple):
        return check_chunk({k: block[all_names.index(k)] for k in names}, where)
    return check_chunk({k: np.asarray(block)[:, all_names.index(k)] for k in names}, where)


def dask_source(data: Any, columns: Sequence[str] | None, chunk_size: int) -> DaskSource | None:
    if _is_dask(data) and hasattr(data, "npartitions") and hasattr(data, "columns"):
        names = check_names(list(data.columns), "the Dask DataFrame")
        return DaskSource(tuple(data.to_delayed()), names, chunk_size)
    if _is_dask(data) and getattr(data, "ndim", 0) == 2:
        if columns is None or len(columns) != data.shape[1]:
            raise DataError(f"a 2-D Dask array of {data.shape[1]} columns needs as many column names (columns=)")
        blocks = data.rechunk({1: -1}).to_delayed()[:, 0]
        rows = data.shape[0] if data.shape[0] == data.shape[0] else None  # nan when chunks are unknown
        return DaskSource(tuple(blocks), check_names(columns, "the Dask array's columns"), chunk_size, rows)
    if isinstance(data, Mapping) and data and all(_is_dask(v) for v in data.values()):
        import dask
        names = check_names(list(data), "the dict of Dask arrays")
        if any(getattr(v, "ndim", 1) != 1 for v in data.values()):
            raise DataError("a dict of Dask arrays needs one-dimensional arrays, one per column")
        if len({v.shape[0] for v in data.values()}) > 1:
            raise DataError("the Dask arrays of the dict have different lengths")
        first = next(iter(data.values()))
        arrays = [v.rechunk(first.chunks) for v in data.values()]
        blocks = tuple(dask.delayed(tuple)([a.to_delayed()[i] for a in arrays]) for i in range(first.numblocks[0]))
        return DaskSource(blocks, names, chunk_size, int(first.shape[0]))
    return None


def _is_dask(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "dask" and hasattr(obj, "dask")
