"""Every backend name, every ``auto`` choice and every "which loop runs this" decision, in one module.

Callers ask here (``array_library``, ``fused_loop``, ``vector_loop``, ``data_loop``) and only dispatch on
the answer, so a new backend or a changed threshold is one edit.

| where ``auto`` is decided      | it picks                                                              |
| ------------------------------ | --------------------------------------------------------------------- |
| a compiled function, per call  | python for floats, torch for tensors, numpy for arrays                 |
| a fused scalar loop            | numba when ~steps × graph nodes × 60 ns of Python work exceeds 1 s     |
| a vector (indexed-sum) descent | numba from 2,000 steps, else numpy                                     |
| a data descent loop            | numba from steps × samples ≥ 4·10⁸ when no function of a parameter is  |
|                                | taken per sample (numba calls libm's scalar exp per sample: 57 ns      |
|                                | against NumPy's 3.5 ns, benchmarks/bench_numba_data.py), else numpy    |
| an ODE field (``odeint``)      | numba (one-index fields: the whole RK loop compiled), else numpy       |

numba is chosen only where it is installed.
"""
from __future__ import annotations

import importlib.util

import numpy as np

from symgd.errors import CompileError

#: The backends a user may name.
BACKENDS = ("auto", "numpy", "python", "torch", "numba")
#: The backends ``compile`` also takes: jax code composes with jax.jit/vmap/grad (no symgd loop runs it).
COMPILE_BACKENDS = BACKENDS + ("jax",)
#: The backends whose scalar descent loops are generated code (the fused loops).
FUSED_LOOP_BACKENDS = ("python", "numba")
#: Seconds of pure-Python loop work above which numba's compile time repays itself.
NUMBA_REPAYS_S = 1.0
#: Seconds of Python work per graph node and step in a fused loop (measured order of magnitude).
PYTHON_NODE_STEP_S = 60e-9
#: Steps from which a vector descent runs on numba.
NUMBA_VECTOR_STEPS = 2000
#: steps × samples from which a data loop runs on numba.
NUMBA_DATA_WORK = 4e8


def has_numba() -> bool:
    return importlib.util.find_spec("numba") is not None


def for_call(args: tuple) -> str:
    """The backend for one call of an ``auto`` compiled function."""
    if all(type(a) in (float, int) or isinstance(a, (np.floating, np.integer)) for a in args):
        return "python"
    return "torch" if any(type(a).__module__.startswith("torch") for a in args) else "numpy"


def for_fused_loop(nodes: int, steps: int) -> str:
    """The backend of a fused scalar loop of ``nodes`` graph nodes run for ``steps`` steps."""
    work = steps * max(1, nodes) * PYTHON_NODE_STEP_S
    return "numba" if work > NUMBA_REPAYS_S and has_numba() else "python"


def for_vector_loop(steps: int) -> str:
    """The backend of a vector (indexed-sum) descent of ``steps`` steps."""
    return "numba" if steps >= NUMBA_VECTOR_STEPS and has_numba() else "numpy"


def for_data_loop(samples: int, steps: int, functions_of_params: bool) -> str:
    """The backend of a data descent loop (``functions_of_params``: exp, log, ... of a parameter per
    sample, which NumPy's vectorised calls do far faster)."""
    if steps * samples < NUMBA_DATA_WORK or functions_of_params or not has_numba():
        return "numpy"
    return "numba"


def check(backend: str, allowed: tuple[str, ...] = BACKENDS) -> str:
    """``backend`` itself, or a CompileError naming the choices."""
    if backend not in allowed:
        raise CompileError(f"unknown backend {backend!r}; choose one of {', '.join(allowed)}")
    return backend


def array_library(backend: str) -> str:
    """The array library of the array loops (and of lambdified Hessians): torch when asked, else NumPy."""
    return "torch" if check(backend) == "torch" else "numpy"


def fused_loop(backend: str, nodes: int, steps: int) -> str | None:
    """The generated scalar loop's backend, or None where the caller asked for an array loop."""
    if backend == "auto":
        return for_fused_loop(nodes, steps)
    return backend if backend in FUSED_LOOP_BACKENDS else None


def vector_loop(backend: str, steps: int) -> str:
    """The backend of an indexed-sum descent: numpy or numba as asked, else ``for_vector_loop``."""
    return backend if backend in ("numpy", "numba") else for_vector_loop(steps)


def ode_loop(backend: str) -> str:
    """The backend of an ODE field's compiled pairing: numpy or numba as asked; auto: numba where installed."""
    if backend not in ("auto", "numpy", "numba"):
        raise CompileError(f"unknown backend {backend!r} for odeint; choose one of auto, numpy, numba")
    return ("numba" if has_numba() else "numpy") if backend == "auto" else backend


def data_loop(backend: str, *, on_torch: bool, quadratic: bool, numba_pays: bool) -> str:
    """Which data descent runs: "torch", "numba" (per-sample loop), "numpy" (array loop) or "fused"
    (a least-squares loss reduced to its Gram quadratic, run by the generated scalar loop).
    ``on_torch``: the data is bound as tensors; ``quadratic``: the Gram form exists;
    ``numba_pays``: ``for_data_loop`` said numba for this data and step count."""
    if backend == "torch" or on_torch:
        return "torch"
    if not quadratic and (backend == "numba" or (backend == "auto" and numba_pays)):
        return "numba"
    if not quadratic or backend == "numpy":
        return "numpy"
    return "fused"
