"""minimize(): descend on an expression from one start or many, with any optimizer, and say why it stopped.

>>> from symgd.optim.minimize import minimize
>>> r = minimize("(x-3)^2 + 2*(y+1)^2", {"x": 0, "y": 0}, lr=0.1, steps=500)
>>> round(r.x["x"], 6), round(r.x["y"], 6), r.converged
(3.0, -1.0, True)
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import sympy

from symgd.codegen import backends
from symgd.calculus.indexed import has_indexed
from symgd.calculus.variables import ordered_variables
from symgd.errors import DomainError, VariableError
from symgd.loops.outcome import DIVERGED, DOMAIN
from symgd.optim import auto, choices, preflight
from symgd.optim.base import Optimizer, check_positive
from symgd.optim.bounds import Box, box_arrays, draw_box
from symgd.optim.build import build_fused_result, build_multistart, build_result
from symgd.optim.fast import run_fused, run_torch
from symgd.optim.loop import Callback, descend
from symgd.optim.multistart import DEFAULT_BOX, sample_starts
from symgd.optim.problem import Problem
from symgd.optim.registry import get_optimizer
from symgd.optim.result import MinimizeResult
from symgd.optim.vector import check_vector_options, flat, minimize_vector

#: Where every variable starts when no x0 is given (1 rather than 0: 0 is a stationary point or
#: outside the domain of many everyday losses, such as x^2 * y or log(x)).
DEFAULT_START = 1.0


def _expression(f: str | sympy.Expr) -> sympy.Expr:
    if not isinstance(f, (str, sympy.Basic)):
        raise VariableError(f"expected a string or a sympy expression, got {type(f).__name__}")
    from symgd.parse import parse
    return parse(f)


def start_point(x0: Mapping[str, float] | Sequence[float] | None, names: Sequence[str]) -> np.ndarray:
    """x0 as floats in variable order: a dict by name (missing names start at DEFAULT_START), a
    sequence in variable order, or None (every variable at DEFAULT_START)."""
    if x0 is None:
        return np.full(len(names), DEFAULT_START)
    if isinstance(x0, Mapping):
        keys = {str(k): v for k, v in x0.items()}
        unknown = sorted(set(keys) - set(names))
        if unknown:
            raise VariableError(f"x0 names {', '.join(unknown)}, not a variable of the expression "
                                f"(its variables: {', '.join(names)})")
        values = [keys.get(n, DEFAULT_START) for n in names]
    else:
        values = list(np.ravel(np.asarray(x0, dtype=float)))
        if len(values) != len(names):
            raise VariableError(f"x0 has {len(values)} values but the expression has {len(names)} "
                                f"variables ({', '.join(names)})")
    point = np.asarray(values, dtype=float)
    if not np.isfinite(point).all():
        raise VariableError(f"x0 must be finite numbers, got {values}")
    return point


def _optimizer(optimizer: str | Optimizer, lr: float | None, hyper: dict[str, Any]) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        if lr is not None or hyper:
            raise VariableError("pass hyper-parameters to get_optimizer, not to minimize, with an Optimizer")
        return optimizer
    if lr is not None:
        hyper = {"lr": lr, **hyper}
    return get_optimizer(optimizer, **hyper)


def _starts_array(x0: Any, starts: Any, box: Box | None, seed: int | None, names: Sequence[str]) -> np.ndarray:
    if starts is None:
        return start_point(x0, names)[None, :]
    if x0 is not None:
        raise VariableError("give either x0 (one start) or starts (many), not both")
    if isinstance(starts, (int, np.integer)):  # drawn in the box (DEFAULT_BOX on its open sides)
        return sample_starts(names, int(starts), draw_box(box, names, DEFAULT_BOX) if box else None, seed)
    points = np.asarray(starts, dtype=float)
    if points.ndim != 2 or points.shape[1] != len(names) or not np.isfinite(points).all():
        raise VariableError(f"starts must be a number or a (starts, {len(names)}) array of finite points")
    return points


def _check_all_variables(expr: sympy.Expr, variables: Sequence[sympy.Symbol]) -> None:
    given = set(variables)  # a set: n membership tests, not n²
    others = sorted(s.name for s in expr.free_symbols if s not in given)
    if others:
        raise VariableError(f"the expression also depends on {', '.join(others)}, which minimize has no "
                            f"values for; descend on all its variables (leave wrt out) or substitute them")


def _check_budget(steps: int, tol: float, ftol: float) -> None:
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise VariableError(f"steps must be a whole number of at least 0, got {steps!r}")
    if not tol >= 0 or not ftol >= 0:
        raise VariableError(f"tol and ftol must be at least 0, got tol={tol!r}, ftol={ftol!r}")


def minimize(f: str | sympy.Expr, x0: Mapping[str, float] | Sequence[float] | None = None, *,
             lr: float | None = None, steps: int = 10_000, tol: float = 1e-8, ftol: float = 0.0,
             backend: str = "auto", optimizer: str | Optimizer | None = None, wrt: Any = None,
             record_every: int | None = None, callback: Callback | None = None,
             callback_every: int | None = None, progress: Callback | None = None,
             starts: int | Sequence[Sequence[float]] | None = None,
             bounds: Mapping[str, tuple[float, float]] | None = None, seed: int | None = None,
             cluster_tol: float = 1e-3, device: Any = None, dtype: Any = None,
             sizes: Mapping[str, int] | None = None, **hyper: Any) -> MinimizeResult:
    """Minimize ``f`` (a string or sympy expression) by descent; returns a ``MinimizeResult``.

    ``x0``: a dict by name or a sequence in variable order (default: every variable at 1). ``lr`` and
    ``**hyper`` (momentum, dampening, nesterov, betas, alpha, eps, weight_decay, centered, lr_decay,
    amsgrad, damping, linesearch) mean what they mean in torch.optim; ``lr=None`` derives a rate from the
    problem where it can (symgd.optim.auto.derive_lr: 1% of the box width with bounds, 1/L where the
    default would diverge) and otherwise takes the optimizer's default (gd/momentum/nesterov 0.01,
    adam/adamw 0.001, rmsprop/adagrad 0.01); the result's ``lr`` and ``notes`` say which.
    ``optimizer="auto"``: lbfgsb with bounds, Newton (trust region) up to 20 variables, L-BFGS above.
    ``optimizer=None`` (default): "auto", or "gd" when ``lr`` or ``**hyper`` is given (first-order
    settings) and for vector variables.
    ``bounds={"x": (lo, hi)}`` (either side None or ±inf) keeps the descent in the box: projected steps
    for the first-order methods (array and fused loops), ``optimizer="lbfgsb"`` for projected L-BFGS; a
    start outside is projected (a note says so); newton/bfgs/lbfgs refuse bounds.
    Stops on ``tol`` (gradient norm), ``ftol`` (relative value change, 0 = off), ``steps``,
    divergence or a ``callback(step, x, value, grad_norm)`` returning True (called every
    ``callback_every`` steps with the best running start; it runs the array loop). ``progress`` has
    the same signature but only watches: the array loop calls it every ``callback_every`` steps, a
    fused loop (fast anyway) once at its end, so it costs no speed (for a progress bar). ``backend``: "auto" (default) runs a
    single start of a per-coordinate optimizer as one fused generated loop ("python", or "numba" for
    long runs; see symgd.loops.fused) and everything else on NumPy arrays; "numpy"/"torch" force
    the array loop on that library; "python"/"numba" ask for the fused loop where it applies. ``starts=N`` runs N starts drawn
    uniformly from ``bounds`` (default -5..5 per variable and open side, seeded by ``seed``) as one batched descent
    and clusters the end points (``cluster_tol``, relative) into ``.minima``, best first.
    An expression with vector variables (``sum(..x[i].., i, 0, n-1)``) descends on whole vectors
    (symgd.optim.vector): ``x0`` is then the vector itself or a dict by name, ``sizes`` names the
    size symbols (``{"n": 10}``) where x0 does not fix them, and ``.x`` holds a list per vector.
    """
    expr = _expression(f)
    if optimizer is None:
        optimizer = choices.default_method(lr, hyper, vector=has_indexed(expr))
    if has_indexed(expr):
        return _minimize_vector(expr, x0, optimizer, lr, hyper, steps, tol, record_every, sizes, backend,
                                progress, ftol=ftol, starts=starts, callback=callback, wrt=wrt, bounds=bounds)
    variables = ordered_variables(expr, wrt)
    _check_all_variables(expr, variables)
    names = [v.name for v in variables]
    _check_budget(steps, tol, ftol)
    box = box_arrays(names, bounds)
    array_backend = backends.array_library(backend)
    method = choices.provisional(optimizer)
    record_every = check_positive("record_every", record_every) if record_every else _record_default(
        method, len(names), steps)
    preflight.check_memory(preflight.start_count(starts), len(names), int(steps), int(record_every),
                           method)  # before the starts are drawn
    x_start, start_notes = choices.project_starts(box, _starts_array(x0, starts, box, seed, names), names)
    chosen = choices.plan(optimizer, lr, hyper, expr, variables, x_start, box)
    opt = chosen.optimizer
    callback_every = check_positive("callback_every", callback_every) if callback_every else record_every
    settings = dict(tol=tol, ftol=ftol, steps=int(steps), optimizer=opt, backend=array_backend)
    if starts is None:  # before any code runs: the fused loops would compute in complex numbers
        preflight.check_start(expr, variables, x_start[0])
    finish = lambda r: _finish(r, chosen, start_notes)  # noqa: E731
    # the device loop knows no box: a bounded torch run takes the array loop
    if starts is None and callback is None and ftol == 0 and not (backend == "torch" and box is not None):
        if backend == "torch":  # the device loop: the host reads only at check points
            fused = run_torch(expr, variables, opt, x_start[0], int(steps), tol, int(record_every), device, dtype)
        else:
            fused = run_fused(expr, variables, opt, x_start[0], backend, int(steps), tol, int(record_every), box)
        if fused is not None:
            result = build_fused_result(expr, variables, fused, {**settings, "backend": fused[0]})
            if result.nit == 0 and result.status in (DIVERGED, DOMAIN):  # failed at the start: the
                preflight.check_start(expr, variables, x_start[0], gradient=True)  # caller's point, named
            if progress is not None:
                progress(result.nit, np.array(list(result.x.values())), result.fun, result.grad_norm)
            return finish(result)
    callback = callback or (_advisory(progress) if progress is not None else None)
    problem = Problem(expr, variables, array_backend, device, dtype)
    x_array = _to_backend(x_start, array_backend, device, dtype)
    outcome = descend(problem, opt, x_array, steps=int(steps), tol=tol, ftol=ftol,
                      record_every=int(record_every), callback=callback, callback_every=int(callback_every),
                      box=box)
    _raise_if_outside(outcome, expr, variables, names)
    if starts is None:
        return finish(build_result(problem, outcome, 0, settings))
    return finish(build_multistart(problem, outcome, settings, cluster_tol))


def _record_default(method: Optimizer, n: int, steps: int) -> int:
    """Every step for a small problem's line-search or trust-region method (a few costly steps, each
    worth a row), else about 1,000 records in all."""
    return 1 if method.rule is None and n <= auto.NEWTON_MAX else max(1, steps // 1000)


def _finish(result: MinimizeResult, chosen: choices.Plan, start_notes: tuple[str, ...]) -> MinimizeResult:
    """The result with the learning rate used, the notes on what minimize chose, and advice for a
    first-order run that failed."""
    advice = auto.advice(result.status, result.optimizer, chosen.lr) if chosen.lr is not None else ""
    if advice and result.suggested_lr is not None:  # the Hessian's safe rate already says what to try
        advice = ""
    return replace(result, lr=chosen.lr, notes=start_notes + chosen.notes, message=result.message + advice)


def _minimize_vector(expr: sympy.Expr, x0: Any, optimizer: str | Optimizer, lr: float | None,
                     hyper: dict[str, Any], steps: int, tol: float, record_every: int | None,
                     sizes: Mapping[str, int] | None, backend: str, progress: Callback | None,
                     **unsupported: Any) -> MinimizeResult:
    """minimize on an expression with vector variables (indexed sums)."""
    _check_budget(steps, tol, unsupported.get("ftol", 0.0))
    opt = _optimizer(optimizer, lr, hyper)
    backends.check(backend)
    check_vector_options(opt, x0, **unsupported)
    every = check_positive("record_every", record_every) if record_every else None
    every = preflight.check_vector_memory(expr, x0, sizes, int(steps), every, opt)
    result = minimize_vector(expr, opt, x0, steps=int(steps), tol=tol, record_every=int(every),
                             sizes=sizes, backend=backend)
    if progress is not None:
        progress(result.nit, flat(result.x), result.fun, result.grad_norm)
    return result


def _advisory(progress: Callback) -> Callback:
    """``progress`` as a loop callback that never asks to stop."""
    def callback(step: int, x: np.ndarray, value: float, grad_norm: float) -> bool:
        progress(step, x, value, grad_norm)
        return False
    return callback


def _to_backend(x: np.ndarray, backend: str, device: Any, dtype: Any) -> Any:
    if backend != "torch":
        return np.array(x, dtype=float)
    import torch
    return torch.as_tensor(x, dtype=dtype or torch.float64, device=device)


def _raise_if_outside(outcome: Any, expr: sympy.Expr, variables: Sequence[sympy.Symbol],
                      names: Sequence[str]) -> None:
    """Every start outside the domain is the caller's mistake: say which term, where (the first start)."""
    if not ((outcome.status == "domain") & (outcome.nit == 0)).all():
        return
    preflight.check_start(expr, variables, outcome.x[0], gradient=True, others=len(outcome.x) > 1)
    from symgd.optim.messages import point_text
    where = point_text(names, outcome.x[0]) + (" (and every other start)" if len(outcome.x) > 1 else "")
    raise DomainError(f"the expression or its gradient is not finite at the start point {where} "
                      f"(value {outcome.value[0]:.6g})", hint="start somewhere else (--at / x0)")
