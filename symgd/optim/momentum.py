"""torch.optim.SGD with momentum: the heavy ball, and Nesterov's variant.

torch's form (not the textbook "v = mu v - lr g"): b <- mu b + (1 - dampening) g, with b = g on the
first step; heavy ball takes x <- x - lr b, Nesterov x <- x - lr (g + mu b).
"""
from __future__ import annotations

from symgd.codegen.rule import ElementwiseRule
from symgd.optim.base import (HyperParameterError, Optimizer, check_nonnegative, check_positive, check_unit,
                              rule_optimizer)
from symgd.optim.transforms import add_decayed_weights, chain, scale, trace


def momentum_rule(lr: float, momentum: float, dampening: float = 0.0, weight_decay: float = 0.0,
                  nesterov: bool = False) -> ElementwiseRule:
    """The per-coordinate update with one slot, the momentum buffer ``b``."""
    return chain(add_decayed_weights(weight_decay), trace(momentum, dampening, nesterov), scale(-lr),
                 name="nesterov" if nesterov else "momentum")


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
