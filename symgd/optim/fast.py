"""The fused path: one start of a per-coordinate optimizer as ONE generated loop (symgd.loops.fused).

The loop prints the optimizer's ``ElementwiseRule`` into the gradient code, so there is no per-step
call overhead. It knows three endings (converged, budget, non-finite); a run that goes non-finite carries its own
diagnosis in its Outcome (the last finite check and the iterate that failed it, ``bad_x``), and one
whose value grew without bound (the array loop's ``GROWTH``) ends at the first history row that grew,
so ``optim.build`` words the failure (the term that left its domain, a safe learning rate) without
running anything again.

The gradient-norm test runs every ``check_interval(record_every)`` steps (and on every recorded step),
not every step: testing each step costs the loop about 5x its speed. The stop stays exact in what it
tests (the true gradient norm at the step it stops on) but ``nit`` may overshoot the first step whose
gradient norm is below ``tol`` by fewer than ``check_interval`` steps.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy

from symgd.codegen import backends
from symgd.errors import CompileError
from symgd.loops.outcome import DIVERGED, Outcome
from symgd.optim.base import Optimizer
from symgd.optim.loop import GROWTH

#: The most steps between two gradient-norm tests of the fused loop.
MAX_CHECK_EVERY = 100


def check_interval(record_every: int) -> int:
    """Steps between gradient-norm tests: the record interval, at most MAX_CHECK_EVERY, at least 1."""
    return min(MAX_CHECK_EVERY, max(1, int(record_every)))


def run_fused(expr: sympy.Expr, variables: Sequence[sympy.Symbol], opt: Optimizer, x0: np.ndarray,
              backend: str, steps: int, tol: float, record_every: int, box: Any = None) -> tuple[str, Any] | None:
    """(backend used, Outcome), or None where the fused loop does not apply; with a ``box``
    (symgd.optim.bounds.Box) the loop takes projected steps."""
    if opt.rule is None or backends.fused_loop(backend, 1, 1) is None:
        return None
    from symgd.calculus.graph import build_graph
    from symgd.loops import fused
    try:
        graph = build_graph(expr, variables, stable=True)
        chosen = backends.fused_loop(backend, len(graph.nodes), steps)
        result = fused.fused_minimize(graph, opt.rule, list(x0), steps, tol, check_every=check_interval(record_every),
                                      record_every=record_every, backend=chosen,
                                      bounds=None if box is None else list(zip(box.lo, box.hi)))
    except CompileError:
        if backend != "auto":
            raise
        return None  # an expression the fused printer cannot take: the array loop can
    except (ArithmeticError, ValueError):
        return None  # math raised outside the loop's own guard (a start outside the domain)
    return chosen, diagnosed(result)


def run_torch(expr: sympy.Expr, variables: Sequence[sympy.Symbol], opt: Optimizer, x0: np.ndarray, steps: int,
              tol: float, record_every: int, device: Any = None, dtype: Any = None) -> tuple[str, Any] | None:
    """One start on torch as a device loop: the gradient and the optimizer rule (printed for torch) run
    on ``device`` every step, and the host reads the gradient norm and the iterate only every
    ``check_interval(record_every)`` steps (``symgd.loops.driver``). None where it does not apply
    (no per-coordinate rule)."""
    if opt.rule is None:
        return None
    from symgd.codegen.runtime import require_torch, torch_dtype
    from symgd.loops.driver import run_steps
    from symgd.loops.vector import rule_stepper
    from symgd.optim.problem import Problem
    torch = require_torch()
    dtype = torch_dtype(dtype)
    problem = Problem(expr, tuple(variables), "torch", device, dtype)
    x = torch.as_tensor(np.asarray(x0, dtype=float)[None, :], dtype=dtype, device=device)
    step = rule_stepper(opt.rule, x, "torch", device, dtype)
    with torch.no_grad():
        out = run_steps(x, grad=problem.value_and_grad, update=lambda x, vg, k: step(x, vg[1], k),
                        norm2=lambda vg: float((vg[1] * vg[1]).sum()),
                        snapshot=lambda x: x[0].detach().cpu().numpy().astype(float),
                        finite=lambda snap: bool(np.isfinite(snap).all()),
                        value=lambda snap, vg: float(vg[0][0]), steps=steps, tol=tol,
                        check_every=check_interval(record_every), record_every=record_every)
    history = [(k, tuple(map(float, snap)), v, gn) for k, snap, v, gn in out.history]
    bad = None if out.bad_x is None else np.asarray(out.bad_x, dtype=float)
    return "torch", diagnosed(Outcome(tuple(map(float, out.x)), out.value, out.grad_norm, out.nit, out.status,
                                      history, bad))


def diagnosed(result: Outcome) -> Outcome:
    """``result``, or where its value grew without bound (by the array loop's measure, ``GROWTH``) a
    diverged Outcome ending at the first history row that grew (``bad_x`` NaN: nothing went non-finite
    there), as the array loop would stop before the later non-finite step."""
    if not result.history:
        return result
    start = result.history[0][2]
    for i, (k, x, value, gn) in enumerate(result.history):
        if value - start > GROWTH * (1 + abs(start)):
            return Outcome(x, value, gn, k, DIVERGED, result.history[:i + 1], np.full(len(x), np.nan))
    return result
