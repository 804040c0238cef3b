"""Points, sizes and boxes typed as text (``x=1,y=pi/2``, ``n=1000``, ``x=-5:5``), read with the symgd
parser: the CLI's ``--at``/``--size``/``--box`` and the library's ``graph(at="x=1")`` share them."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping
from typing import Any

import sympy

from symgd.errors import ParseError, VariableError
from symgd.parse import budget


def _number(text: str, where: str) -> float:
    """A number typed by the user, e.g. ``1.5``, ``-2``, ``pi/4``, read with the symgd parser."""
    from symgd.parse import parse
    try:
        value = parse(text)
    except ParseError as exc:
        raise ParseError(f"{where}: {exc.message}", text=exc.text, column=exc.column,
                         context=exc.context, hint=exc.hint) from exc
    if value.free_symbols:
        raise VariableError(f"{where}: {text!r} is not a number")
    number = complex(sympy.N(value))
    if number.imag:
        raise VariableError(f"{where}: {text!r} is not a real number")
    if not math.isfinite(number.real):
        raise VariableError(f"{where}: {text!r} is not a finite number")
    return number.real


def _pairs(text: str, option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise VariableError(f"{option}: expected NAME=VALUE pairs separated by commas, got {item!r}",
                                hint=f"for example {option} x=1,y=0.5")
        pairs.append((name.strip(), value.strip()))
    if not pairs:
        raise VariableError(f"{option}: no NAME=VALUE pairs given")
    twice = [name for name, count in Counter(name for name, _ in pairs).items() if count > 1]
    if twice:
        raise VariableError(f"{option} gives {name_list(twice)} more than once")
    return pairs


def name_list(names: Collection[str], at_most: int = 8) -> str:
    """``"x, y, z"``; a long list shortened to its first ``at_most`` names and the count."""
    names = list(names)
    if len(names) <= at_most:
        return ", ".join(names) or "none"
    return f"{', '.join(names[:at_most])}, ... ({len(names)} in all)"


def check_point_names(point: Mapping[str, Any], names: Collection[str], option: str = "--at", *,
                      complete: bool = True) -> None:
    """Refuse a point that names something the expression does not have (a typo would otherwise be
    ignored), or, when ``complete``, that leaves one of ``names`` without a value."""
    known = set(names)
    unknown = [n for n in point if n not in known]
    if unknown:
        which = "is not a variable" if len(unknown) == 1 else "are not variables"
        raise VariableError(f"{option} names {name_list(unknown)}, which {which} of the expression "
                            f"(variables: {name_list(sorted(known))})")
    missing = [n for n in names if n not in point]
    if complete and missing:
        example = ",".join(f"{n}=1" for n in list(names)[:8])
        raise VariableError(f"{option} gives no value for {name_list(missing)}",
                            hint=f"give every variable, e.g. {option} {example}")


def parse_point(text: str, option: str = "--at") -> dict[str, float]:
    """``"x=1,y=pi/2"`` -> ``{"x": 1.0, "y": 1.5707...}``."""
    return {name: _number(value, f"{option} {name}") for name, value in _pairs(text, option)}


def parse_sizes(text: str, option: str = "--size") -> dict[str, int]:
    """``"n=1000,m=3"`` -> ``{"n": 1000, "m": 3}`` (whole numbers of at least 1)."""
    sizes = {}
    for name, value in _pairs(text, option):
        number = _number(value, f"{option} {name}")
        if number != int(number) or number < 1:
            raise VariableError(f"{option} {name}: a size is a whole number of at least 1, got {value!r}")
        budget.check_memory(number * budget.FLOAT_BYTES, f"{option} {name}={value}", "for one vector")
        sizes[name] = int(number)
    return sizes


def parse_box(text: str, option: str = "--box", open_sides: bool = False) -> dict[str, tuple[float, float]]:
    """``"x=-5:5,y=-5:5"`` -> ``{"x": (-5.0, 5.0), "y": (-5.0, 5.0)}``; with ``open_sides`` a side left
    empty is open (``"y=0:"`` -> ``(0.0, inf)``)."""
    box = {}
    for name, value in _pairs(text, option):
        low, sep, high = value.partition(":")
        if not sep:
            raise VariableError(f"{option} {name}: expected LOW:HIGH, got {value!r}")
        if open_sides and not low.strip() and not high.strip():
            raise VariableError(f"{option} {name}: {value!r} bounds nothing: give LOW:HIGH, LOW: or :HIGH")
        lo = -math.inf if open_sides and not low.strip() else _number(low, f"{option} {name}")
        hi = math.inf if open_sides and not high.strip() else _number(high, f"{option} {name}")
        if not lo < hi:
            raise VariableError(f"{option} {name}: the low end {lo:g} is not below the high end {hi:g}")
        if math.isfinite(lo) and math.isfinite(hi) and not math.isfinite(hi - lo):
            raise VariableError(f"{option} {name}: the range {lo:g}:{hi:g} is too wide (its width overflows)")
        box[name] = (lo, hi)
    return box


def parse_bounds(text: str, option: str = "--box") -> dict[str, tuple[float | None, float | None]]:
    """``"a=0:,b=-1:1,c=:5"`` -> ``{"a": (0.0, None), "b": (-1.0, 1.0), "c": (None, 5.0)}``: box bounds with
    either side optional (an empty side is open), for the bounded fits and descents."""
    box: dict[str, tuple[float | None, float | None]] = {}
    for name, value in _pairs(text, option):
        low, sep, high = value.partition(":")
        if not sep or not (low.strip() or high.strip()):
            raise VariableError(f"{option} {name}: expected LOW:HIGH, LOW: or :HIGH, got {value!r}",
                                hint=f"for example {option} {name}=0: (at least 0)")
        lo = _number(low, f"{option} {name}") if low.strip() else None
        hi = _number(high, f"{option} {name}") if high.strip() else None
        if lo is not None and hi is not None and not lo < hi:
            raise VariableError(f"{option} {name}: the low end {lo:g} is not below the high end {hi:g}")
        box[name] = (lo, hi)
    return box
