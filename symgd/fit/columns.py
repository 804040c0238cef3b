"""Column names and cell values, read strictly: the checks every data path shares.

Column names come from files and dicts, so they are untrusted text: they must be distinct, non-empty,
printable and of sensible length (an odd name such as ``y z`` is still a column, usable as the target).
A cell is a number only in the plain decimal syntax ``[+-]digits[.digits][e[+-]digits]`` (and ``nan`` /
``inf``, which the finiteness check then refuses): Python's extensions (``1_000``, Unicode digits) and
pandas' ``True``/``False`` are not numbers. Names and cells are quoted in messages cut to a short length,
so one hostile cell cannot make a 100 KB error line.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from symgd.errors import DataError

#: The longest column name accepted (characters).
MAX_NAME_CHARS = 256
#: Names the expression parser reads as constants: a column so named could never be used in a model.
CONSTANT_NAMES = {"e": "Euler's number e", "E": "Euler's number e", "pi": "pi", "π": "pi", "Π": "pi"}

#: A number in the plain decimal syntax (and nan / inf, which the finiteness check refuses), spaces around.
NUMBER = re.compile(r"\s*[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)\s*",
                     re.IGNORECASE | re.ASCII)
_SHOWN = 40


def shown(value: Any, limit: int = _SHOWN) -> str:
    """``repr(value)`` cut to about ``limit`` characters (for messages about untrusted text)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def cut(text: str, limit: int = 120) -> str:
    """A library's message as one line of at most ``limit`` characters (for quoting it in ours)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def listing(names: Iterable[Any], limit: int = 8) -> str:
    """``a, b, c, … (12 in all)``: names for a message, at most ``limit`` of them, each cut short."""
    names = list(names)
    parts = [n if isinstance(n, str) and len(n) <= _SHOWN and n.isprintable() else shown(n)
             for n in names[:limit]]
    more = f", … ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(parts) + more


def check_names(names: Sequence[Any], where: str) -> tuple[str, ...]:
    """``names`` as strings, refused when one is empty, too long, holds a control character, or repeats.

    ``where`` names the data (a file, "the data") in the message.
    """
    out = tuple(str(n) for n in names)
    if not out:
        raise DataError(f"{where}: no columns")
    first: dict[str, int] = {}
    for k, name in enumerate(out, 1):
        if not name.strip():
            raise DataError(f"{where}: column {k} has an empty name", hint="give every column a name")
        if len(name) > MAX_NAME_CHARS:
            raise DataError(f"{where}: the name of column {k} is {len(name)} characters long "
                            f"(at most {MAX_NAME_CHARS}): {shown(name)}")
        bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Cs")), None)
        if bad is not None:
            raise DataError(f"{where}: the name of column {k} holds the control character "
                            f"U+{ord(bad):04X}: {shown(name)}")
        if name in first:
            raise DataError(f"{where}: column names must be distinct, but columns {first[name]} and {k} are both "
                            f"named {shown(name)}",
                            hint="rename one of them")
        first[name] = k
    return out


def is_number(cell: str) -> bool:
    """True for the plain decimal syntax (and nan/inf spelled plainly); False for ``1_000``, ``0x10``, ``١``."""
    return NUMBER.fullmatch(cell) is not None


def _number(value: Any) -> float | None:
    """A cell as a float (None for a missing one), or raise ValueError when it is not a number."""
    if value is None:
        return None
    if isinstance(value, (str, np.str_)):
        if not is_number(value):
            raise ValueError(value)
        return float(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(value)
    return float(value)


def to_float64(values: Any, name: str, where: str, offset: int = 0) -> np.ndarray:
    """One column as a float64 array, each value checked (numbers only, finite); rows named 1-based.

    Numeric arrays convert at once; text and object columns cell by cell, in the strict syntax above.
    """
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError) as exc:  # ragged rows: numpy refuses to make an array of them
        raise DataError(f"{where}: column {shown(name)} is not one number per row") from exc
    if arr.dtype.kind in "fiu":
        out = arr.astype(np.float64, copy=False)
    elif arr.dtype.kind in "OUS":
        out = _cells(arr, name, where, offset)
    else:
        raise DataError(f"{where}: column {shown(name)} holds {_kind(arr.dtype)}, not numbers")
    if out.ndim == 0:
        raise DataError(f"{where}: column {shown(name)} is a single value, not a column of numbers")
    if out.ndim != 1:
        raise DataError(f"{where}: column {shown(name)} is not one-dimensional: it holds more than one number "
                        f"per row (shape {out.shape})")
    bad = np.flatnonzero(~np.isfinite(out))
    if bad.size:
        what = "missing or NaN" if np.isnan(out[bad[0]]) else "infinite"
        raise DataError(f"{where}: row {offset + bad[0] + 1}: column {shown(name)} is {what}")
    return out


def _cells(arr: np.ndarray, name: str, where: str, offset: int) -> np.ndarray:
    out = np.empty(arr.shape[0] if arr.ndim else 0)
    if arr.ndim != 1:
        raise DataError(f"{where}: column {shown(name)} is not one-dimensional (shape {arr.shape})")
    for i, value in enumerate(arr.tolist()):
        try:
            number = _number(value.decode() if isinstance(value, bytes) else value)
        except (ValueError, UnicodeDecodeError):
            raise DataError(f"{where}: row {offset + i + 1}: column {shown(name)} is not a number: "
                            f"{shown(value)}") from None
        out[i] = np.nan if number is None else number
    return out


def _kind(dtype: np.dtype) -> str:
    return {"b": "true/false values", "c": "complex numbers", "M": "dates", "m": "time spans",
            "V": "records"}.get(dtype.kind, f"values of type {dtype}")


def check_constant_names(names: Sequence[str], target: Any, where: str = "the data") -> None:
    """Refuse a column named like a constant of the parser (``e``, ``pi``): a model reads the constant.

    The target column itself may be so named (it is read by name, never parsed).
    """
    for name in names:
        if name in CONSTANT_NAMES and name != target:
            raise DataError(f"{where}: the column {name!r} has the name of the constant {name} "
                            f"({CONSTANT_NAMES[name]}), so a model could not refer to it",
                            hint=f"rename the column (for example to {name}_1) in the file's header "
                                 "or the data's keys")


#: Rows per chunk when files are streamed (``--chunk-size``).
DEFAULT_CHUNK = 1_000_000


def check_chunk(cols: Mapping[str, Any], where: str, offset: int = 0) -> dict[str, np.ndarray]:
    """``cols`` as float64 arrays; the first value that is not a finite number raises ``DataError``.

    ``offset`` is the 0-based row of the chunk's first row in ``where`` (rows are reported 1-based).
    """
    return {name: to_float64(values, name, where, offset) for name, values in cols.items()}
