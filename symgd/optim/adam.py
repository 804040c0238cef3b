"""Adam and AdamW as in torch.optim.Adam / AdamW (with optional AMSGrad).

m <- m + (1-b1)(g - m);  v <- b2 v + (1-b2) g^2;  (amsgrad: w <- max(w, v), used in place of v)
x <- x' - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps), where Adam adds weight_decay * x to g (L2)
and AdamW instead decays x' = x (1 - lr weight_decay) (decoupled).
"""
from __future__ import annotations

import sympy

from symgd.codegen.rule import ElementwiseRule, G, T, X
from symgd.optim.base import (Optimizer, check_betas, check_nonnegative, check_positive, num,
                              rule_optimizer)


def adam_rule(lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
              weight_decay: float = 0.0, amsgrad: bool = False, decoupled: bool = False) -> ElementwiseRule:
    """Slots ``m``, ``v`` (and ``w``, the running maximum of ``v``, with AMSGrad)."""
    b1, b2 = betas
    m, v, w = sympy.symbols("m v w", real=True)
    grad = G + num(weight_decay) * X if weight_decay and not decoupled else G
    new_m = m + num(1 - b1) * (grad - m)
    new_v = num(b2) * v + num(1 - b2) * grad**2
    slots, updates = ["m", "v"], [new_m, new_v]
    if amsgrad:
        slots.append("w")
        updates.append(sympy.Max(w, new_v))
    x0 = X * num(1 - lr * weight_decay) if decoupled and weight_decay else X
    second = w if amsgrad else v
    denom = sympy.sqrt(second) / sympy.sqrt(1 - num(b2) ** T) + num(eps)
    x_new = x0 - num(lr) / (1 - num(b1) ** T) * m / denom
    name = "adamw" if decoupled else "adam"
    return ElementwiseRule(name, tuple(slots), (0.0,) * len(slots), tuple(updates), x_new)


def _hyper(lr: float, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool) -> dict:
    return {"lr": check_positive("lr", lr), "betas": check_betas(betas), "eps": check_nonnegative("eps", eps),
            "weight_decay": check_nonnegative("weight_decay", weight_decay), "amsgrad": bool(amsgrad)}


def adam(lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False) -> Optimizer:
    """Adam with torch.optim.Adam's hyper-parameters and defaults (weight decay as an L2 term)."""
    hyper = _hyper(lr, betas, eps, weight_decay, amsgrad)
    return rule_optimizer(adam_rule(**hyper), hyper)


def adamw(lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 0.01, amsgrad: bool = False) -> Optimizer:
    """AdamW with torch.optim.AdamW's hyper-parameters and defaults (decoupled weight decay)."""
    hyper = _hyper(lr, betas, eps, weight_decay, amsgrad)
    return rule_optimizer(adam_rule(**hyper, decoupled=True), hyper)
