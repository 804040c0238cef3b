"""ElementwiseRule: one optimizer step for one coordinate, written as sympy expressions.

The optimizers in ``symgd.optim`` define their per-coordinate update once, as a rule; the array path
(NumPy/torch) and the fused loops generated in ``symgd.loops`` both print code from that one
definition, so the two can never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

#: The coordinate being updated, its gradient, and the 1-based step number.
X, G, T = sympy.symbols("x g t", real=True)


@dataclass(frozen=True)
class ElementwiseRule:
    """An optimizer update, per coordinate.

    ``slots`` name the per-coordinate state (``Symbol(slot)`` stands for its old value), ``init`` their
    starting values. ``state_update`` gives each slot's new value from the old slots, X, G and T (all
    evaluated simultaneously); ``x_update`` gives the new coordinate from X, G, T and the *new* slot
    values. Hyper-parameters are baked in as numbers.
    """

    name: str
    slots: tuple[str, ...]
    init: tuple[float, ...]
    state_update: tuple[sympy.Expr, ...]
    x_update: sympy.Expr

    def slot_symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(s, real=True) for s in self.slots)
