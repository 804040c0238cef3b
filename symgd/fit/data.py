"""Data sources for fits: anything that yields its columns chunk by chunk.

Every fit method reduces over ``source.chunks(names)`` (a sum of gradients, of least-squares pieces, ...),
so a new kind of source (a chunked file reader, a Dask collection) is a new class with ``names``, ``n``,
``in_memory`` and ``chunks`` plus an entry in ``OPENERS`` — the fit methods do not change.
A dict of arrays is one chunk. Generated data (``"x=linspace(-pi,pi,2000); y=sin(x)"``) is built by
``symgd.fit.generated``. Every reader checks names and values strictly (``symgd.fit.columns``) and opens
only regular files of bounded size and line length (``symgd.fit.files``).
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from symgd.errors import DataError, SymgdError
from symgd.fit.columns import NUMBER, check_names, cut, is_number, listing, shown, to_float64
from symgd.fit.files import (LARGE_CSV_BYTES, check_file, comment_after_data, csv_fields, is_formula, looks_like_path,
                              whole_lines)
from symgd.fit.generated import GENERATORS, generate  # noqa: F401  (generated data: its public names stay here)


class DataSource(Protocol):
    """What the fit methods need from data: column names, the row count, and chunks of columns."""

    names: tuple[str, ...]
    n: int
    in_memory: bool

    def chunks(self, names: Sequence[str]) -> Iterator[dict[str, np.ndarray]]: ...


@dataclass(frozen=True)
class ArraySource:
    """Columns held in memory (float64, equal lengths); one chunk unless ``chunk_size`` is given."""

    columns: Mapping[str, np.ndarray]
    chunk_size: int | None = None
    in_memory: bool = True
    origin: str = "the data"  # what messages call it: the file read, or "the data"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.columns)

    @property
    def n(self) -> int:
        return len(next(iter(self.columns.values())))

    def chunks(self, names: Sequence[str]) -> Iterator[dict[str, np.ndarray]]:
        step = self.chunk_size or max(self.n, 1)
        for start in range(0, max(self.n, 1), step):
            yield {k: self.columns[k][start:start + step] for k in names}

    def arrays(self) -> dict[str, np.ndarray]:
        return dict(self.columns)


def from_arrays(data: Mapping[str, Any], chunk_size: int | None = None, where: str = "the data") -> ArraySource:
    """An ``ArraySource`` from a mapping of name -> 1-d array-like: names, numbers, lengths and rows checked."""
    if not isinstance(data, Mapping) or not data:
        raise DataError(f"{where}: no data columns given")
    names = check_names(list(data), where)
    cols = {name: to_float64(values, name, where) for name, values in zip(names, data.values())}
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) > 1:
        shown_lengths = ", ".join(f"{shown(k)}: {n}" for k, n in list(lengths.items())[:8])
        raise DataError(f"{where}: data columns have different lengths ({shown_lengths})")
    if not next(iter(lengths.values())):
        raise DataError(f"{where}: the columns have no rows", hint="a fit needs at least one row of data")
    if chunk_size is not None and chunk_size < 1:
        raise DataError(f"chunk_size must be at least 1, got {chunk_size}")
    return ArraySource(cols, chunk_size, origin=where)


def describe(source: Any) -> str:
    """What messages call a source: its file (the first, and how many more), else "the data"."""
    paths = getattr(source, "paths", ())
    if paths:
        return str(paths[0]) + (f" (and {len(paths) - 1} more files)" if len(paths) > 1 else "")
    return getattr(source, "origin", "the data")


# ---------------------------------------------------------------------------------------------- CSV

def read_csv(path: str | Path, columns: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Columns of a CSV (or whitespace-separated) file: named by its header, or by ``columns`` if it has none.

    The file must be a regular UTF-8 file (a BOM is dropped); a malformed row raises ``DataError``
    naming the file and the line.
    """
    path = check_file(path)
    if path.stat().st_size > LARGE_CSV_BYTES:
        raise DataError(f"{path} is over {LARGE_CSV_BYTES // 2 ** 20} MiB, too large to read whole",
                        hint="give chunk_size= (--chunk-size) to stream it")
    rows = [(no, line) for no, line in enumerate(whole_lines(path), 1)
            if line.strip() and not line.lstrip().startswith("#")]
    for no, line in rows:
        if "#" in line:  # as the streaming reader: a comment takes a whole line
            raise comment_after_data(path, no)
    if not rows:
        raise DataError(f"{path}: no data rows")
    delimiter = "," if "," in rows[0][1] else None
    header = columns is None
    first = [c.strip() for c in _fields(rows[0][1], delimiter, path, rows[0][0])]
    names = check_names(first if header else list(columns), str(path))
    body = rows[1:] if header else rows
    if not body:
        raise DataError(f"{path}: a header but no data rows")
    return _columns(path, names, body, delimiter)


