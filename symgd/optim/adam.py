"""Adam and AdamW as in torch.optim.Adam / AdamW (with optional AMSGrad).

m <- m + (1-b1)(g - m);  v <- b2 v + (1-b2) g^2;  (amsgrad: w <- max(w, v), used in place of v)
x <- x' - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps), where Adam adds weight_decay * x to g (L2)
and AdamW instead decays x' = x (1 - lr weight_decay) (decoupled).
"""
from __future__ import annotations

from symgd.codegen.rule import ElementwiseRule
from symgd.optim.base import Optimizer, check_betas, check_nonnegative, check_positive, rule_optimizer
from symgd.optim.transforms import add_decayed_weights, chain, scale, scale_by_adam


def adam_rule(lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
              weight_decay: float = 0.0, amsgrad: bool = False, decoupled: bool = False) -> ElementwiseRule:
    """Slots ``m``, ``v`` (and ``w``, the running maximum of ``v``, with AMSGrad)."""
    decay, adam_scaling = add_decayed_weights(weight_decay), scale_by_adam(*betas, eps, amsgrad)
    links = (adam_scaling, decay) if decoupled else (decay, adam_scaling)
    return chain(*links, scale(-lr), name="adamw" if decoupled else "adam")


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
