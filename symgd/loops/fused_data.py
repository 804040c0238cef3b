"""Fused full-batch descent on bound data: ``fused_data_minimize(bound, rule, theta0, steps, ...)``.

- A model linear in its parameters with a sum-of-squares loss (``BoundData.gram``): the summed loss is
  the quadratic form ½θᵀHθ + bᵀθ + c0 with H and b computed once per binding, so a step costs a p×p
  matrix-vector product. The quadratic form becomes an expression over θ and runs through the same
  fused scalar loops as every scalar problem (python, or numba for long runs), or as a torch loop.
- Any other data problem: NumPy, the gradient and the rule as out= code into buffers made once
  (``bound_inplace``; no per-step allocation), or ``sum_value_and_grad`` each step where a history row
  is due so often that value and gradient from one pass are cheaper; torch, the data program printed for
  torch (``bound_torch``) on tensors bound once on the device.
All of them run through the one driver ``loops.driver.run_steps``: on torch the loop stays on the device and
reads back to the host only at check points (every ``check_every`` steps, rows, the last step).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from symgd.errors import CompileError
from symgd.codegen import backends
from symgd.codegen.data import BoundData
from symgd.codegen.data_buffered import inplace_functions
from symgd.codegen.data_torch import TorchBoundData, resolve, to_torch
from symgd.loops.fused import fused_minimize
from symgd.codegen.rule import ElementwiseRule
from symgd.loops.driver import run_steps
from symgd.loops.outcome import Outcome
from symgd.loops.vector import rule_stepper


#: The NumPy loop runs the in-place (out=) code unless a history row (the value: one more pass) is due more
#: often than every this many steps; then one pass giving value and gradient together is faster
#: (benchmarks/bench_data_loops.py: in place 1.0-1.2x the value+gradient loop at N = 2,000-200,000 with rows
#: every 10 steps or none, 0.71-0.73x with a row every step).
INPLACE_MIN_RECORD = 4


def quadratic_expr(h: np.ndarray, b: np.ndarray) -> tuple[sympy.Expr, tuple[sympy.Symbol, ...]]:
    """½θᵀHθ + bᵀθ over symbols θ0..θ(p-1), with H's and b's float64 values as exact Floats."""
    p = len(b)
    theta = sympy.symbols(f"theta0:{p}", real=True)
    fl = lambda v: sympy.Float(float(v), 17)  # noqa: E731 - 17 digits round-trip a float64 exactly
    terms = [fl(h[i, i] / 2) * theta[i] ** 2 for i in range(p)]
    terms += [fl(h[i, j]) * theta[i] * theta[j] for i in range(p) for j in range(i + 1, p)]
    terms += [fl(b[i]) * theta[i] for i in range(p)]
    return sympy.Add(*terms), theta


def fused_data_minimize(bound: BoundData, rule: ElementwiseRule, theta0, steps: int, tol: float = 0.0,
                        check_every: int = 10, record_every: int = 0, backend: str = "auto",
                        device: Any = None, dtype: Any = None) -> Outcome:
    """Full-batch descent of Σ_i e_i(θ) on ``bound`` with ``rule``; ``backend``: auto, python, numba,
    numpy or torch (``device``, ``dtype``: float64 unless given; a ``TorchBoundData`` runs on torch on
    its own device). Values in the result and its history are the summed loss."""
    if check_every < 1:
        raise CompileError("check_every must be at least 1")
    loop = dict(steps=steps, tol=tol, check_every=check_every, record_every=record_every)
    on_torch = isinstance(bound, TorchBoundData)
    gram = None if backend == "torch" or on_torch else bound.gram()
    chosen = backends.data_loop(backend, on_torch=on_torch, quadratic=gram is not None,
                                numba_pays=backend == "auto" and gram is None and not on_torch
                                and numba_pays(bound, steps))
    if chosen == "torch":
        return _torch_loop(bound, rule, theta0, device, dtype, loop)
    if chosen == "numba":
        from symgd.loops.data_numba import numba_data_minimize
        return numba_data_minimize(bound, rule, theta0, steps, tol, check_every, record_every)
    if chosen == "numpy":
        return _array_loop(bound, rule, theta0, loop)
    h, b, c0 = gram
    expr, theta = quadratic_expr(h, b)
    from symgd.calculus.graph import build_graph
    graph = build_graph(expr, theta, stable=True)
    r = fused_minimize(graph, rule, theta0, steps, tol, check_every, record_every, backend)
    history = [(k, x, v + c0, gn) for k, x, v, gn in r.history]
    return Outcome(r.x, r.value + c0, r.grad_norm, r.nit, r.status, history)


def numba_pays(bound: BoundData, steps: int) -> bool:
    """Whether auto should run the numba data loop (``codegen.backends.for_data_loop``: a long run, and
    no elementary function of the parameters per sample)."""
    params = set(bound.program.params)
    per_sample = any(f.args and params & f.free_symbols for f in bound.program.expr.atoms(sympy.Function))
    return backends.for_data_loop(bound.n, steps, per_sample) == "numba"


def _result(out: Outcome) -> Outcome:
    as_floats = lambda snap: tuple(float(v) for v in snap)  # noqa: E731
    history = [(k, as_floats(snap), float(v), gn) for k, snap, v, gn in out.history]
    return Outcome(as_floats(out.x), float(out.value), out.grad_norm, out.nit, out.status, history)


def _finite(snap: np.ndarray) -> bool:
    return bool(np.isfinite(snap).all())


def _array_loop(bound, rule, theta0, loop: dict, inplace: bool | None = None) -> Outcome:
    """NumPy: the rule as array code on the summed gradient; ``inplace`` (None: where it measured faster,
    see ``INPLACE_MIN_RECORD``) runs the out= code of ``bound_inplace`` (buffers made once, no per-step
    allocation), else ``sum_value_and_grad`` each step (value and gradient from one pass)."""
    theta = np.array(theta0, dtype=float)
    record = loop["record_every"]
    if inplace if inplace is not None else (record == 0 or record >= INPLACE_MIN_RECORD):
        grad, update = inplace_functions(bound, rule)
        out = run_steps(theta, grad=grad, update=lambda th, g, k: update(th, g, float(k)),
                        norm2=lambda g: g @ g, snapshot=np.copy, finite=_finite,
                        value=lambda snap, g: bound.sum_value_and_grad(snap)[0], **loop)
        return _result(out)
    step = rule_stepper(rule, theta)
    out = run_steps(theta, grad=bound.sum_value_and_grad, update=lambda th, vg, k: step(th, vg[1], k), norm2=lambda vg: vg[1] @ vg[1],
                    snapshot=np.copy, finite=_finite, value=lambda snap, vg: vg[0], **loop)
    return _result(out)


def _torch_loop(bound, rule, theta0, device, dtype, loop: dict) -> Outcome:
    """The loop on torch tensors: the gradient Hθ + b for least squares of a linear model, else the data
    program printed for torch on the bound tensors; the host reads the iterate and gradient norm only at
    check points (``run_steps``: ``norm2`` and ``snapshot``)."""
    if isinstance(bound, TorchBoundData) and (device is not None or dtype is not None):
        bound = to_torch(bound, device, dtype)
    if isinstance(bound, TorchBoundData):
        device, dtype = bound.device, bound.dtype
    torch, device, dtype = resolve(device, dtype)
    as_t = lambda v: torch.as_tensor(v, dtype=dtype, device=device)  # noqa: E731
    gram = bound.gram()
    if gram is not None:
        h, b, c0 = as_t(gram[0]), as_t(gram[1]), float(gram[2])
        grad = lambda th: torch.addmv(b, h, th)  # noqa: E731

        def value(snap, g):
            th = as_t(snap)
            return float(0.5 * (th @ (h @ th)) + b @ th) + c0
    else:
        data = bound if isinstance(bound, TorchBoundData) else to_torch(bound, device, dtype)
        grad = data.sum_grad
        value = lambda snap, g: float(data.sum_value_and_grad(snap)[0])  # noqa: E731
    theta = as_t(np.asarray(theta0, dtype=float))
    with torch.no_grad():
        out = run_steps(theta, grad=grad, update=rule_stepper(rule, theta, "torch", device, dtype), norm2=lambda g: g @ g,
                        snapshot=lambda th: np.array(th.cpu().numpy(), dtype=float), finite=_finite,
                        value=value, **loop)
    return _result(out)
