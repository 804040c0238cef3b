"""An optimizer is an (init, update) pair with explicit, immutable state (optax's shape).

``init(x) -> OptState`` and ``update(grad, state, x, problem=None, value=None) -> (new_x, new_state)``:
nothing is changed in place, so a caller may keep any old state. ``problem`` (value/Hessian on arrays)
and ``value`` (f at x) serve the line search and Newton; the per-coordinate rules ignore them.
``updates(...) -> (updates, new_state)`` with ``apply_updates`` is optax's form of the same step.
Per-coordinate optimizers are written once as an ``ElementwiseRule`` chained from the transforms of
``transforms.py``; their array update is generated from it here (lambdify, cached per rule and array
library), and the fused loops in ``symgd.loops`` print the same rule into generated code.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from symgd.errors import HyperParameterError
from symgd.codegen.rule import ElementwiseRule, G, T, X
from symgd.optim import arrays


@dataclass(frozen=True)
class OptState:
    """The optimizer's state: steps taken so far, and one array per slot (same shape as x)."""

    step: int
    slots: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Optimizer:
    """An (init, update) pair; ``rule`` is the per-coordinate definition where there is one.

    ``needs`` names what ``update`` asks of the problem beyond the gradient: "value" (a line search)
    or "hessian" (Newton).
    """

    name: str
    init: Callable[[Any], OptState]
    update: Callable[..., tuple[Any, OptState]]
    hyper: Mapping[str, Any] = field(default_factory=dict)
    rule: ElementwiseRule | None = None
    needs: frozenset[str] = frozenset()

    def updates(self, grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None
                ) -> tuple[Any, OptState]:
        """optax's form: ``(updates, new_state)``, with ``apply_updates(x, updates)`` the new x (a rule's
        update term is generated on its own, not recovered as new_x - x)."""
        if self.rule is None:
            new_x, state = self.update(grad, state, x, problem, value)
            return new_x - x, state
        return _rule_step(self.rule, grad, state, x, updates=True)


def apply_updates(x: Any, updates: Any) -> Any:
    """``x + updates`` (optax's ``apply_updates``)."""
    return x + updates


# --- hyper-parameter checks (torch.optim's ranges, checked up front) ---------------------------

def check_positive(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and value > 0 and value == value):
        raise HyperParameterError(f"{name} must be a number greater than 0, got {value!r}")
    return float(value)


def check_nonnegative(name: str, value: float) -> float:
    if not (isinstance(value, (int, float)) and value >= 0):
        raise HyperParameterError(f"{name} must be a number of at least 0, got {value!r}")
    return float(value)


def check_unit(name: str, value: float, *, closed: bool = False) -> float:
    """A coefficient in [0, 1) (or [0, 1] when ``closed``)."""
    ok = isinstance(value, (int, float)) and 0 <= value and (value <= 1 if closed else value < 1)
    if not ok:
        raise HyperParameterError(f"{name} must be in [0, 1{']' if closed else ')'}, got {value!r}")
    return float(value)


def check_betas(betas: Any) -> tuple[float, float]:
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise HyperParameterError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return check_unit("betas[0]", betas[0]), check_unit("betas[1]", betas[1])


# --- the array path, generated from a rule -----------------------------------------------------

@functools.lru_cache(maxsize=64)
def _rule_functions(rule: ElementwiseRule, module: str, updates: bool = False) -> tuple[Callable, Callable]:
    """Two generated functions: slots' new values from (X, G, T, old slots); new X (or, with ``updates``,
    the update x_new - x, simplified symbolically) from the new slots."""
    slots = rule.slot_symbols()
    state_fn = sympy.lambdify((X, G, T, *slots), list(rule.state_update), modules=module, cse=True)
    x_fn = sympy.lambdify((X, G, T, *slots), rule.x_update - X if updates else rule.x_update, modules=module,
                          cse=True)
    return state_fn, x_fn


def _rule_step(rule: ElementwiseRule, grad: Any, state: OptState, x: Any, updates: bool = False
               ) -> tuple[Any, OptState]:
    """One step of ``rule`` on arrays: the new x (or the updates) and the new state."""
    module = "torch" if arrays.is_torch(x) else "numpy"
    state_fn, x_fn = _rule_functions(rule, module, updates)
    t = arrays.step_number(state.step + 1, x)
    slots = tuple(arrays.full_like(s, x) for s in state_fn(x, grad, t, *state.slots)) if rule.slots else ()
    new_x = arrays.full_like(x_fn(x, grad, t, *slots), x)
    return new_x, OptState(state.step + 1, tuple(arrays.frozen(s) for s in slots))


def rule_optimizer(rule: ElementwiseRule, hyper: Mapping[str, Any]) -> Optimizer:
    """The (init, update) pair that applies ``rule`` to every coordinate of NumPy arrays or tensors."""

    def init(x: Any) -> OptState:
        return OptState(0, tuple(arrays.frozen(arrays.full_like(v, x)) for v in rule.init))

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None
               ) -> tuple[Any, OptState]:
        return _rule_step(rule, grad, state, x)

    return Optimizer(rule.name, init, update, dict(hyper), rule)
