"""Many starts at once: start points drawn in a box, and the distinct minima the starts reached."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from symgd.errors import VariableError
from symgd.parse import budget

#: The box every variable's starts are drawn from when ``bounds`` does not name it.
DEFAULT_BOX = (-5.0, 5.0)


def sample_starts(names: Sequence[str], n: int, bounds: Mapping[str, tuple[float, float]] | None,
                  seed: int | None) -> np.ndarray:
    """``n`` start points, shape ``(n, len(names))``, uniform in the box (seeded, reproducible)."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise VariableError(f"starts must be a positive number of start points, got {n!r}")
    bounds = dict(bounds or {})
    unknown = sorted(set(bounds) - set(names))
    if unknown:
        raise VariableError(f"bounds name {', '.join(unknown)}, not a variable of the expression "
                            f"(its variables: {', '.join(names)})")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise VariableError(f"seed must be a whole number of at least 0, got {seed!r}")
    budget.check_memory(int(n) * len(names) * budget.FLOAT_BYTES, f"{int(n):,} start points of "
                        f"{len(names):,} variables", hint="use fewer starts")
    box = np.array([bounds.get(name, DEFAULT_BOX) for name in names], dtype=float).reshape(len(names), 2)
    if not (np.isfinite(box).all() and (box[:, 0] < box[:, 1]).all()):
        raise VariableError(f"each bound must be a finite (low, high) with low < high, got {bounds}")
    with np.errstate(over="ignore"):
        wide = [name for name, (low, high) in zip(names, box) if not np.isfinite(high - low)]
    if wide:  # numpy draws low + (high - low)*u, which overflows
        raise VariableError(f"the box of {', '.join(wide)} is wider than float64 can hold (high - low "
                            f"overflows past 1.8e308)", hint="use a narrower box")
    rng = np.random.default_rng(seed)
    return rng.uniform(box[:, 0], box[:, 1], size=(int(n), len(names)))


def cluster_minima(x: np.ndarray, value: np.ndarray, keep: np.ndarray, radius: float) -> list[np.ndarray]:
    """Groups of start indices (among ``keep``) that reached the same point, best value first.

    Two end points are the same minimum when ``|a - b| <= radius * (1 + max(|a|, |b|))``; greedy in
    order of value, so each group is represented by its best member (its first index).
    """
    order = [int(i) for i in np.argsort(value, kind="stable") if keep[i]]
    groups: list[list[int]] = []
    for i in order:
        for group in groups:
            rep = x[group[0]]
            scale = 1.0 + max(np.linalg.norm(rep), np.linalg.norm(x[i]))
            if np.linalg.norm(x[i] - rep) <= radius * scale:
                group.append(i)
                break
        else:
            groups.append([i])
    return [np.array(g) for g in groups]
