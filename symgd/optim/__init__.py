"""Stage 4: optimizers as (init, update) pairs with explicit state, ``minimize``, and multi-start.

>>> from symgd.optim import get_optimizer
>>> opt = get_optimizer("adam", lr=0.1)
>>> opt.name, opt.rule.slots
('adam', ('m', 'v'))
"""
from __future__ import annotations

from symgd.optim.base import HyperParameterError, Optimizer, OptState, apply_updates
from symgd.optim.registry import OPTIMIZERS, get_optimizer

__all__ = ["HyperParameterError", "OPTIMIZERS", "OptState", "Optimizer", "apply_updates", "get_optimizer"]
