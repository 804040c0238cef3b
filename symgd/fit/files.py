"""Data files opened only when they are what they claim to be, and read in bounded pieces.

A data file must be a regular file (a named pipe would block forever, ``/dev/zero`` never ends, a loop of
symbolic links never resolves) no larger than ``MAX_FILE_BYTES``. Text is read as UTF-8 (a leading BOM
is dropped) in lines of at most ``MAX_LINE_BYTES``, so a file of one endless line is refused after
reading one megabyte, never loaded whole. ``--data`` text is a path when such a path exists or a glob
matches, a formula when it holds ``=`` otherwise, and an error when it is empty.
"""
from __future__ import annotations

import csv
import errno
import glob as globmod
import io
import os
import stat
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import BinaryIO

from symgd.errors import DataError
from symgd.fit.columns import shown

PARQUET = (".parquet", ".pq")
CSV = (".csv", ".tsv", ".txt", ".dat")
#: A CSV file larger than this is streamed (pandas, chunk by chunk), never read whole (bytes).
LARGE_CSV_BYTES = 256 * 2 ** 20
#: The largest data file read (bytes); larger files are refused before they are opened.
MAX_FILE_BYTES = 256 * 2 ** 30
#: The longest line of a CSV file (bytes, with its newline); a longer one is refused with its line number.
MAX_LINE_BYTES = 2 ** 20
_GLOB = "*?["
_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def check_file(path: str | Path) -> Path:
    """``path`` if it is a regular file (symbolic links followed) of at most ``MAX_FILE_BYTES``."""
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataError(f"cannot read data file {path}: a loop of symbolic links") from exc
        if exc.errno == errno.ENOENT:
            raise DataError(f"cannot read data file {path}: no such file or folder") from exc
        raise DataError(f"cannot read data file {path}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{path} is a folder, not a data file")
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise DataError(f"{path} is {kind}, not a regular data file", hint="copy the data into a file first")
    if info.st_size > MAX_FILE_BYTES:
        raise DataError(f"{path} is {info.st_size / 2 ** 30:.1f} GiB, over the limit of "
                        f"{MAX_FILE_BYTES / 2 ** 30:.0f} GiB per data file", hint="split it into several files")
    return path


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The 1-based number and text (newline dropped) of each line of a UTF-8 file, each line bounded."""
    check_file(path)
    try:
        with open(path, "rb") as fh:
            for line_no in count(1):
                raw = fh.readline(MAX_LINE_BYTES + 1)
                if not raw:
                    return
                if len(raw) > MAX_LINE_BYTES:
                    raise _too_long(path, line_no)
                text = _decode(raw, path, line_no)
                yield line_no, (text.removeprefix("\ufeff") if line_no == 1 else text).rstrip("\r\n")
    except OSError as exc:
        raise DataError(f"cannot read data file {path}: {exc.strerror or exc}") from exc


def whole_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 file read whole (the caller bounds its size; ``text_lines`` reads in pieces),
    with the same checks: the BOM dropped, undecodable bytes and over-long lines refused by line number."""
    check_file(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read data file {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = raw.rfind(b"\n", 0, exc.start) + 1
        raise _not_utf8(path, raw.count(b"\n", 0, exc.start) + 1, raw[exc.start], exc.start - start) from None
    lines = text.removeprefix("\ufeff").split("\n")
    if lines[-1] == "":
        lines.pop()
    if max(map(len, lines), default=0) >= MAX_LINE_BYTES // 4:  # a line's bytes are at most 4 per character
        for line_no, line in enumerate(lines, 1):
            if len(line.encode()) + (line_no < len(lines) or raw.endswith(b"\n")) > MAX_LINE_BYTES:
                raise _too_long(path, line_no)
    return [line.removesuffix("\r") for line in lines] if "\r" in text else lines


def csv_fields(line: str, path: Path, line_no: int) -> list[str]:
    """The comma-separated fields of one line (the csv module's quoting), or a ``DataError`` naming it."""
    try:
        return next(csv.reader([line]))
    except csv.Error as exc:  # a field over csv.field_size_limit() (128 KiB), a NUL byte
        raise DataError(f"{path}, line {line_no}: {exc}") from None


def _decode(raw: bytes, path: Path, line_no: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, line_no, raw[exc.start], exc.start) from None


def _not_utf8(path: Path, line_no: int, byte: int, at: int) -> DataError:
    return DataError(f"{path}, line {line_no}: not UTF-8 text (byte 0x{byte:02x} at byte {at + 1} of the line)",
                     hint="save the file as UTF-8 text")


def _too_long(path: Path, line_no: int) -> DataError:
    return DataError(f"{path}, line {line_no}: a line longer than {MAX_LINE_BYTES // 1024} KiB",
                     hint="is this a CSV file?")


class _LineBound(io.RawIOBase):
    """A binary file for pandas that raises ``DataError`` at a line longer than ``MAX_LINE_BYTES`` or a
    ``#`` after data on its line (pandas would drop the rest of the line; a comment takes a whole line).

    Each read returns at most ``MAX_LINE_BYTES``, so a line can only run past the limit across reads:
    the length of the line read so far and what it is (blank, comment, data) are all the state needed.
    """

    def __init__(self, raw: BinaryIO, path: Path) -> None:
        self._raw, self._path, self._run, self._lines, self._state = raw, path, 0, 1, "blank"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer)[:MAX_LINE_BYTES]
        n = self._raw.readinto(view)
        if n:
            data = bytes(view[:n])
            first, last = data.find(b"\n"), data.rfind(b"\n")
            if self._run + (n if first < 0 else first) > MAX_LINE_BYTES:
                raise _too_long(self._path, self._lines)
            at = data.find(b"#")
            while at >= 0:
                start = data.rfind(b"\n", 0, at)
                if _line_state(data[start + 1:at], "blank" if start >= 0 else self._state) == "data":
                    raise comment_after_data(self._path, self._lines + data.count(b"\n", 0, at))
                at = data.find(b"#", at + 1)
            self._state = _line_state(data, self._state) if last < 0 else _line_state(data[last + 1:], "blank")
            self._run = self._run + n if first < 0 else n - last - 1
            self._lines += data.count(b"\n")
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _line_state(text: bytes, before: str) -> str:
    """What a line is after ``text`` follows a start that was ``before``: blank, a comment, or data."""
    if before != "blank":
        return before
    text = text.lstrip().removeprefix(b"\xef\xbb\xbf").lstrip()  # a BOM before a first-line comment
    return "blank" if not text else "comment" if text.startswith(b"#") else "data"


def comment_after_data(path: Path, line_no: int) -> DataError:
    return DataError(f"{path}, line {line_no}: a '#' after data (a comment must take a whole line)",
                     hint="remove the '#' and what follows it on that line")


def open_bounded(path: Path) -> BinaryIO:
    """``path`` opened for binary reading, refusing a line longer than ``MAX_LINE_BYTES`` as it is read."""
    check_file(path)
    try:
        raw = open(path, "rb", buffering=0)
    except OSError as exc:
        raise DataError(f"cannot read data file {path}: {exc.strerror or exc}") from exc
    return io.BufferedReader(_LineBound(raw, path), buffer_size=MAX_LINE_BYTES)


# ---------------------------------------------------------------------------------------------- --data text

def is_formula(data: str) -> bool:
    """True when ``data`` is a data formula: no such path exists, no glob matches, and it holds ``=``.

    A path that exists wins (``year=2020/p.parquet`` is a file); empty text is an error.
    """
    if not data.strip():
        raise DataError("the data is empty: give a CSV or Parquet file, a folder, a glob or a formula",
                        hint='for example --data data.csv or --data "x=linspace(0,1,50); y=x^2"')
    if os.path.lexists(data) or (any(c in data for c in _GLOB) and globmod.glob(data, recursive=True)):
        return False
    return "=" in data


def looks_like_path(text: str) -> bool:
    """True for text that reads as a path (a data suffix, or a '/' without the ';' and '(' of a formula)."""
    return text.rstrip().lower().endswith(PARQUET + CSV) or (os.sep in text and not any(c in text for c in ";("))


def data_files(spec: str | Path) -> list[Path]:
    """The regular data files a path, a folder or a glob names; an error when it names none."""
    text = str(spec)
    if any(ch in text for ch in _GLOB) and not os.path.lexists(text):
        found = sorted(globmod.glob(text, recursive=True))
        if not found:
            raise DataError(f"no data files match {shown(text, 200)}")
        return [check_file(p) for p in found]
    path = Path(text)
    if path.is_dir():
        try:
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in PARQUET + CSV)
        except OSError as exc:
            raise DataError(f"cannot read data folder {path}: {exc.strerror or exc}") from exc
        if not found:
            raise DataError(f"folder {path} holds no .parquet or .csv files")
        return [check_file(p) for p in found]
    return [check_file(path)]
