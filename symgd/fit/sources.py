"""Data sources larger than memory: CSV / Parquet files (one, a folder or a glob); Dask collections are in
``symgd.fit.dask_source``, and ``open_source`` opens either.

Each source has the shape of ``symgd.fit.data.DataSource`` (``names``, ``n``, ``in_memory``, ``chunks``),
so every fit method that reduces over chunks runs on it unchanged; ``chunks`` yields dicts of float64
NumPy arrays of at most ``chunk_size`` rows, read with streaming readers (pyarrow for Parquet, pandas'
``chunksize`` for CSV) so memory is bounded by the chunk size. Each chunk is checked as it is read: a
value that is not a finite number raises ``DataError`` naming the file and the row (never a silent NaN).
``parts()`` cuts the source into independently readable pieces for the Dask engine.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from symgd.errors import BackendUnavailableError, DataError
from symgd.fit.columns import DEFAULT_CHUNK, check_chunk, check_names, cut, is_number, listing, shown
from symgd.fit.files import (LARGE_CSV_BYTES, PARQUET, check_file, csv_fields, data_files, is_formula, open_bounded,
                              text_lines)

if TYPE_CHECKING:
    from symgd.fit.dask_source import DaskSource



@dataclass(frozen=True)
class Part:
    """An independently readable piece of a file source: a Parquet row group or a whole CSV file."""

    path: Path
    row_group: int | None
    offset: int


@dataclass(frozen=True)
class FileSource:
    """CSV and/or Parquet files read chunk by chunk, in file order; ``n_rows`` is None until counted."""

    paths: tuple[Path, ...]
    names: tuple[str, ...]
    chunk_size: int = DEFAULT_CHUNK
    header: bool = True
    n_rows: int | None = None
    in_memory: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.names

    @property
    def n(self) -> int:
        """The row count (Parquet: from the metadata; CSV: counted once, streaming, when first asked)."""
        if self.n_rows is not None:
            return self.n_rows
        n = sum(_parquet_rows(p) if p.suffix.lower() in PARQUET else _csv_rows(self, p) for p in self.paths)
        object.__setattr__(self, "n_rows", n)  # a cached count of immutable files, not new state
        return n

    def chunks(self, names: Sequence[str] | None = None) -> Iterator[dict[str, np.ndarray]]:
        for part in self.parts():
            yield from self.part_chunks(part, names)

    def parts(self) -> list[Part]:
        """The row groups of the Parquet files and the CSV files, each readable on its own."""
        out = []
        for path in self.paths:
            if path.suffix.lower() not in PARQUET:
                out.append(Part(path, None, 0))
                continue
            meta, offset = _parquet_file(path).metadata, 0
            for g in range(meta.num_row_groups):
                out.append(Part(path, g, offset))
                offset += meta.row_group(g).num_rows
        return out

    def part_chunks(self, part: Part, names: Sequence[str] | None = None) -> Iterator[dict[str, np.ndarray]]:
        """The chunks of one part, checked, in file order."""
        names = self._wanted(names)
        if part.row_group is None:
            yield from _csv_chunks(self, part.path, names)
        else:
            yield from _parquet_chunks(part, names, self.chunk_size)

    def read_part(self, part: Part, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """One whole part as checked float64 columns (on a Dask worker: the path must be readable there)."""
        return concat(self.part_chunks(part, names), self._wanted(names))

    def _wanted(self, names: Sequence[str] | None) -> tuple[str, ...]:
        names = tuple(self.names if names is None else names)
        missing = [k for k in names if k not in self.names]
        if missing:
            raise DataError(f"missing data column(s) {listing(missing)} in {self.paths[0]} "
                            f"(columns: {listing(self.names)})")
        return names


# ---------------------------------------------------------------------------------------------- Parquet

def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (the submodule is what reads the files)
    except ImportError as exc:
        raise BackendUnavailableError("reading Parquet files needs pyarrow", hint="pip install 'symgd[dask]'") from exc
    return pyarrow


def _parquet_file(path: Path) -> Any:
    pa = _pyarrow()
    check_file(path)
    try:
        return pa.parquet.ParquetFile(path)
    except (OSError, ValueError, pa.ArrowException) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(f"cannot read Parquet file {path}: {cut(exc, 160)}") from exc


def _parquet_rows(path: Path) -> int:
    return _parquet_file(path).metadata.num_rows


def _arrow_values(column: Any, name: str, path: Path) -> Any:
    """A float64 NumPy array when the column is numeric (nulls -> NaN, caught by the check), a list of
    Python values for text (checked cell by cell), else a ``DataError`` naming the column and its type."""
    pa = _pyarrow()
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        column = column.cast(pa.float64()) if not pa.types.is_floating(kind) else column
        return column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return column.to_pylist()
    raise DataError(f"{path}: column {shown(name)} has the Parquet type {shown(str(kind), 60)}, not numbers")


def _parquet_chunks(part: Part, names: Sequence[str], chunk_size: int) -> Iterator[dict[str, np.ndarray]]:
    pa = _pyarrow()
    offset, batches = part.offset, _parquet_file(part.path).iter_batches(
        batch_size=chunk_size, row_groups=[part.row_group], columns=list(names))
    while True:
        try:
            batch = next(batches, None)
        except (OSError, ValueError, pa.ArrowException) as exc:  # a corrupt page: bad compression, bad encoding
            raise DataError(f"cannot read Parquet file {part.path} (row group {part.row_group}, after row "
                            f"{offset}): {cut(exc)}") from exc
        if batch is None:
            return
        yield check_chunk({k: _arrow_values(batch.column(k), k, part.path) for k in names}, str(part.path), offset)
        offset += batch.num_rows


def concat(chunks: Iterator[dict[str, np.ndarray]], names: Sequence[str]) -> dict[str, np.ndarray]:
    """The chunks joined into one dict of columns (empty columns when there are none)."""
    pieces = list(chunks)
    return {k: np.concatenate([p[k] for p in pieces]) if pieces else np.empty(0) for k in names}


# ---------------------------------------------------------------------------------------------- CSV

def _csv_format(path: Path) -> tuple[str, list[str]]:
    """The delimiter (``,`` or whitespace) and the first data-or-header line's fields."""
    for line_no, line in text_lines(path):
        if line.strip() and not line.lstrip().startswith("#"):
            sep = "," if "," in line else ("\t" if "\t" in line else r"\s+")
            return sep, [c.strip() for c in (csv_fields(line, path, line_no) if sep == "," else line.split())]
    raise DataError(f"{path}: no data rows")


