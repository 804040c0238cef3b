"""Adagrad as in torch.optim.Adagrad: s <- s + g^2; x <- x - lr/(1+(t-1) lr_decay) * g/(sqrt(s)+eps)."""
from __future__ import annotations

import sympy

from symgd.codegen.rule import ElementwiseRule, G, T, X
from symgd.optim.base import Optimizer, check_nonnegative, check_positive, num, rule_optimizer


def adagrad_rule(lr: float, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> ElementwiseRule:
    """One slot, the running sum of squared gradients ``s``."""
    grad = G + num(weight_decay) * X if weight_decay else G
    s = sympy.Symbol("s", real=True)
    clr = num(lr) / (1 + (T - 1) * num(lr_decay)) if lr_decay else num(lr)
    x_new = X - clr * grad / (sympy.sqrt(s) + num(eps))
    return ElementwiseRule("adagrad", ("s",), (float(initial_accumulator_value),), (s + grad**2,), x_new)


def adagrad(lr: float = 0.01, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> Optimizer:
    """Adagrad with torch.optim.Adagrad's hyper-parameters and defaults."""
    hyper = {"lr": check_positive("lr", lr), "lr_decay": check_nonnegative("lr_decay", lr_decay),
             "weight_decay": check_nonnegative("weight_decay", weight_decay),
             "initial_accumulator_value": check_nonnegative("initial_accumulator_value",
                                                            initial_accumulator_value),
             "eps": check_nonnegative("eps", eps)}
    return rule_optimizer(adagrad_rule(**hyper), hyper)
