"""Turning a run's arrays into ``MinimizeResult`` records: one per start, and the multi-start summary."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np

from symgd.optim import messages
from symgd.optim.diagnostics import safe_learning_rate
from symgd.loops.outcome import CONVERGED, DIVERGED, DOMAIN, Outcome
from symgd.optim.multistart import cluster_minima
from symgd.optim.problem import hessian_matrix
from symgd.optim.result import HistoryRecord, MinimizeResult

#: The optimizers whose divergence a 1/L learning rate explains.
_RATE_ADVICE = ("gd", "momentum", "nesterov")


def _path(outcome: Outcome, i: int) -> tuple[list[int], np.ndarray, list[float], list[float]]:
    """Start ``i``'s recorded iterates (up to where it stopped) and its final one."""
    trace, nit = outcome.history, int(outcome.nit[i])
    keep = [r for r, step in enumerate(trace.steps) if step <= nit]
    steps = [trace.steps[r] for r in keep]
    xs = [trace.xs[r][i] for r in keep]
    values = [float(trace.values[r][i]) for r in keep]
    norms = [float(trace.grad_norms[r][i]) for r in keep]
    if not steps or steps[-1] != nit:
        steps.append(nit)
        xs.append(outcome.x[i])
        values.append(float(outcome.value[i]))
        norms.append(float(outcome.grad_norm[i]))
    return steps, np.array(xs, dtype=float).reshape(len(steps), -1), values, norms


def _history(names: list[str], path: tuple) -> tuple[HistoryRecord, ...]:
    steps, xs, values, norms = path
    return tuple(HistoryRecord(s, dict(zip(names, map(float, x))), v, g)
                 for s, x, v, g in zip(steps, xs, values, norms))


def _failure(expr: Any, variables: Any, hessian: Any, value: float, bad: np.ndarray, start: float,
             x0: np.ndarray, settings: dict) -> tuple[str, str, str, float | None]:
    """For a diverged run, from its last finite ``value``, the iterate ``bad`` that failed (NaN: the
    value grew), the ``start`` value and point ``x0``: its status ("diverged" or "domain"), what
    happened, advice and a safe rate (from ``hessian()``, built only here)."""
    names = [v.name for v in variables]
    if not np.isnan(bad).all():
        found = messages.domain_problem(expr, variables, bad)
        if found:
            return DOMAIN, f"{messages.point_text(names, bad)} left the domain: {found}", "", None
    detail = messages.divergence_detail(value, bad, names, start)
    opt = settings["optimizer"]
    if opt.rule is None or opt.rule.name not in _RATE_ADVICE or messages.unbounded_below(value, start):
        return DIVERGED, detail, "", None
    rate = safe_learning_rate(hessian(), dict(zip(variables, map(float, x0))))
    return DIVERGED, detail, messages.rate_advice(opt.hyper.get("lr"), rate), (rate.lr if rate else None)


def _fell(value: float, start: float) -> str:
    """For a run out of budget: the sentence saying f fell without bound, where it did (a trust region's
    steps can lower an unbounded f for the whole budget without overflowing)."""
    return messages.fall_detail(value, start) if messages.unbounded_below(value, start) else ""


def _message(status: str, nit: int, grad_norm: float, settings: dict, detail: str = "") -> str:
    return messages.stop_message(status, nit=nit, grad_norm=grad_norm, tol=settings["tol"], ftol=settings["ftol"],
                                 steps=settings["steps"], detail=detail,
                                 optimizer=getattr(settings["optimizer"], "name", ""))


def build_result(problem: Any, outcome: Outcome, i: int, settings: dict, count: int = 1) -> MinimizeResult:
    """The result of start ``i``."""
    names = [v.name for v in problem.variables]
    status, detail, advice, safe_lr = str(outcome.status[i]), "", "", None
    if status == DIVERGED:
        status, detail, advice, safe_lr = _failure(
            problem.expr, problem.variables, lambda: problem.hessian_expr, float(outcome.value[i]),
            outcome.bad_x[i], float(outcome.history.values[0][i]), outcome.history.xs[0][i], settings)
    elif status == "budget":
        detail = _fell(float(outcome.value[i]), float(outcome.history.values[0][i]))
    nit, gn = int(outcome.nit[i]), float(outcome.grad_norm[i])
    message = _message(status, nit, gn, settings, detail) + advice
    path = _path(outcome, i)
    return MinimizeResult(
        x=dict(zip(names, map(float, outcome.x[i]))), fun=float(outcome.value[i]), grad_norm=gn, nit=nit,
        converged=status in CONVERGED, message=message, status=status,
        history=_history(names, path), count=count,
        x0=dict(zip(names, map(float, outcome.history.xs[0][i]))), optimizer=settings["optimizer"].name,
        backend=settings["backend"], suggested_lr=safe_lr, paths=(path[1],), variables=tuple(names),
        expression=problem.expr)


def build_multistart(problem: Any, outcome: Outcome, settings: dict, cluster_tol: float) -> MinimizeResult:
    """The best minimum, with ``.minima`` (distinct minima, best first, with counts) and every path."""
    keep = ~np.isin(outcome.status, (DIVERGED, DOMAIN))
    groups = cluster_minima(outcome.x, outcome.value, keep, cluster_tol)
    minima = tuple(build_result(problem, outcome, int(g[0]), settings, count=len(g)) for g in groups)
    counts = Counter(str(s) for s in outcome.status)
    summary = messages.multistart_summary(len(outcome.x), [(m.fun, m.count) for m in minima], counts)
    paths = tuple(_path(outcome, i)[1] for i in range(len(outcome.x)))
    if minima:
        best = minima[0]
        return replace(best, message=f"{summary}. Best: {best.message}", minima=minima, paths=paths,
                       count=best.count)
    worst = build_result(problem, outcome, 0, settings)
    return replace(worst, message=summary, converged=False, minima=(), paths=paths)


def build_fused_result(expr: Any, variables: Any, fused: tuple[str, Outcome], settings: dict) -> MinimizeResult:
    """The result of a fused or device loop, its diagnosis (a diverged run) from its own Outcome."""
    backend, res = fused
    names = [v.name for v in variables]
    history = tuple(HistoryRecord(step, dict(zip(names, map(float, x))), value, gn)
                    for step, x, value, gn in res.history)
    status, detail, advice, safe_lr = res.status, "", "", None
    if status == DIVERGED:
        status, detail, advice, safe_lr = _failure(
            expr, variables, lambda: hessian_matrix(expr, tuple(variables)), res.value, res.bad_x,
            res.history[0][2], res.history[0][1], settings)
    elif status == "budget" and res.history:
        detail = _fell(res.value, res.history[0][2])
    path = np.array([list(h.x.values()) for h in history], dtype=float).reshape(len(history), len(names))
    return MinimizeResult(
        x=dict(zip(names, res.x)), fun=res.value, grad_norm=res.grad_norm, nit=res.nit,
        converged=status in CONVERGED, message=_message(status, res.nit, res.grad_norm, settings, detail) + advice,
        status=status, history=history, x0=dict(history[0].x) if history else {},
        optimizer=settings["optimizer"].name, backend=backend, suggested_lr=safe_lr, paths=(path,),
        variables=tuple(names), expression=expr)
