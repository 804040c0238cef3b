"""Descent on expressions with vector variables (indexed sums): the ElementwiseRule printed as array code.

The optimizer's per-coordinate rule (``symgd.codegen.rule``) is printed once with the NumPy printer, so
the same definition updates a whole vector at once; the gradient comes from the indexed-sum code
(numba loops when installed and the run is long, NumPy slices otherwise). The stopping test (gradient
norm, finiteness) runs every ``check_every`` steps, by the rule stated in ``loops.outcome``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from symgd.errors import CompileError, VariableError
from symgd.codegen import backends, runtime
from symgd.codegen.printers import printer_for
from symgd.codegen.rule import G, T, X, ElementwiseRule
from symgd.loops.driver import run_steps
from symgd.loops.outcome import Outcome


def rule_function(rule: ElementwiseRule, backend: str = "numpy", device: Any = None, dtype: Any = None):
    """``update(x, g, t, *slots) -> (new x, *new slots)`` elementwise on arrays (or tensors) or floats."""
    printer = printer_for(backend)
    slots = rule.slot_symbols()
    new = [sympy.Symbol(f"_n{j}") for j in range(len(slots))]
    names = {X: sympy.Symbol("x"), G: sympy.Symbol("g"), T: sympy.Symbol("t")}
    names.update({s: sympy.Symbol(f"_s{j}") for j, s in enumerate(slots)})
    lines = [f"    _n{j} = {printer.doprint(e.xreplace(names))}" for j, e in enumerate(rule.state_update)]
    x_new = rule.x_update.xreplace(dict(zip(slots, new))).xreplace(names)
    args = ", ".join(["x", "g", "t", *(f"_s{j}" for j in range(len(slots)))])
    source = "\n".join([f"def update({args}):", *lines,
                        f"    return ({printer.doprint(x_new)}, {''.join(f'_n{j}, ' for j in range(len(slots)))})"])
    return runtime.load(source + "\n", backend, device, dtype)["update"]


def rule_stepper(rule: ElementwiseRule, like: Any, backend: str = "numpy", device: Any = None,
                 dtype: Any = None):
    """``step(x, g, k) -> new x``: ``rule`` on arrays (or tensors) shaped like ``like``, its slots kept
    here from the rule's init; on torch the step number stays on the device (no host copy a step)."""
    update = rule_function(rule, backend, device, dtype)
    if backend == "torch":
        import torch
        slots = [torch.full_like(like, init) for init in rule.init]
        t = torch.zeros((), dtype=like.dtype, device=like.device)
        number = lambda k: t.fill_(float(k))  # noqa: E731
    else:
        slots, number = [np.full_like(like, init) for init in rule.init], float

    def step(x, g, k):
        new = update(x, g, number(k), *slots)
        slots[:] = new[1:]
        return new[0]
    return step


def _start(x0: Any, variables, vectors) -> list[Any]:
    if isinstance(x0, Mapping):
        missing = [v.name for v in variables if v.name not in x0]
        if missing:
            raise VariableError(f"x0 has no value for {', '.join(missing)}")
        values = [x0[v.name] for v in variables]
    elif len(variables) == 1:
        values = [x0]
    else:
        values = list(x0)
    out = []
    for v, val in zip(variables, values):
        out.append(np.array(val, dtype=float) if v in vectors else float(val))
        if v in vectors and np.ndim(out[-1]) != 1:
            raise VariableError(f"x0 for the vector {v.name} must be a 1-d array")
    return out


def _norm2(g: Sequence[Any]) -> float:
    return float(sum(float(np.dot(gi, gi)) if np.ndim(gi) else gi * gi for gi in g))


def minimize_indexed(expr: sympy.Expr, rule: ElementwiseRule, x0: Any, steps: int, tol: float = 0.0,
                     check_every: int = 10, record_every: int = 0, sizes: Mapping[str, int] | None = None,
                     backend: str = "auto") -> Outcome:
    """Run ``steps`` steps of ``rule`` on an expression with vector variables from ``x0`` (a dict by
    name, or the vector itself when there is one variable); the Outcome's ``x`` and history points are
    dicts by name (arrays for vectors, floats otherwise)."""
    from symgd.calculus.indexed import analyse
    from symgd.codegen.api import compile as compile_expr
    if check_every < 1:
        raise CompileError("check_every must be at least 1")
    backend = backends.vector_loop(backend, steps)
    compiled = compile_expr(expr, backend=backend, sizes=sizes)
    vectors = analyse(expr).vectors
    names = [v.name for v in compiled.variables]
    xs = _start(x0, compiled.variables, vectors)
    update = rule_function(rule)
    slots = [[np.full_like(x, init) if np.ndim(x) else float(init) for x in xs] for init in rule.init]

    def step(state, g, k):
        for i, (x, gi) in enumerate(zip(state, g)):
            out = update(x, gi, float(k), *(s[i] for s in slots))
            state[i] = out[0]
            for j, s in enumerate(slots):
                s[i] = out[1 + j]
        return state
    out = run_steps(xs, grad=lambda state: compiled.grad(*state), update=step, norm2=_norm2,
                    snapshot=lambda state: [x.copy() if np.ndim(x) else x for x in state],
                    finite=lambda snap: all(np.isfinite(x).all() for x in snap),
                    value=lambda snap, g: float(compiled.value(*snap)), steps=steps, tol=tol,
                    check_every=check_every, record_every=record_every)
    history = [(k, dict(zip(names, snap)), v, gn) for k, snap, v, gn in out.history]
    return Outcome(dict(zip(names, out.x)), out.value, out.grad_norm, out.nit, out.status, history)
