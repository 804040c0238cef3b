"""Plain gradient descent, x <- x - lr * (g + weight_decay * x), and the Armijo backtracking line search.

``gd`` with ``momentum > 0`` is torch's SGD with momentum (see ``momentum.py``); with
``linesearch="armijo"`` each step starts at min(lr, last accepted step / shrink) and shrinks until
the Armijo condition holds.
"""
from __future__ import annotations

from typing import Any

from symgd.codegen.rule import ElementwiseRule
from symgd.optim import arrays
from symgd.optim.base import (HyperParameterError, Optimizer, OptState, check_nonnegative, check_positive,
                              check_unit, rule_optimizer)
from symgd.optim.transforms import add_decayed_weights, chain, scale


def gd_rule(lr: float, weight_decay: float = 0.0) -> ElementwiseRule:
    """torch.optim.SGD without momentum: ``x - lr * (g + weight_decay * x)``."""
    return chain(add_decayed_weights(weight_decay), scale(-lr), name="gd")


def gd(lr: float = 0.01, momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
       nesterov: bool = False, linesearch: str | bool | None = None, c: float = 1e-4, shrink: float = 0.5,
       max_backtracks: int = 60) -> Optimizer:
    """Gradient descent with torch.optim.SGD's hyper-parameters, optionally with an Armijo line search
    (``linesearch="armijo"`` or True)."""
    lr = check_positive("lr", lr)
    check_nonnegative("weight_decay", weight_decay)
    if momentum or nesterov:
        if linesearch:
            raise HyperParameterError("the Armijo line search works with plain gd (momentum=0)")
        from symgd.optim.momentum import heavy_ball
        return heavy_ball(lr, momentum, dampening, weight_decay, nesterov)
    if dampening:
        raise HyperParameterError("dampening only applies with momentum > 0")
    if linesearch in (None, False):
        return rule_optimizer(gd_rule(lr, weight_decay), {"lr": lr, "weight_decay": weight_decay})
    if linesearch not in (True, "armijo"):
        raise HyperParameterError(f"unknown line search {linesearch!r}; the one available is 'armijo'")
    if weight_decay:
        raise HyperParameterError("the Armijo line search does not take weight_decay")
    search = armijo(c, shrink, max_backtracks)

    def init(x: Any) -> OptState:
        return OptState(0, (arrays.full_like(lr, x[:, 0]),))

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        # warm start: one notch above the last accepted step, capped at lr (saves most backtracking)
        t0 = arrays.minimum(state.slots[0] / shrink, lr)
        new_x, t = search(problem, x, grad, -grad, t0, value)
        return new_x, OptState(state.step + 1, (t,))

    hyper = {"lr": lr, "linesearch": "armijo", "c": c, "shrink": shrink}
    return Optimizer("gd+armijo", init, update, hyper, None, frozenset({"value"}))


EPS = 2.0 ** -52


def armijo(c: float = 1e-4, shrink: float = 0.5, max_backtracks: int = 60):
    """A batched backtracking search: per start, the first t = t0 * shrink**k with
    f(x + t d) <= f(x) + c t g.d + 8 eps |f(x)| (and finite). ``search(problem, x, g, d, t0, value)`` returns the new
    x and the accepted t per start (0 where none was found: that start stays put)."""
    check_unit("c", c)
    check_unit("shrink", shrink)
    if c <= 0 or shrink <= 0:
        raise HyperParameterError("the Armijo constants c and shrink must be in (0, 1)")

    def search(problem: Any, x: Any, grad: Any, direction: Any, t0: Any, value: Any = None) -> Any:
        f0 = problem.value(x) if value is None else value
        slope = arrays.row_dots(grad, direction)
        # within a few ulps of f0 counts as no increase: near a minimum the true decrease is below
        # rounding and a strict test would shrink t to nothing (the approximate Armijo condition)
        slack = 8 * EPS * abs(f0)
        t = arrays.full_like(t0, f0)
        accepted = arrays.falses(f0)
        for _ in range(max_backtracks):
            trial = x + t[:, None] * direction
            f = problem.value(trial)
            ok = arrays.isfinite(f) & (f <= f0 + c * t * slope + slack)
            accepted = accepted | ok
            if bool(accepted.all()):
                break
            t = arrays.where(accepted, t, t * shrink)
        t = arrays.where(accepted, t, t * 0)
        return x + t[:, None] * direction, t

    return search