def _csv_reader(source: FileSource, path: Path, chunk_size: int, handle: Any) -> Any:
    try:
        import pandas as pd
    except ImportError as exc:
        raise BackendUnavailableError("streaming CSV files needs pandas", hint="pip install 'symgd[dask]'") from exc
    sep, first = _csv_format(path)
    names = [c.strip() for c in first] if source.header else list(source.names)
    # Our own header names (stripped, checked) replace pandas' reading of the header line; the columns'
    # types are inferred so a True/False or 1_000 cell leaves an object column that the check refuses.
    return pd.read_csv(handle, sep=sep, comment="#", skip_blank_lines=True, chunksize=chunk_size,
                       header=0 if source.header else None, names=names, index_col=False, encoding="utf-8-sig")


class _Misread(Exception):
    """pandas' warning that it would drop fields (a row wider than the header), raised instead."""


def _frames(reader: Any) -> Iterator[Any]:
    """The reader's frames; a ParserWarning (fields pandas would silently drop) raises ``_Misread``."""
    from pandas.errors import ParserWarning
    frames = iter(reader)
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ParserWarning)
            try:
                frame = next(frames, None)
            except ParserWarning as exc:
                raise _Misread(str(exc)) from exc
        if frame is None:
            return
        yield frame


def _csv_chunks(source: FileSource, path: Path, names: Sequence[str]) -> Iterator[dict[str, np.ndarray]]:
    offset = 0
    try:
        with open_bounded(path) as handle, _csv_reader(source, path, source.chunk_size, handle) as reader:
            for frame in _frames(reader):
                try:
                    yield check_chunk({k: frame[k].to_numpy() for k in names}, str(path), offset)
                except DataError as exc:
                    raise (_locate(source, path) or exc) from None
                offset += len(frame)
    except (ValueError, OSError, _Misread) as exc:  # pandas' ParserError, UnicodeDecodeError: ValueErrors
        if isinstance(exc, DataError):
            raise
        raise (_locate(source, path) or DataError(f"cannot read CSV file {path}: {cut(exc, 160)}")) from exc


