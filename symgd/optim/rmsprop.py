"""RMSprop as in torch.optim.RMSprop (optionally centered, optionally with momentum).

v <- alpha v + (1-alpha) g^2;  centered: m <- m + (1-alpha)(g - m), avg = sqrt(v - m^2) + eps, else
avg = sqrt(v) + eps;  with momentum: b <- mu b + g/avg, x <- x - lr b;  else x <- x - lr g/avg.
"""
from __future__ import annotations

import sympy

from symgd.codegen.rule import ElementwiseRule, G, X
from symgd.optim.base import (Optimizer, check_nonnegative, check_positive, check_unit, num,
                              rule_optimizer)


def rmsprop_rule(lr: float, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False) -> ElementwiseRule:
    """Slots: ``v`` (square average), ``m`` (gradient average, centered only), ``b`` (momentum only)."""
    grad = G + num(weight_decay) * X if weight_decay else G
    v, m, b = sympy.symbols("v m b", real=True)
    new_v = num(alpha) * v + num(1 - alpha) * grad**2
    new_m = m + num(1 - alpha) * (grad - m)
    slots, updates = ["v"], [new_v]
    if centered:
        slots.append("m")
        updates.append(new_m)
    # avg from old slots (for the buffer's update) and from new slots (for x's update)
    avg_old = sympy.sqrt(new_v - new_m**2 if centered else new_v) + num(eps)
    avg_new = sympy.sqrt(v - m**2 if centered else v) + num(eps)
    if momentum > 0:
        slots.append("b")
        updates.append(num(momentum) * b + grad / avg_old)
        x_new = X - num(lr) * b
    else:
        x_new = X - num(lr) * grad / avg_new
    return ElementwiseRule("rmsprop", tuple(slots), (0.0,) * len(slots), tuple(updates), x_new)


def rmsprop(lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False) -> Optimizer:
    """RMSprop with torch.optim.RMSprop's hyper-parameters and defaults."""
    hyper = {"lr": check_positive("lr", lr), "alpha": check_unit("alpha", alpha, closed=True),
             "eps": check_nonnegative("eps", eps),
             "weight_decay": check_nonnegative("weight_decay", weight_decay),
             "momentum": check_unit("momentum", momentum), "centered": bool(centered)}
    return rule_optimizer(rmsprop_rule(**hyper), hyper)
