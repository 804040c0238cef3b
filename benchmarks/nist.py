"""The NIST StRD nonlinear regression problems (certified answers) and the log relative error.

Reads the folder described in its README (``problems.json`` plus the ``.dat`` files); the data stay
there. Used by the accuracy test and the benchmark that compares symgd's LM with scipy's.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symgd.errors import DataError


@dataclass(frozen=True)
class NistProblem:
    """One problem: model string (b1..bN), target formula, data columns, two starts, certified values."""

    name: str
    difficulty: str
    model: str
    target: str
    data: dict[str, np.ndarray]
    params: tuple[str, ...]
    starts: tuple[tuple[float, ...], tuple[float, ...]]
    certified: tuple[float, ...]
    certified_std: tuple[float, ...]
    rss: float


def _rows(path: Path, first: int, last: int, ncols: int) -> np.ndarray:
    lines = path.read_text().splitlines()[first - 1:last]
    values = np.array([[float(v) for v in line.split()] for line in lines])
    if values.shape != (last - first + 1, ncols):
        raise DataError(f"{path}: expected {last - first + 1} rows of {ncols} numbers, got {values.shape}")
    return values


def load_problems(folder: str | Path) -> list[NistProblem]:
    """Every problem in ``folder/problems.json``, in NIST's order of difficulty."""
    folder = Path(folder)
    index = json.loads((folder / "problems.json").read_text())
    out = []
    for rec in index["problems"]:
        cols = rec["data_columns"]
        values = _rows(folder / rec["file"], *rec["data_lines"], len(cols))
        out.append(NistProblem(
            name=rec["name"], difficulty=rec["difficulty"], model=rec["model"], target=rec["response"],
            data={c: values[:, j] for j, c in enumerate(cols)}, params=tuple(rec["params"]),
            starts=(tuple(rec["start1"]), tuple(rec["start2"])), certified=tuple(rec["certified"]),
            certified_std=tuple(rec["certified_std"]), rss=float(rec["residual_sum_of_squares"])))
    return out


def lre(estimate: float, certified: float, digits: float = 11.0) -> float:
    """Log relative error -log10(|est - cert| / |cert|), capped at ``digits`` (NIST quotes 11 digits); 0 if worse than 100%."""
    if not math.isfinite(estimate):
        return 0.0
    err = abs(estimate - certified) / abs(certified)
    if err == 0:
        return digits
    return float(min(max(-math.log10(err), 0.0), digits))


def min_lre(estimates: Sequence[float], certified: Sequence[float]) -> float:
    """The worst parameter's LRE: the number of significant digits every parameter has."""
    return min(lre(e, c) for e, c in zip(estimates, certified))
