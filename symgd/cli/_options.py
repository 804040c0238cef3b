"""Argument helpers shared by the commands: option types, formats, and writing output (points, sizes and
boxes are read by ``symgd.parse.points``)."""
from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Callable
from typing import Any


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number of at least ``minimum`` (counts 1, seeds 0); ``1e6`` allowed."""
    def convert(text: str) -> int:
        value = None
        if re.fullmatch(r"\s*[+-]?[0-9]{1,30}\s*", text):
            value = int(text)
        elif re.fullmatch(r"\s*[+-]?[0-9.]+[eE][+-]?[0-9]{1,3}\s*", text) and float(text).is_integer():
            value = int(float(text))
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least {minimum}, got {text!r}")
        return value
    convert.__name__ = "whole number"
    return convert


def real_number(minimum: float | None = None, *, above: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite number, at least ``minimum`` (greater than it when ``above``)."""
    bound = "" if minimum is None else f" {'greater than' if above else 'of at least'} {minimum:g}"

    def convert(text: str) -> float:
        try:
            value = float(text.replace("_", "!"))  # no Python digit separators: 1_000 is not a number
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or (minimum is not None and (value <= minimum if above else value < minimum)):
            raise argparse.ArgumentTypeError(f"expected a finite number{bound}, got {text!r}")
        return value
    convert.__name__ = "number"
    return convert


def real_pair(text: str) -> tuple[float, float]:
    """An argparse ``type``: two finite numbers separated by a comma, e.g. ``0.9,0.999``."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected two numbers separated by a comma, got {text!r}")
    number = real_number()
    return number(parts[0]), number(parts[1])


def add_format_argument(parser: argparse.ArgumentParser, choices: tuple[str, ...],
                        default: str = "text") -> None:
    parser.add_argument("--format", choices=choices, default=default,
                        help=f"output format (default: {default})")


def dump_json(obj: Any) -> str:
    """One JSON object, numbers as JSON numbers, everything else as strings."""
    return json.dumps(obj, indent=2, default=str, allow_nan=True)


def add_plain_argument(parser: argparse.ArgumentParser) -> None:
    """``--plain``: expressions in the text output as SymPy writes them (x**2*sin(x)), not as math (x² sin(x))."""
    parser.add_argument("--plain", action="store_true",
                        help="text output: expressions as SymPy/Python syntax (x**2*sin(x)) instead of "
                             "Unicode math (x² sin(x)); JSON always uses SymPy syntax")
