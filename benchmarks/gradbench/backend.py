"""Where the tool's arrays live: numpy (or numba loops over numpy arrays), or torch on a device.

``Backend.array`` converts JSON input (outside the timer, like the upstream tools' ``pre``);
``Backend.timed`` wraps a compiled call so that a CUDA result is finished inside the timer (like the
harness's ``jax-blocking``: an asynchronous launch alone is not the computation).
"""
from __future__ import annotations

import functools
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

    def startup(self, default: str) -> Callable[[], bool]:
        """The library start-up (``Eval.startup``) of an eval whose fastest CPU backend is ``default``:
        numba's where the eval compiles to numba, else none."""
        return start_numba if self.pick(default) == "numba" else (lambda: False)

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


def start_numba() -> bool:
    """numba's own start-up, once per process: its import and a first JIT (LLVM's set-up), ~0.6 s here
    whatever is compiled next. The tool reports it as a ``start-up`` timing of its own, apart from each
    eval's ``prepare`` (the upstream tools import torch and JAX before any message). True when it ran
    now, False when it had run before."""
    started = _numba_started.cache_info().currsize == 0
    _numba_started()
    return started


@functools.cache
def _numba_started() -> None:
    from symgd.codegen.runtime import require_numba
    require_numba().njit(lambda v: v + 1.0)(1.0)


def to_float(value: Any) -> float:
    return float(value)


def to_list(value: Any) -> list:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64).tolist()
