"""torch.optim.SGD with momentum: the heavy ball, and Nesterov's variant.

torch's form (not the textbook "v = mu v - lr g"): b <- mu b + (1 - dampening) g, with b = g on the
first step; heavy ball takes x <- x - lr b, Nesterov x <- x - lr (g + mu b).
"""
from __future__ import annotations

import sympy

from symgd.codegen.rule import ElementwiseRule, G, T, X
from symgd.optim.base import (HyperParameterError, Optimizer, check_nonnegative, check_positive, check_unit,
                              num, rule_optimizer)


def momentum_rule(lr: float, momentum: float, dampening: float = 0.0, weight_decay: float = 0.0,
                  nesterov: bool = False) -> ElementwiseRule:
    """The per-coordinate update with one slot, the momentum buffer ``b``."""
    grad = G + num(weight_decay) * X if weight_decay else G
    b = sympy.Symbol("b", real=True)
    new_b = num(momentum) * b + num(1 - dampening) * grad
    if dampening:  # torch starts the buffer at the first gradient itself, undamped
        new_b = sympy.Piecewise((grad, sympy.Eq(T, 1)), (new_b, True))
    step = grad + num(momentum) * b if nesterov else b
    name = "nesterov" if nesterov else "momentum"
    return ElementwiseRule(name, ("b",), (0.0,), (new_b,), X - num(lr) * step)


def heavy_ball(lr: float = 0.01, momentum: float = 0.9, dampening: float = 0.0, weight_decay: float = 0.0,
               nesterov: bool = False) -> Optimizer:
    """SGD with (heavy-ball) momentum, hyper-parameters as in torch.optim.SGD."""
    lr = check_positive("lr", lr)
    check_unit("momentum", momentum)
    check_unit("dampening", dampening, closed=True)
    check_nonnegative("weight_decay", weight_decay)
    if momentum == 0:
        raise HyperParameterError("momentum must be greater than 0 for the momentum optimizers")
    if nesterov and dampening:
        raise HyperParameterError("Nesterov momentum requires dampening = 0 (as in torch.optim.SGD)")
    hyper = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
             "nesterov": nesterov}
    return rule_optimizer(momentum_rule(lr, momentum, dampening, weight_decay, nesterov), hyper)


def nesterov(lr: float = 0.01, momentum: float = 0.9, dampening: float = 0.0,
             weight_decay: float = 0.0) -> Optimizer:
    """SGD with Nesterov momentum (torch.optim.SGD(nesterov=True))."""
    return heavy_ball(lr, momentum, dampening, weight_decay, nesterov=True)
