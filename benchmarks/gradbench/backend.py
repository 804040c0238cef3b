"""Where the tool's arrays live: numpy (or numba loops over numpy arrays), or torch on a device.

``Backend.array`` converts JSON input (outside the timer, like the upstream tools' ``pre``);
``Backend.timed`` wraps a compiled call so that a CUDA result is finished inside the timer (like the
harness's ``jax-blocking``: an asynchronous launch alone is not the computation).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Backend:
    """``name``: "auto" (each eval's fastest CPU choice), "numpy", "numba" or "torch"; ``device`` for torch."""

    name: str = "auto"
    device: str = "cpu"

    def pick(self, default: str) -> str:
        """The symgd backend for an eval whose fastest CPU backend is ``default``."""
        return default if self.name == "auto" else self.name

    def array(self, data: Any, backend: str) -> Any:
        x = np.asarray(data, dtype=np.float64)
        if backend != "torch":
            return x
        import torch
        return torch.as_tensor(x, device=self.device)

    def timed(self, fn: Callable[..., Any], backend: str) -> Callable[..., Any]:
        if backend != "torch" or not self.device.startswith("cuda"):
            return fn
        import torch

        def synced(*args: Any) -> Any:
            out = fn(*args)
            torch.cuda.synchronize()
            return out
        return synced


def to_float(value: Any) -> float:
    return float(value)


def to_list(value: Any) -> list:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64).tolist()
