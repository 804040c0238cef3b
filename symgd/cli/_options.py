"""Argument helpers shared by the commands: points, boxes, formats, and writing output."""
from __future__ import annotations

import argparse
import json
from typing import Any

import sympy

from symgd.errors import ParseError, VariableError


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
    return pairs


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
        sizes[name] = int(number)
    return sizes


def parse_box(text: str, option: str = "--box") -> dict[str, tuple[float, float]]:
    """``"x=-5:5,y=-5:5"`` -> ``{"x": (-5.0, 5.0), "y": (-5.0, 5.0)}``."""
    box = {}
    for name, value in _pairs(text, option):
        low, sep, high = value.partition(":")
        if not sep:
            raise VariableError(f"{option} {name}: expected LOW:HIGH, got {value!r}")
        lo, hi = _number(low, f"{option} {name}"), _number(high, f"{option} {name}")
        if not lo < hi:
            raise VariableError(f"{option} {name}: the low end {lo:g} is not below the high end {hi:g}")
        box[name] = (lo, hi)
    return box


def add_format_argument(parser: argparse.ArgumentParser, choices: tuple[str, ...],
                        default: str = "text") -> None:
    parser.add_argument("--format", choices=choices, default=default,
                        help=f"output format (default: {default})")


def dump_json(obj: Any) -> str:
    """One JSON object, numbers as JSON numbers, everything else as strings."""
    return json.dumps(obj, indent=2, default=str, allow_nan=True)
