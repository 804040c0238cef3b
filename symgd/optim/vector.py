"""minimize() on expressions with vector variables (x[i] in sums): the indexed descent of
symgd.loops.vector, its result turned into a ``MinimizeResult``.

Vector variables come back as lists of floats (so the result serializes to JSON as it is), scalar
ones as floats. The stopping test runs every ``CHECK_EVERY`` steps (and on every recorded step), so
``nit`` may overshoot the first step whose gradient norm is below ``tol`` by fewer than that.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from symgd.codegen import backends
from symgd.errors import VariableError
from symgd.loops.outcome import DIVERGED, GRADIENT
from symgd.optim import messages
from symgd.optim.base import Optimizer
from symgd.optim.result import HistoryRecord, MinimizeResult

#: Steps between two gradient-norm tests of the indexed loop.
CHECK_EVERY = 10


def _plain(value: Any) -> Any:
    """A vector as a list of floats, a scalar as a float."""
    return [float(v) for v in np.ravel(value)] if np.ndim(value) else float(value)


def _point(x: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain(v) for name, v in x.items()}


def flat(x: Mapping[str, Any]) -> np.ndarray:
    """Every coordinate of a point, in name order, as one array (for a progress callback)."""
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in x.values()]) if x else np.zeros(0)


def check_vector_options(opt: Optimizer, x0: Any, **unsupported: Any) -> None:
    """Raise VariableError for what the indexed descent cannot do."""
    if opt.rule is None:
        raise VariableError(f"the optimizer {opt.name!r} has no per-coordinate rule, so it cannot descend "
                            f"on vector variables (x[i]); use gd, momentum, nesterov, adam, adamw, rmsprop "
                            f"or adagrad")
    given = [name for name, value in unsupported.items() if value]
    if given:
        raise VariableError(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} not supported for "
                            f"expressions with vector variables (x[i])")
    if x0 is None:
        raise VariableError("an expression with vector variables (x[i]) needs x0: the start vector (an "
                            "array) or a dict by name, which also gives each vector's length")


def vector_lengths(expr: sympy.Expr, sizes: Mapping[str, int]) -> dict[str, int]:
    """Each vector's length for concrete ``sizes``: one past the largest index read (vectors whose
    reads still depend on an unknown size are left out)."""
    from symgd.calculus.indexed import analyse
    problem = analyse(expr)
    known = {s: sympy.Integer(int(sizes[s.name])) for s in problem.sizes if s.name in sizes}
    lengths = {}
    for base in problem.vectors:
        reads = [w.step * t.upper + w.offset for t in problem.sums for w in t.windows if w.base == base]
        reads += [idx for _, b, idx in problem.elements if b == base]
        values = [sympy.sympify(r).xreplace(known) for r in reads]
        if values and all(v.is_Integer for v in values):
            lengths[base.name] = int(max(values)) + 1
    return lengths


def broadcast_start(expr: sympy.Expr, x0: Any, sizes: Mapping[str, int] | None) -> Any:
    """``x0`` with a vector given as one number filled out to the vector's length from ``sizes``."""
    if not isinstance(x0, Mapping):
        return x0
    from symgd.calculus.indexed import analyse
    vectors = {v.name for v in analyse(expr).vectors}
    short = [name for name in sorted(vectors) if name in x0 and np.ndim(x0[name]) == 0]
    if not short:
        return x0
    lengths = vector_lengths(expr, sizes or {})
    unknown = [name for name in short if name not in lengths]
    if unknown:
        raise VariableError(f"the start of the vector {', '.join(unknown)} is one number, and its length is "
                            f"not known: give the sizes (sizes={{'n': 10}}; on the command line --size n=10) "
                            f"or a whole start vector")
    return {name: np.full(lengths[name], float(v)) if name in short else v for name, v in x0.items()}


def minimize_vector(expr: sympy.Expr, opt: Optimizer, x0: Any, *, steps: int, tol: float,
                    record_every: int, sizes: Mapping[str, int] | None, backend: str) -> MinimizeResult:
    """Descend on ``expr`` (with indexed sums) from ``x0`` (the vector itself, or a dict by name)."""
    from symgd.loops.vector import minimize_indexed
    chosen = backends.vector_loop(backend, int(steps))
    x0 = broadcast_start(expr, x0, sizes)
    res = minimize_indexed(expr, opt.rule, x0, int(steps), tol, check_every=CHECK_EVERY,
                           record_every=int(record_every), sizes=sizes, backend=chosen)
    status = res.status
    detail = "the value or gradient became non-finite" if status == DIVERGED else ""
    message = messages.stop_message(status, nit=res.nit, grad_norm=res.grad_norm, tol=tol, ftol=0.0,
                                    steps=int(steps), detail=detail)
    history = tuple(HistoryRecord(step, _point(x), float(value), float(gn))
                    for step, x, value, gn in res.history)
    names = tuple(res.x)
    return MinimizeResult(
        x=_point(res.x), fun=float(res.value), grad_norm=float(res.grad_norm), nit=int(res.nit),
        converged=status == GRADIENT, message=message, status=status, history=history,
        x0=dict(history[0].x) if history and history[0].step == 0 else {}, optimizer=opt.name,
        backend=chosen, paths=(np.array([flat(h.x) for h in history]),), variables=names,
        expression=expr)
