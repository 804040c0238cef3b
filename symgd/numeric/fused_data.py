"""Fused full-batch descent on bound data: ``fused_data_minimize(bound, rule, theta0, steps, ...)``.

- A model linear in its parameters with a sum-of-squares loss (``BoundData.gram``): the summed loss is
  the quadratic form ½θᵀHθ + bᵀθ + c0 with H and b computed once per binding, so a step costs a p×p
  matrix-vector product. The quadratic form becomes an expression over θ and runs through the same
  fused scalar loops as every scalar problem (python, or numba for long runs), or as a torch loop that
  stays on the device and reads back to the host only every ``check_every`` steps.
- Any other data problem: a loop over ``BoundData.sum_value_and_grad`` (one pass, dot products where
  the structure allows) with the rule printed as array code; the gradient's own temporaries are the
  only per-step allocations.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy

from symgd.errors import CompileError
from symgd.numeric.bound import BoundData
from symgd.numeric.fused import FusedResult, choose_backend, fused_minimize
from symgd.numeric.rule import ElementwiseRule
from symgd.numeric.vector_descent import rule_function


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
                        device: Any = None) -> FusedResult:
    """Full-batch descent of Σ_i e_i(θ) on ``bound`` with ``rule``; ``backend``: auto, python, numba,
    numpy or torch. Values in the result and its history are the summed loss."""
    if check_every < 1:
        raise CompileError("check_every must be at least 1")
    gram = bound.gram()
    if backend == "torch":
        if gram is None:
            raise CompileError("the torch data loop needs a least-squares model linear in its parameters")
        return _torch_loop(gram, rule, theta0, steps, tol, check_every, record_every, device)
    if gram is None or backend == "numpy":
        return _array_loop(bound, rule, theta0, steps, tol, check_every, record_every)
    h, b, c0 = gram
    expr, theta = quadratic_expr(h, b)
    from symgd.calculus.graph import build_graph
    graph = build_graph(expr, theta)
    if backend == "auto":
        backend = choose_backend(graph, steps)
    r = fused_minimize(graph, rule, theta0, steps, tol, check_every, record_every, backend)
    history = [(k, x, v + c0, gn) for k, x, v, gn in r.history]
    return FusedResult(r.x, r.value + c0, r.grad_norm, r.nit, r.status, history)


def _array_loop(bound, rule, theta0, steps, tol, check_every, record_every) -> FusedResult:
    update = rule_function(rule)
    theta = np.array(theta0, dtype=float)
    slots = [np.full_like(theta, init) for init in rule.init]
    history, status, k = [], "max_steps", 0
    last = (theta.copy(), 0, math.nan, math.nan)
    svg = bound.sum_value_and_grad
    while True:
        value, g = svg(theta)
        if k % check_every == 0 or k == steps or (record_every and k % record_every == 0):
            gn2 = float(g @ g)
            if not (math.isfinite(gn2) and math.isfinite(value) and np.isfinite(theta).all()):
                status = "nonfinite"
                break
            last = (theta.copy(), k, value, gn2)
            if record_every and k % record_every == 0:
                history.append((k, tuple(map(float, theta)), float(value), math.sqrt(gn2)))
            if gn2 <= tol * tol:
                status = "converged"
                break
        if k >= steps:
            break
        k += 1
        theta, *slots = update(theta, g, float(k), *slots)
    return _result(last, status, history, record_every)


def _result(last, status, history, record_every) -> FusedResult:
    theta, k, value, gn2 = last
    x = tuple(float(v) for v in theta)
    if record_every and (not history or history[-1][0] != k):
        history.append((k, x, float(value), math.sqrt(gn2)))
    return FusedResult(x, float(value), math.sqrt(gn2), int(k), status, history)


def _torch_loop(gram, rule, theta0, steps, tol, check_every, record_every, device) -> FusedResult:
    """The quadratic-form loop on torch tensors; the host reads the gradient norm every check_every steps."""
    from symgd.numeric.runtime import require_torch
    torch = require_torch()
    h_np, b_np, c0 = gram
    h = torch.as_tensor(h_np, dtype=torch.float64, device=device)
    b = torch.as_tensor(b_np, dtype=torch.float64, device=device)
    theta = torch.as_tensor(np.asarray(theta0, dtype=float), dtype=torch.float64, device=device)
    update = rule_function(rule, "torch", device, torch.float64)
    slots = [torch.full_like(theta, init) for init in rule.init]

    def value(t):
        return float(0.5 * (t @ (h @ t)) + b @ t) + c0
    history, status, k = [], "max_steps", 0
    last = (theta.cpu().numpy(), 0, math.nan, math.nan)
    with torch.no_grad():
        while True:
            g = torch.addmv(b, h, theta)
            if k % check_every == 0 or k == steps or (record_every and k % record_every == 0):
                gn2 = float(g @ g)  # the only host synchronisation
                th = theta.cpu().numpy()
                if not (math.isfinite(gn2) and np.isfinite(th).all()):
                    status = "nonfinite"
                    break
                last = (th, k, value(theta), gn2)
                if record_every and k % record_every == 0:
                    history.append((k, tuple(map(float, th)), last[2], math.sqrt(gn2)))
                if gn2 <= tol * tol:
                    status = "converged"
                    break
            if k >= steps:
                break
            k += 1
            t = torch.tensor(float(k), dtype=torch.float64, device=device)  # torch.pow needs a tensor
            theta, *slots = update(theta, g, t, *slots)
    return _result(last, status, history, record_every)
