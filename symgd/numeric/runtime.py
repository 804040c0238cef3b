"""Turning generated source into functions: namespaces per backend, broadcasting helpers, numba, auto.

Only code that symgd generated from sympy expressions is executed here (never user text).
"""
from __future__ import annotations

import functools
import importlib
import itertools
import linecache
import math
from typing import Any, Callable

import numpy as np

from symgd.errors import BackendUnavailableError, CompileError

#: Names the generated code uses for itself; a variable with one of these names is renamed.
RESERVED = {"math", "numpy", "torch", "scipy", "functools", "_np", "_bc", "_common", "_as_tensor",
            "_ref", "_shape", "_torch", "_inf", "_isfinite"}

_counter = itertools.count(1)


def _np_bc(g: Any, ref: Any) -> Any:
    shape = np.shape(ref)
    if np.shape(g) == shape:
        return g
    return np.full(shape, g, dtype=np.result_type(g, np.float64))


def _np_common(*args: Any) -> Any:
    return np.empty(np.broadcast_shapes(*(np.shape(a) for a in args)))


def _require(module: str, what: str, extra: str):
    """``module`` imported, or a BackendUnavailableError naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailableError(f"the {module} backend needs {what}",
                                      hint=f"pip install 'symgd[{extra}]'") from exc


def require_torch():
    """The torch module, or a BackendUnavailableError saying how to install it."""
    return _require("torch", "PyTorch", "torch")


def require_numba():
    """The numba module, or a BackendUnavailableError saying how to install it."""
    return _require("numba", "numba", "fast")


def _torch_namespace(device: Any, dtype: Any) -> dict[str, Any]:
    torch = require_torch()
    dtype = dtype if dtype is not None else torch.float64
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype)
    tensor = torch.Tensor

    def as_tensor(a: Any) -> Any:
        if type(a) is tensor or isinstance(a, tensor):
            return a.detach() if a.requires_grad else a
        return torch.as_tensor(a, dtype=dtype, device=device)

    def bc(g: Any, ref: Any) -> Any:
        if isinstance(g, tensor):
            return g if g.shape == ref.shape else g.expand(ref.shape).clone()
        return torch.full_like(ref, g)

    def common(*args: Any) -> Any:
        return torch.broadcast_tensors(*args)[0]

    return {"torch": torch, "_as_tensor": as_tensor, "_bc": bc, "_common": common}


def printer(backend: str):
    """The code printer of ``backend``."""
    from symgd.numeric.printers import printer_for
    return printer_for(backend)


def load(source: str, backend: str, device: Any = None, dtype: Any = None,
         extra: dict[str, Any] | None = None) -> dict[str, Callable]:
    """Execute generated ``source`` in a fresh namespace for ``backend``; returns its functions."""
    if "__" in source:
        # every name was mangled (no '__' survives ``names.mangle``): a dunder here means a name escaped
        raise CompileError("refusing to run generated code that holds a '__' name (a symgd bug: please "
                           "report it)")
    namespace: dict[str, Any] = {"math": math, "functools": functools, "_inf": math.inf,
                                 "_isfinite": math.isfinite}
    if backend in ("numpy", "auto"):
        namespace.update({"numpy": np, "_np": np, "_bc": _np_bc, "_common": _np_common})
        if "scipy." in source:
            importlib.import_module("scipy.special")
            namespace["scipy"] = importlib.import_module("scipy")
    if backend == "torch":
        namespace.update(_torch_namespace(device, dtype))
    namespace.update(extra or {})
    filename = f"<symgd-{backend}-{next(_counter)}>"
    # registered so tracebacks and inspect show the generated lines
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - code we generated
    return {k: v for k, v in namespace.items()
            if getattr(getattr(v, "__code__", None), "co_filename", "") == filename}


def jit(fns: dict[str, Callable]) -> dict[str, Callable]:
    """numba-compiled versions of generated scalar functions (compiled lazily on first call)."""
    numba = require_numba()
    return {name: numba.njit(cache=False, fastmath=False)(fn) for name, fn in fns.items()}


def is_scalar(args: tuple) -> bool:
    """True when every argument is a Python or NumPy scalar (the python code's domain)."""
    for a in args:
        t = type(a)
        if t is not float and t is not int and not isinstance(a, (np.floating, np.integer)):
            return False
    return True


def is_torch(args: tuple) -> bool:
    return any(type(a).__module__.startswith("torch") for a in args)


class AutoDispatch:
    """Per call: floats to the python code, torch tensors to the torch code, arrays to numpy."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        self._make = make
        self._cache: dict[str, Any] = {}

    def backend(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._make(name)
        return self._cache[name]

    def pick(self, args: tuple) -> Any:
        if is_scalar(args):
            return self.backend("python")
        return self.backend("torch" if is_torch(args) else "numpy")
