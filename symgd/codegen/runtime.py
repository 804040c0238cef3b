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

from symgd.codegen import backends, names
from symgd.errors import BackendUnavailableError, CompileError

#: Names the generated code uses for itself; a variable with one of these names is renamed.
RESERVED = set(names.RESERVED) | {"_np", "_bc", "_common", "_as_tensor", "_ref", "_shape", "_torch", "_inf",
                                  "_isfinite", "_as_array", "jax", "_BoundsError"}

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


def require_jax():
    """The jax module, or a BackendUnavailableError saying how to install it."""
    return _require("jax", "JAX", "jax")


def require_numba():
    """The numba module, or a BackendUnavailableError saying how to install it."""
    return _require("numba", "numba", "fast")


def torch_device(device: Any) -> Any:
    """``device`` as a ``torch.device`` that can compute here (None stays None: torch's default), or a
    BackendUnavailableError saying why not: not a device name, ``meta`` (holds no numbers), no CUDA, no
    such CUDA device."""
    if device is None:
        return None
    torch = require_torch()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise BackendUnavailableError(f"device {device!r} is not a torch device",
                                      hint="use cpu, cuda or cuda:N (with --backend torch)") from exc
    if dev.type == "meta":
        raise BackendUnavailableError(f"device {device!r} holds no numbers (torch's meta device only tracks "
                                      "shapes): use cpu or cuda")
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise BackendUnavailableError(f"device {device!r}: CUDA is not available here (torch "
                                          f"{torch.__version__} sees no GPU)")
        if dev.index is not None and dev.index >= count:
            raise BackendUnavailableError(f"device {device!r}: there is no such GPU here; the CUDA devices "
                                          f"are cuda:0 to cuda:{count - 1}")
    elif dev.type != "cpu":
        try:
            torch.empty(1, device=dev)
        except (RuntimeError, AssertionError) as exc:  # torch asserts when built without the device
            reason = str(exc).strip().split("\n")[0][:120]
            raise BackendUnavailableError(f"device {device!r} is not available here ({reason})") from exc
    return dev


def torch_dtype(dtype: Any) -> Any:
    """``dtype`` (a torch dtype or its name, default float64) when it is a real floating type, else a
    CompileError: the generated code computes in real floating point."""
    torch = require_torch()
    if dtype is None:
        return torch.float64
    value = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        raise CompileError(f"dtype {dtype!r} is not a real floating-point torch dtype; use float64, "
                           "float32, float16 or bfloat16")
    return value


def _torch_namespace(device: Any, dtype: Any) -> dict[str, Any]:
    torch = require_torch()
    asked_device, asked_dtype = device, dtype
    device, dtype = torch_device(device), torch_dtype(dtype)
    tensor = torch.Tensor

    def as_tensor(a: Any) -> Any:
        # a tensor keeps its autograd history (the generated code is plain torch operations, so
        # .backward() through it works); it moves to the dtype and device the compile asked for, if any
        if type(a) is tensor or isinstance(a, tensor):
            if asked_dtype is not None and a.dtype != dtype or asked_device is not None and a.device != device:
                return a.to(device=device if asked_device is not None else a.device,
                            dtype=dtype if asked_dtype is not None else a.dtype)
            return a
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
    from symgd.codegen.printers import printer_for
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
    try:
        code = compile(source, filename, "exec")
    except (RecursionError, MemoryError) as exc:  # Python's compiler recurses over nested expressions
        raise CompileError(f"the generated code ({len(source):,} characters) is too large for Python to "
                           f"compile ({type(exc).__name__})", hint="a smaller problem, or the indexed form "
                           "sum(..., i, 0, n-1) for many variables of one kind") from exc
    exec(code, namespace)  # noqa: S102 - code we generated
    return {k: v for k, v in namespace.items()
            if getattr(getattr(v, "__code__", None), "co_filename", "") == filename}


#: The longest generated module handed to numba. Its compile time grows faster than the code: a fused
#: gradient-descent loop of 400 lines compiled in 2.4 s here, 780 lines in 5.9 s and 1,540 lines (a
#: product of 200 names) in 21 s, so past this a numba request is refused with a hint, before compiling.
NUMBA_MAX_LINES = 600


def check_numba_size(source: str) -> None:
    """Refuse (CompileError) generated code too long for numba to compile in seconds."""
    lines = source.count("\n") + 1
    if lines > NUMBA_MAX_LINES:
        raise CompileError(f"the numba code would be {lines:,} lines (the limit is {NUMBA_MAX_LINES:,}): numba "
                           "takes tens of seconds or more to compile code that long",
                           hint="use the numpy or python backend for a problem this large")


def jit(fns: dict[str, Callable]) -> dict[str, Callable]:
    """numba-compiled versions of generated scalar functions (compiled lazily on first call)."""
    numba = require_numba()
    for fn in fns.values():
        check_numba_size("".join(linecache.getlines(fn.__code__.co_filename)))
    return {name: numba.njit(cache=False, fastmath=False)(fn) for name, fn in fns.items()}


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
        return self.backend(backends.for_call(args))
