"""Adagrad as in torch.optim.Adagrad: s <- s + g^2; x <- x - lr/(1+(t-1) lr_decay) * g/(sqrt(s)+eps)."""
from __future__ import annotations

from symgd.codegen.rule import ElementwiseRule
from symgd.optim.base import Optimizer, check_nonnegative, check_positive, rule_optimizer
from symgd.optim.transforms import add_decayed_weights, chain, scale, scale_by_adagrad


def adagrad_rule(lr: float, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> ElementwiseRule:
    """One slot, the running sum of squared gradients ``s``."""
    return chain(add_decayed_weights(weight_decay), scale_by_adagrad(initial_accumulator_value, eps, lr_decay),
                 scale(-lr), name="adagrad")


def adagrad(lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> Optimizer:
    """Adagrad with torch.optim.Adagrad's hyper-parameters and defaults."""
    hyper = {"lr": check_positive("lr", lr), "lr_decay": check_nonnegative("lr_decay", lr_decay),
             "weight_decay": check_nonnegative("weight_decay", weight_decay),
             "initial_accumulator_value": check_nonnegative("initial_accumulator_value",
                                                            initial_accumulator_value),
             "eps": check_nonnegative("eps", eps)}
    return rule_optimizer(adagrad_rule(**hyper), hyper)
