"""The few array operations the optimizers need, on NumPy arrays and torch tensors alike.

The descent loop and the optimizers run on ``(starts, n)`` arrays of either library; the handful of
calls whose spelling differs between NumPy and torch are written once here (torch stays optional and
is only touched when the caller already holds a tensor).
"""
from __future__ import annotations

from typing import Any

import numpy as np


def is_torch(a: Any) -> bool:
    """True for a torch tensor (without importing torch)."""
    return type(a).__module__.startswith("torch")


def _torch() -> Any:
    import torch
    return torch


def full_like(value: Any, like: Any) -> Any:
    """``value`` (a number or an array that broadcasts) as an array of ``like``'s shape (fresh unless
    ``value`` already is one of that shape and library)."""
    if type(value) is type(like) and value.shape == like.shape:
        return value
    if is_torch(like):
        torch = _torch()
        out = torch.as_tensor(value, dtype=like.dtype, device=like.device)
        return torch.broadcast_to(out, like.shape).clone()
    return np.array(np.broadcast_to(np.asarray(value, dtype=like.dtype), like.shape))


def frozen(a: Any) -> Any:
    """``a`` made read-only where the library allows it (NumPy), so state cannot be changed in place."""
    if isinstance(a, np.ndarray):
        a.flags.writeable = False
    return a


def step_number(t: int, like: Any) -> Any:
    """The step counter as the rule functions want it: a 0-d tensor for torch, a float for NumPy."""
    if is_torch(like):
        return _torch().tensor(float(t), dtype=like.dtype, device=like.device)
    return float(t)


def where(mask: Any, a: Any, b: Any) -> Any:
    """Rows of ``a`` where ``mask`` (shape ``(starts,)``) holds, else rows of ``b``."""
    if is_torch(a):
        m = mask.reshape(mask.shape + (1,) * (a.dim() - 1))
        return _torch().where(m, a, b)
    m = mask.reshape(mask.shape + (1,) * (np.ndim(a) - 1))
    return np.where(m, a, b)


def falses(like: Any) -> Any:
    """A boolean array of ``like``'s shape, all False."""
    if is_torch(like):
        return _torch().zeros(like.shape, dtype=_torch().bool, device=like.device)
    return np.zeros(np.shape(like), dtype=bool)


def minimum(a: Any, bound: float) -> Any:
    """Elementwise min(a, bound)."""
    return a.clamp(max=bound) if is_torch(a) else np.minimum(a, bound)


def isfinite(a: Any) -> Any:
    return _torch().isfinite(a) if is_torch(a) else np.isfinite(a)


def row_norms(a: Any) -> Any:
    """Euclidean norm of each row of a ``(starts, n)`` array."""
    if is_torch(a):
        return _torch().linalg.vector_norm(a, dim=-1)
    return np.sqrt(np.einsum("ij,ij->i", a, a))


def row_dots(a: Any, b: Any) -> Any:
    return (a * b).sum(-1) if is_torch(a) else np.einsum("ij,ij->i", a, b)


def to_numpy(a: Any) -> np.ndarray:
    """A NumPy copy of ``a`` (torch tensors are detached and moved to the host)."""
    if is_torch(a):
        return a.detach().cpu().numpy().copy()
    return np.array(a, dtype=float)


def like(values: Any, ref: Any) -> Any:
    """``values`` (NumPy) as an array of ``ref``'s library, dtype and device."""
    if is_torch(ref):
        return _torch().as_tensor(np.asarray(values), dtype=ref.dtype, device=ref.device)
    return np.asarray(values, dtype=ref.dtype)


def mask_like(mask: np.ndarray, ref: Any) -> Any:
    """A NumPy boolean mask as ``ref``'s library wants it (a bool tensor on ``ref``'s device)."""
    if is_torch(ref):
        torch = _torch()
        return torch.as_tensor(mask, dtype=torch.bool, device=ref.device)
    return mask


def stack_columns(columns: Any, rows: int, ref: Any) -> Any:
    """Columns (numbers or ``(rows,)`` arrays) as one ``(rows, len(columns))`` array."""
    if all(type(c) is type(ref) and c.shape == (rows,) for c in columns):
        return _torch().stack(list(columns), dim=1) if is_torch(ref) else np.stack(columns, axis=1)
    if is_torch(ref):
        torch = _torch()
        cols = [torch.broadcast_to(torch.as_tensor(c, dtype=ref.dtype, device=ref.device), (rows,))
                for c in columns]
        return torch.stack(cols, dim=1)
    return np.stack([np.broadcast_to(np.asarray(c, dtype=ref.dtype), (rows,)) for c in columns], axis=1)