def _csv_rows(source: FileSource, path: Path) -> int:
    return sum(len(chunk[source.names[0]]) for chunk in _csv_chunks(source, path, source.names[:1]))


def _locate(source: FileSource, path: Path) -> DataError | None:
    """The first bad line of a CSV file, found by re-reading it line by line (only on the error path)."""
    sep, first = _csv_format(path)
    names = first if source.header else list(source.names)
    width, row, header_left = len(names), 0, source.header
    for line_no, line in text_lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if header_left:
            header_left = False
            continue
        row += 1
        cells = csv_fields(line, path, line_no) if sep == "," else line.split(None if sep == r"\s+" else sep)
        where = f"{path}: row {row} (line {line_no})"
        if len(cells) != width:
            return DataError(f"{where}: {len(cells)} fields, expected {width} ({listing(names)})")
        for name, cell in zip(names, cells):
            if not is_number(cell) or not np.isfinite(float(cell)):
                return DataError(f"{where}: column {shown(name)} is not a finite number: {shown(cell.strip())}")
    return None


# ---------------------------------------------------------------------------------------------- opening

def _names(path: Path, columns: Sequence[str] | None) -> tuple[str, ...]:
    if path.suffix.lower() in PARQUET:
        if columns is not None:
            raise DataError(f"{path}: a Parquet file names its own columns; columns= (--columns) is for CSV "
                            "files without a header")
        return check_names(_parquet_file(path).schema_arrow.names, str(path))
    return check_names(columns if columns is not None else _csv_format(path)[1], str(path))


def open_files(spec: str | Path, *, columns: Sequence[str] | None = None,
               chunk_size: int | None = None) -> FileSource:
    """A ``FileSource`` for a file, a folder or a glob of CSV / Parquet files with the same columns."""
    paths = data_files(spec)
    names = _names(paths[0], columns)
    for path in paths[1:]:
        other = _names(path, columns)
        if not set(names) <= set(other):
            raise DataError(f"{path} lacks column(s) {listing(sorted(set(names) - set(other)))} "
                            f"that {paths[0]} has")
    if chunk_size is not None and chunk_size < 1:
        raise DataError(f"chunk_size must be at least 1, got {chunk_size}")
    rows = sum(map(_parquet_rows, paths)) if all(p.suffix.lower() in PARQUET for p in paths) else None
    if rows == 0:
        raise DataError(f"{paths[0] if len(paths) == 1 else spec}: no data rows")
    return FileSource(tuple(paths), names, chunk_size or DEFAULT_CHUNK, columns is None, rows)


def open_source(data: Any, *, columns: Sequence[str] | None = None,
                chunk_size: int | None = None) -> FileSource | DaskSource | None:
    """A streaming source for ``data``, or None for data the in-memory path reads (dicts, small CSVs, formulas).

    Streamed: Parquet files, folders and globs, a CSV larger than ``LARGE_CSV_BYTES`` or any CSV when
    ``chunk_size`` is given, Dask DataFrames and arrays.
    """
    from symgd.fit.dask_source import dask_source  # dask is imported only when data is a Dask collection
    streamed = dask_source(data, columns, chunk_size or DEFAULT_CHUNK)
    if streamed is not None:
        return streamed
    if not isinstance(data, (str, Path)) or (isinstance(data, str) and is_formula(data)):
        return None
    paths = data_files(data)
    if len(paths) == 1 and paths[0].suffix.lower() not in PARQUET and chunk_size is None \
            and str(data) == str(paths[0]) and paths[0].stat().st_size <= LARGE_CSV_BYTES:
        return None
    return open_files(data, columns=columns, chunk_size=chunk_size)
