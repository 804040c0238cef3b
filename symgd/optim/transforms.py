"""Symbolic gradient transforms that chain into one ``ElementwiseRule`` (optax's design, per coordinate).

A ``Transform`` maps the incoming update ``G`` (the gradient, for the first link) to an outgoing one,
with its own slots; ``chain`` composes links by substitution, so an optimizer is written as a chain
(``add_decayed_weights``, ``trace``, ``scale_by_adam``, ``scale(-lr)``...) and still prints as one
rule, ``x <- x + update``, into the Python, numba and torch loops. Weight decay is written once, here.

>>> from symgd.optim.transforms import chain, scale, trace
>>> chain(trace(0.9), scale(-0.1), name="momentum").x_update
-0.1*b + x
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from symgd.codegen.rule import ElementwiseRule, G, T, X
from symgd.errors import HyperParameterError


@dataclass(frozen=True)
class Transform:
    """One link of a chain, per coordinate. ``state_update`` gives the slots' new values from the old
    slots, G, X and T (evaluated simultaneously); ``update`` the outgoing update from G, X, T and the
    *new* slot values (``ElementwiseRule``'s convention)."""

    slots: tuple[str, ...] = ()
    init: tuple[float, ...] = ()
    state_update: tuple[sympy.Expr, ...] = ()
    update: sympy.Expr = G


def num(value: float) -> sympy.Float:
    """A hyper-parameter baked into a rule at full double precision."""
    return sympy.Float(float(value))


def chain(*links: Transform, name: str) -> ElementwiseRule:
    """The rule ``x <- x + u`` where ``u`` is the links applied in order, each one's output taking the
    next one's G; slots are concatenated (their names must differ)."""
    update, slots, init, state = G, (), (), ()
    new_values: dict[sympy.Symbol, sympy.Expr] = {}  # each slot's new value, in old slots
    for link in links:
        # a link's state update sees the incoming update written in old slots (all evaluated at once)
        incoming = update.xreplace(new_values)
        fresh = tuple(e.xreplace({G: incoming}) for e in link.state_update)
        new_values.update(zip(_symbols(link.slots), fresh))
        update = link.update.xreplace({G: update})
        slots, init, state = slots + link.slots, init + link.init, state + fresh
    if len(set(slots)) != len(slots):
        raise HyperParameterError(f"chained transforms share a slot name: {', '.join(slots)}")
    return ElementwiseRule(name, slots, init, state, X + update)


def as_transform(rule: ElementwiseRule) -> Transform:
    """A finished rule as one link (its update ``x_update - x``), so links can be chained before it."""
    return Transform(rule.slots, rule.init, rule.state_update, rule.x_update - X)


def scaled_gradient(rule: ElementwiseRule, factor: float) -> ElementwiseRule:
    """``rule`` fed the gradient times ``factor``: ``chain(scale(factor), rule)`` (``fit`` descends on a
    mean loss through a loop that sums)."""
    if factor == 1.0:
        return rule
    return chain(scale(factor), as_transform(rule), name=f"{rule.name}*{factor!r}")


def _symbols(names: tuple[str, ...]) -> tuple[sympy.Symbol, ...]:
    return tuple(sympy.Symbol(s, real=True) for s in names)


def scale(factor: float) -> Transform:
    """u <- factor * u (``scale(-lr)`` ends a descent chain)."""
    return Transform(update=num(factor) * G)


def add_decayed_weights(weight_decay: float) -> Transform:
    """u <- u + weight_decay * x: torch's L2 weight decay before the other links, AdamW's decoupled
    decay after them. The one place weight decay is written."""
    return Transform(update=G + num(weight_decay) * X) if weight_decay else Transform()


def trace(momentum: float, dampening: float = 0.0, nesterov: bool = False, slot: str = "b") -> Transform:
    """torch.optim.SGD's momentum buffer: b <- mu b + (1 - dampening) u (b = u on the first step when
    damped), then u <- b, or u + mu b for Nesterov."""
    b = sympy.Symbol(slot, real=True)
    new_b = num(momentum) * b + G
    if dampening:  # torch starts the buffer at the first update itself, undamped
        new_b = sympy.Piecewise((G, sympy.Eq(T, 1)), (num(momentum) * b + num(1 - dampening) * G, True))
    out = G + num(momentum) * b if nesterov else b
    return Transform((slot,), (0.0,), (new_b,), out)


def scale_by_rms(alpha: float, eps: float, centered: bool = False) -> Transform:
    """torch.optim.RMSprop's scaling: v <- alpha v + (1-alpha) u^2 (centered: m <- m + (1-alpha)(u - m)),
    u <- u / (sqrt(v [- m^2]) + eps)."""
    v, m = sympy.symbols("v m", real=True)
    state = [num(alpha) * v + num(1 - alpha) * G**2]
    if centered:
        state.append(m + num(1 - alpha) * (G - m))
    avg = sympy.sqrt(v - m**2 if centered else v) + num(eps)
    slots = ("v", "m") if centered else ("v",)
    return Transform(slots, (0.0,) * len(slots), tuple(state), G / avg)


def scale_by_adagrad(initial_accumulator_value: float, eps: float, lr_decay: float = 0.0) -> Transform:
    """torch.optim.Adagrad's scaling: s <- s + u^2, u <- u / (sqrt(s) + eps) / (1 + (t-1) lr_decay)."""
    s = sympy.Symbol("s", real=True)
    out = G / (sympy.sqrt(s) + num(eps))
    if lr_decay:
        out = out / (1 + (T - 1) * num(lr_decay))
    return Transform(("s",), (float(initial_accumulator_value),), (s + G**2,), out)


def scale_by_adam(b1: float, b2: float, eps: float, amsgrad: bool = False) -> Transform:
    """torch.optim.Adam's scaling: m <- m + (1-b1)(u - m), v <- b2 v + (1-b2) u^2 (AMSGrad: w <- max(w, v),
    used in place of v), u <- m/(1-b1^t) / (sqrt(v)/sqrt(1-b2^t) + eps)."""
    m, v, w = sympy.symbols("m v w", real=True)
    new_v = num(b2) * v + num(1 - b2) * G**2
    state = (m + num(1 - b1) * (G - m), new_v) + ((sympy.Max(w, new_v),) if amsgrad else ())
    denom = sympy.sqrt(w if amsgrad else v) / sympy.sqrt(1 - num(b2) ** T) + num(eps)
    out = m / (1 - num(b1) ** T) / denom
    slots = ("m", "v", "w") if amsgrad else ("m", "v")
    return Transform(slots, (0.0,) * len(slots), state, out)
