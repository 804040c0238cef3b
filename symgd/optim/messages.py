"""Sentences for the result: why a descent stopped, in words a person understands."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sympy

from symgd.optim.diagnostics import SafeRate, undefined_term


def point_text(names: Sequence[str], x: Sequence[float]) -> str:
    return "(" + ", ".join(f"{n}={float(v):.6g}" for n, v in zip(names, x)) + ")"


def domain_problem(expr: sympy.Expr, variables: Sequence[sympy.Symbol], x: Sequence[float]) -> str | None:
    """"log(x) is undefined there (log of a negative number (-1))", or None if no term is undefined."""
    found = undefined_term(expr, dict(zip(variables, (float(v) for v in x))))
    if found is None:
        return None
    term, reason = found
    return f"{sympy.sstr(term)} is undefined there ({reason})"


def stop_message(status: str, *, nit: int, grad_norm: float, tol: float, ftol: float, steps: int,
                 detail: str = "", optimizer: str = "") -> str:
    """One sentence per way of stopping; ``detail`` adds what went wrong where it did."""
    if status == "stalled" and optimizer == "newton":  # the trust region's scale-invariant stop (H5)
        return (f"stopped at step {nit}: no step within Newton's trust region lowered f by more than its "
                f"rounding error (the region shrank to 1e-15 of |x|), so the gradient norm {grad_norm:.3g} "
                f"cannot get below tol={tol:g} here: that is as close as float64 gets if f is smooth there "
                f"(pass a larger tol to call it converged); otherwise f is not differentiable there")
    if status == "stalled" and optimizer == "lbfgsb":  # no search lowered f, or ten steps in a row did not
        return (f"stopped at step {nit}: its steps no longer lower f (a search found no lower value, or ten "
                f"steps in a row did not go below it), so the gradient norm {grad_norm:.3g} stays above "
                f"tol={tol:g}: where f is smooth, its changes there are below its rounding error and that is "
                f"as close as float64 gets (pass a larger tol to call it converged); otherwise f is not "
                f"differentiable there")
    if status == "gradient":
        return f"converged: gradient norm {grad_norm:.3g} is below tol={tol:g} after {nit} steps"
    if status == "value change":
        return f"converged: the value changed by less than ftol={ftol:g} (relative) at step {nit}"
    if status == "budget":  # detail: the value fell without bound, where it did
        return (f"stopped: the budget of {steps} steps is spent; the gradient norm {grad_norm:.3g} is "
                f"still above tol={tol:g}" + (f"; {detail}" if detail else ""))
    if status == "stalled" and optimizer in ("bfgs", "lbfgs"):  # a strong-Wolfe search failed: which
        # condition failed is not kept, so every cause is named (x^3 from -0.5: f falls, its slope steepens)
        return (f"stopped at step {nit}: the line search found no step meeting the strong Wolfe conditions "
                f"along the search direction, so the iterate stopped moving with the gradient norm "
                f"{grad_norm:.3g} above tol={tol:g}: along that direction f is likely not differentiable or "
                f"without curvature (as |x|, whose slope does not ease before its kink), flat to its rounding "
                f"error, or falling without bound with an ever steeper slope (as x^3); optimizer='gd' or "
                f"bounds tell these apart")
    if status == "stalled":
        return (f"stopped at step {nit}: no step along the search direction lowered f, so the iterate stopped "
                f"moving with the gradient norm {grad_norm:.3g} above tol={tol:g}; f is likely not "
                f"differentiable there (as |x| at 0) or its curvature is zero")
    if status == "callback":
        return f"stopped by the callback at step {nit}"
    if status == "domain":
        return f"stopped at step {nit + 1}: the next iterate {detail}; " \
               f"returned the last finite iterate (step {nit})."
    return f"diverged at step {nit + 1}: {detail}; returned the last finite iterate (step {nit})."


#: A diverged run whose last finite value is this many times (1 + |f(x0)|) below its start fell without
#: bound: f is unbounded below (x^3, -x^2), and no learning rate would find a minimum.
FALL = 1e3


def unbounded_below(value: float, start_value: float) -> bool:
    """True when a diverged run's last finite ``value`` lies far below its ``start_value``: the descent
    kept lowering f until the numbers overflowed (a run that diverges from too large a rate grows)."""
    return bool(np.isfinite(start_value) and start_value - value > FALL * (1 + abs(start_value)))


def fall_detail(value: float, start_value: float) -> str:
    return (f"the value fell without bound (from {start_value:.6g} to {value:.6g}): f appears to be "
            f"unbounded below, so there is no minimum to find")


def divergence_detail(value: float, bad_x: np.ndarray, names: Sequence[str], start_value: float) -> str:
    if unbounded_below(value, start_value):
        return fall_detail(value, start_value)
    if np.isnan(bad_x).all():
        return f"the value grew without bound (from {start_value:.6g} to {value:.6g})"
    return f"the value or gradient became non-finite at {point_text(names, bad_x)}"


def rate_advice(lr: float | None, rate: SafeRate | None) -> str:
    if lr is None:
        return ""
    if rate is None:
        return f" The learning rate {lr:g} is likely too large; try a smaller one."
    return f" The learning rate {lr:g} is too large: {rate.describe()}."


def multistart_summary(n_starts: int, minima_counts: Sequence[tuple[float, int]],
                       counts: Mapping[str, int]) -> str:
    """"40 starts: 4 distinct minima (best f = 0 reached by 11 starts); 2 diverged"."""
    if not minima_counts:
        return f"{n_starts} starts: none reached a minimum"
    best, count = minima_counts[0]
    parts = [f"{n_starts} starts: {len(minima_counts)} distinct minim{'um' if len(minima_counts) == 1 else 'a'} "
             f"(best f = {best:.12g}, reached by {count} start{'s' * (count != 1)})"]
    for status, label in (("diverged", "diverged"), ("domain", "left the domain or started outside it"),
                          ("budget", "ran out of steps"), ("stalled", "stalled (no step lowered f)")):
        if counts.get(status):
            parts.append(f"{counts[status]} {label}")
    return "; ".join(parts)