def _fields(line: str, delimiter: str | None, path: Path, line_no: int) -> list[str]:
    return line.split() if delimiter is None else csv_fields(line, path, line_no)


_FIELD_LIMIT = csv.field_size_limit()  # a longer row takes the csv module's path, which refuses such a field


def _columns(path: Path, names: Sequence[str], rows: list[tuple[int, str]], delimiter: str | None
             ) -> dict[str, np.ndarray]:
    """The rows' cells as float64 columns: each checked in the plain decimal syntax, then converted at once.

    Plain comma rows are checked by one pattern per row; quoted rows, and a row the pattern refuses, are
    split and checked cell by cell (which names the line, the column and the cell).
    """
    width = len(names)
    row = re.compile(",".join([NUMBER.pattern] * width), NUMBER.flags) if delimiter == "," else None
    cells: list[str] = []
    for line_no, text in rows:
        if row is not None and len(text) <= _FIELD_LIMIT and '"' not in text and row.fullmatch(text):
            cells.extend(text.split(","))
            continue
        fields = _fields(text, delimiter, path, line_no)
        if len(fields) != width:
            raise DataError(f"{path}, line {line_no}: {len(fields)} fields, expected {width} ({listing(names)})")
        j = next((j for j, cell in enumerate(fields) if not is_number(cell)), None)
        if j is not None:
            raise DataError(f"{path}, line {line_no}: not a number in column {shown(names[j])}: "
                            f"{shown(fields[j].strip())}", hint="numbers are written like 12, -0.5 or 1.5e-3")
        cells.extend(fields)
    values = np.array(cells, dtype=float).reshape(len(rows), width)
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if bad.size:
        r = int(bad[0])
        j = int(np.flatnonzero(~np.isfinite(values[r]))[0])
        raise DataError(f"{path}, line {rows[r][0]}: a non-finite value in column {shown(names[j])}: "
                        f"{shown(cells[r * width + j].strip())}")
    return {name: values[:, j].copy() for j, name in enumerate(names)}


# ---------------------------------------------------------------------------------------------- dispatch

def _open_mapping(data: Any, **kw: Any) -> DataSource | None:
    if isinstance(data, Mapping):
        return from_arrays(data, kw.get("chunk_size"))
    if hasattr(data, "columns") and hasattr(data, "to_numpy") and hasattr(data, "__getitem__") \
            and not hasattr(data, "dask"):  # an in-memory DataFrame (pandas / polars)
        names = check_names(list(data.columns), "the data frame")  # before data[c]: a repeated name is 2-D
        return from_arrays({name: data[c] for name, c in zip(names, data.columns)}, kw.get("chunk_size"),
                           "the data frame")
    return None


def _open_text(data: Any, **kw: Any) -> DataSource | None:
    if isinstance(data, Path) or (isinstance(data, str) and not is_formula(data)):
        return from_arrays(read_csv(data, kw.get("columns")), kw.get("chunk_size"), str(data))
    if not isinstance(data, str):
        return None
    try:
        cols = generate(data)
    except SymgdError as exc:
        if not looks_like_path(data):
            raise
        raise DataError(f"no such data file or folder: {shown(data, 200)} (nor is it a data formula: "
                        f"{cut(exc.message.splitlines()[0], 80)})") from exc
    return from_arrays(cols, kw.get("chunk_size"))


#: Tried in order; the first that returns a source wins. New kinds of data add an opener here.
def _open_streaming(data: Any, **kw: Any) -> DataSource | None:
    from symgd.fit.sources import open_source  # Parquet, folders, globs, large CSVs, Dask collections
    return open_source(data, columns=kw.get("columns"), chunk_size=kw.get("chunk_size"))


OPENERS: list[Callable[..., DataSource | None]] = [_open_streaming, _open_mapping, _open_text]


def as_source(data: Any, *, columns: Sequence[str] | None = None, chunk_size: int | None = None) -> DataSource:
    """A ``DataSource`` for ``data``: a source already, a dict of arrays, a DataFrame, a CSV path, or a formula."""
    if hasattr(data, "chunks") and hasattr(data, "names") and hasattr(data, "in_memory"):
        return data
    for opener in OPENERS:
        source = opener(data, columns=columns, chunk_size=chunk_size)
        if source is not None:
            return source
    raise DataError(f"cannot read data of type {type(data).__name__}: give a dict of arrays, a CSV path "
                    "or a formula such as 'x=linspace(0,1,100); y=x^2'")
