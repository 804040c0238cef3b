"""Writing the files symgd is asked for: whole or not at all, with the file named when it cannot be.

A file is written to a temporary file in the same folder and then moved over the target, so a failed
write (a full disk, an unknown image format, an interrupt) leaves no partial file behind. A target that
exists and is not a regular file (``/dev/stdout``, a named pipe) is written in place.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from symgd.errors import OutputError


def check_writable(file: str | os.PathLike) -> Path:
    """``file`` as a Path, after checking that it is not a folder and that its folder exists; cheap, so a
    command can call it before a long run."""
    path = Path(file)
    try:
        if str(file) == "":
            raise OutputError("cannot write '': the file name is empty")
        if path.is_dir():
            raise OutputError(f"cannot write {file}: it is a folder; give a file name")
        if not path.parent.exists():
            raise OutputError(f"cannot write {file}: the folder {path.parent} does not exist")
        if not path.parent.is_dir():
            raise OutputError(f"cannot write {file}: {path.parent} is not a folder")
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, a loop of links
        raise OutputError(f"cannot write {file}: {_reason(exc)}") from exc
    return path


@contextmanager
def atomic_path(file: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``file`` to write; when the block succeeds it replaces ``file``,
    when it fails it is removed. An OSError on the way becomes an OutputError naming ``file``."""
    path = check_writable(file)
    if path.exists() and not path.is_file():
        with _named(file):
            yield path
        return
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        with _named(file, f"cannot create a file in {path.parent}: "):
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
        with _named(file):
            yield tmp
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_output(file: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``file`` whole, or raise an OutputError and leave no file."""
    with atomic_path(file) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
    return Path(file)


@contextmanager
def _named(file: str | os.PathLike, context: str = "") -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OutputError(f"cannot write {file}: {context}{_reason(exc)}") from exc


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
