"""Box bounds ``lo <= x <= hi`` for the descent: checking them, projecting onto them, and the projected
gradient (whose norm is the stopping test: at a minimum on the box edge the gradient itself is not 0).

>>> import numpy as np
>>> from symgd.optim.bounds import Box, box_arrays
>>> box = box_arrays(["x", "y"], {"x": (0, None)})
>>> box.project(np.array([[-2.0, 7.0]]))
array([[0., 7.]])
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symgd.errors import VariableError
from symgd.optim import arrays


@dataclass(frozen=True)
class Box:
    """Per-variable bounds in variable order (``-inf``/``inf`` where a side is open)."""

    lo: np.ndarray
    hi: np.ndarray

    def project(self, x: Any) -> Any:
        """``x`` (rows of points, NumPy or torch) clipped into the box."""
        if arrays.is_torch(x):
            import torch
            return torch.clamp(x, torch.as_tensor(self.lo, dtype=x.dtype, device=x.device),
                               torch.as_tensor(self.hi, dtype=x.dtype, device=x.device))
        return np.clip(x, self.lo, self.hi)

    def projected_gradient(self, x: Any, g: Any) -> Any:
        """``g`` with the components that push out of the box at an active bound set to 0."""
        xn, gn = arrays.to_numpy(x), arrays.to_numpy(g)
        blocked = ((xn <= self.lo) & (gn > 0)) | ((xn >= self.hi) & (gn < 0))
        return np.where(blocked, 0.0, gn)

    def outside(self, x: np.ndarray) -> np.ndarray:
        """Rows of ``x`` with a coordinate outside the box."""
        return ((x < self.lo) | (x > self.hi)).any(axis=1)

    def widths(self) -> np.ndarray:
        return self.hi - self.lo


def _side(value: Any, default: float, name: str) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise VariableError(f"the bound of {name} must be numbers or None, got {value!r}")
    if math.isnan(value):
        raise VariableError(f"the bound of {name} is NaN; give a number, or None for an open side")
    return float(value)


def box_arrays(names: Sequence[str], bounds: Mapping[str, Any] | None) -> Box | None:
    """``bounds`` (name -> (lo, hi), either side None or ±inf for open) as a checked Box; None when
    ``bounds`` is empty."""
    if not bounds:
        return None
    if not isinstance(bounds, Mapping):
        raise VariableError(f"bounds must be a dict of name -> (low, high), got {type(bounds).__name__}")
    unknown = sorted(str(k) for k in set(bounds) - set(names))
    if unknown:
        raise VariableError(f"bounds name {', '.join(unknown)}, not a variable of the expression "
                            f"(its variables: {', '.join(names)})")
    lo, hi = np.full(len(names), -np.inf), np.full(len(names), np.inf)
    for i, name in enumerate(names):
        if name not in bounds:
            continue
        pair = bounds[name]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise VariableError(f"the bound of {name} must be a pair (low, high), got {pair!r}")
        lo[i], hi[i] = _side(pair[0], -np.inf, name), _side(pair[1], np.inf, name)
        if not lo[i] < hi[i] or lo[i] == np.inf or hi[i] == -np.inf:
            raise VariableError(f"the bound of {name}: the low end {lo[i]:g} is not below the high end {hi[i]:g}")
    return Box(lo, hi)


def draw_box(box: Box | None, names: Sequence[str], default: tuple[float, float]) -> dict[str, tuple[float, float]]:
    """The finite box multi-start points are drawn from: the bounds where finite, else ``default``
    (moved to start at a finite side, for a one-sided bound)."""
    width = default[1] - default[0]
    out = {}
    for i, name in enumerate(names):
        lo, hi = (-np.inf, np.inf) if box is None else (box.lo[i], box.hi[i])
        if np.isfinite(lo) and np.isfinite(hi):
            out[name] = (lo, hi)
        elif np.isfinite(lo):
            out[name] = (lo, max(default[1], lo + width))
        elif np.isfinite(hi):
            out[name] = (min(default[0], hi - width), hi)
        else:
            out[name] = default
    return out
