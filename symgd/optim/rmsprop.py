"""RMSprop as in torch.optim.RMSprop (optionally centered, optionally with momentum).

v <- alpha v + (1-alpha) g^2;  centered: m <- m + (1-alpha)(g - m), avg = sqrt(v - m^2) + eps, else
avg = sqrt(v) + eps;  with momentum: b <- mu b + g/avg, x <- x - lr b;  else x <- x - lr g/avg.
"""
from __future__ import annotations

from symgd.codegen.rule import ElementwiseRule
from symgd.optim.base import Optimizer, check_nonnegative, check_positive, check_unit, rule_optimizer
from symgd.optim.transforms import add_decayed_weights, chain, scale, scale_by_rms, trace


def rmsprop_rule(lr: float, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False) -> ElementwiseRule:
    """Slots: ``v`` (square average), ``m`` (gradient average, centered only), ``b`` (momentum only)."""
    links = [add_decayed_weights(weight_decay), scale_by_rms(alpha, eps, centered)]
    if momentum > 0:
        links.append(trace(momentum))
    return chain(*links, scale(-lr), name="rmsprop")


def rmsprop(lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False) -> Optimizer:
    """RMSprop with torch.optim.RMSprop's hyper-parameters and defaults."""
    hyper = {"lr": check_positive("lr", lr), "alpha": check_unit("alpha", alpha, closed=True),
             "eps": check_nonnegative("eps", eps),
             "weight_decay": check_nonnegative("weight_decay", weight_decay),
             "momentum": check_unit("momentum", momentum), "centered": bool(centered)}
    return rule_optimizer(rmsprop_rule(**hyper), hyper)
