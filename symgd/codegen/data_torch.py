"""Bound data on torch: the generated data program printed with the torch printer, data as tensors.

``to_torch(bound, device, dtype)`` moves a NumPy binding (hoisted features and feature tables already
built) onto a device; ``bind_torch(program, arrays, device, dtype)`` binds columns directly (tensors on
a GPU stay there: the hoisting itself runs in torch). The result is a ``BoundData`` whose methods take
and return tensors: ``sample_values``, ``sample_jacobian``, ``sum_grad``, ``jtj_and_jtr``, ``gram``
(H, b as tensors, c0 a float) and ``subset`` work as on NumPy; ``sum_value_and_grad`` returns the sum
as a 0-d tensor (no host read). torch is imported only here, through ``runtime.require_torch``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symgd.codegen import runtime
from symgd.codegen.data import BoundData, DataProgram
from symgd.codegen.cache import RecordCache

#: torch namespaces per program, uploads and Gram matrices per binding (kept beside the records)
CACHE = RecordCache()


def _helpers(torch, device, dtype) -> dict[str, Any]:
    """Torch twins of ``bound.HELPERS``: sums stay 0-d tensors on the device (never ``float``)."""
    tensor = torch.Tensor

    def nd(v):
        return isinstance(v, tensor) and v.ndim > 0

    def full(v, n):
        if isinstance(v, tensor):
            return v if v.shape == (n,) else v.expand(n).clone()
        return torch.full((n,), float(v), dtype=dtype, device=device)

    def index(ix):
        if ix == list(range(ix[0], ix[-1] + 1)):
            return slice(ix[0], ix[-1] + 1)
        return torch.as_tensor(ix, device=device)

    return {"_index": index, "_red": lambda v, n: v.sum() if nd(v) else v * n,
            "_dotn": lambda c, u, n: c * (u @ u) if nd(u) else c * (u * u) * n,
            "_dot2": lambda u, v, n: u @ v if nd(u) and nd(v) else (u * v).sum() if nd(u) or nd(v) else u * v * n,
            "_full": full,
            "_tdot": lambda table, g: table @ g if nd(g) else g * table.sum(dim=1),
            "_col": lambda g: g[:, None] if nd(g) else g,
            "_zeros": lambda *shape: torch.zeros(shape, dtype=dtype, device=device)}


def resolve(device: Any, dtype: Any):
    """(torch, a torch.device, a torch dtype): cpu and float64 unless given; dtype may be a name."""
    torch = runtime.require_torch()
    device = runtime.torch_device(device if device is not None else "cpu")
    return torch, device, runtime.torch_dtype(dtype)


def torch_namespace(program: DataProgram, device: Any = None, dtype: Any = None) -> dict[str, Any]:
    """``hoist`` and ``make`` of ``program`` printed for torch (cached per program, device and dtype)."""
    torch, device, dtype = resolve(device, dtype)
    return CACHE.get(program, ("namespace", str(device), dtype), lambda: runtime.load(
        program.source_for("torch"), "torch", device, dtype, extra=_helpers(torch, device, dtype)))


@dataclass(frozen=True)
class TorchBoundData(BoundData):
    """A ``DataProgram`` bound to tensors on ``device`` with ``dtype`` (see the module docstring)."""

    device: Any = None
    dtype: Any = None
    _in_place = False  # torch's caching allocator keeps device memory: no page faults to avoid

    def __post_init__(self) -> None:
        make = torch_namespace(self.program, self.device, self.dtype)["make"]
        object.__setattr__(self, "_fns", make(self.n, *self.arrays))

    def theta(self, theta: Sequence[float]) -> Any:
        torch = runtime.require_torch()
        if isinstance(theta, torch.Tensor):
            return theta.to(device=self.device, dtype=self.dtype)
        return torch.as_tensor(np.asarray(theta, dtype=float), dtype=self.dtype, device=self.device)

    def gram(self) -> tuple[Any, Any, float] | None:
        """(H, b, c0) as in ``BoundData.gram``: H and b tensors on the device, c0 a float (read once)."""
        c = self.program.square_scale
        if c is None:
            return None
        def make():
            table, offset = self.arrays[-2], self.arrays[-1].expand(self.n)
            return 2 * c * (table @ table.T), 2 * c * (table @ offset), float(c * (offset @ offset))
        return CACHE.get(self, "gram", make)

    def subset(self, index: Any) -> "TorchBoundData":
        """The same program bound to the samples ``index`` selects, on the same device."""
        torch = runtime.require_torch()
        idx = index if isinstance(index, slice) else torch.as_tensor(np.asarray(index), device=self.device)
        arrays = [a[:, idx].contiguous() if self.program.is_table(k) else a[idx] if a.ndim else a
                  for k, a in enumerate(self.arrays)]
        n = len(np.arange(self.n)[index])
        return TorchBoundData(self.program, tuple(arrays), n, self.device, self.dtype)


def to_torch(bound: BoundData, device: Any = None, dtype: Any = None) -> TorchBoundData:
    """``bound``'s arrays (columns, hoisted features, tables) copied to ``device`` as ``dtype``: once per
    binding, device and dtype (kept with ``bound``, so later loops on it upload nothing)."""
    torch, device, dtype = resolve(device, dtype)
    if isinstance(bound, TorchBoundData):
        if (bound.device, bound.dtype) == (device, dtype):
            return bound
        arrays = tuple(a.to(device=device, dtype=dtype) for a in bound.arrays)
        return TorchBoundData(bound.program, arrays, bound.n, device, dtype)
    def upload():
        arrays = tuple(torch.as_tensor(np.array(a, dtype=float), dtype=dtype, device=device) for a in bound.arrays)
        return TorchBoundData(bound.program, arrays, bound.n, device, dtype)
    return CACHE.get(bound, ("torch", str(device), dtype), upload)


def bind_torch(program: DataProgram, arrays: Mapping[str, Any], device: Any = None,
               dtype: Any = None) -> TorchBoundData:
    """Bind data columns (arrays or tensors, by symbol name) as tensors; hoisting runs in torch."""
    torch, device, dtype = resolve(device, dtype)
    cols = [torch.as_tensor(a, dtype=dtype, device=device) for a in program.column_arrays(arrays)]
    n = int(torch.broadcast_shapes(*(c.shape for c in cols))[0]) if cols and cols[0].ndim else 1
    hoist = torch_namespace(program, device, dtype)["hoist"]
    full = [torch.as_tensor(v, dtype=dtype, device=device).expand(n) for v in hoist(*cols)]
    rest = program.layout(full, lambda vs: torch.stack(vs).contiguous(), lambda v: v.contiguous())
    return TorchBoundData(program, (*cols, *rest), n, device, dtype)
