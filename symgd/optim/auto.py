"""Choices a careful user would make: the method for ``optimizer="auto"``, and a learning rate derived from
the problem when none is given.

- ``auto``: projected L-BFGS (``lbfgsb``) when bounds are given; Newton (through the registry: exact
  Hessian, H5's trust region once it lands) for small problems (at most ``NEWTON_MAX`` variables);
  L-BFGS for larger ones.
- ``lr`` for the first-order methods when not given: within a box bounded on every side, 1% of its
  narrowest width for the methods whose step is about ``lr`` per coordinate (Adam, AdamW, RMSprop,
  Adagrad: they normalise the gradient), and ``1/L`` (L: the largest |eigenvalue| of the exact Hessian
  at the starts) for gd/momentum/nesterov (where L is 0 or not finite, the rate whose first step moves
  1% of the box); without bounds ``1/L`` for gd/momentum/nesterov where the default 0.01 is above
  ``2/L`` (it would diverge), and the optimizer's default otherwise.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from symgd.optim.bounds import Box

#: Variables up to which ``auto`` picks Newton (its Hessian is n² symbolic entries).
NEWTON_MAX = 20
#: The first-order methods whose step is about lr per coordinate, and those whose step is lr * gradient.
NORMALISED = ("adam", "adamw", "rmsprop", "adagrad")
PLAIN = ("gd", "sgd", "momentum", "nesterov")
#: The share of the box's narrowest width a derived learning rate moves per step.
BOX_SHARE = 0.01
#: Starts whose Hessian is evaluated for the curvature L (the largest L is used).
CURVATURE_STARTS = 8


@dataclass(frozen=True)
class LearningRate:
    """A derived learning rate and why it was chosen (for the result's message)."""

    lr: float
    reason: str


def choose_method(n: int, box: Box | None) -> str:
    """The optimizer ``auto`` stands for, for ``n`` variables and the bounds ``box``."""
    if box is not None:
        return "lbfgsb"
    return "newton" if n <= NEWTON_MAX else "lbfgs"


def _curvature(hessian: sympy.Matrix, variables: Sequence[sympy.Symbol], starts: np.ndarray) -> float | None:
    """The largest |eigenvalue| of the Hessian over (a few of) the starts; None where it is not finite."""
    fn = sympy.lambdify(variables, hessian, modules="numpy")
    worst = None
    n = len(variables)
    for x in starts[:CURVATURE_STARTS]:
        with np.errstate(all="ignore"):
            h = np.asarray(fn(*x), dtype=float).reshape(n, n)
        if not np.isfinite(h).all():
            continue
        lam = float(np.abs(np.linalg.eigvalsh((h + h.T) / 2)).max())
        worst = lam if worst is None else max(worst, lam)
    return worst if worst else None


def derive_lr(name: str, default: float, hessian: Any, variables: Sequence[sympy.Symbol], starts: np.ndarray,
              grad_norm: Any, box: Box | None) -> LearningRate | None:
    """The learning rate for optimizer ``name`` when the caller gave none, or None to keep ``default``.
    ``hessian()`` builds the exact Hessian and ``grad_norm()`` the largest gradient norm at the starts
    (each only called where it is needed)."""
    width = float(box.widths().min()) if box is not None else np.inf
    bounded = np.isfinite(width)
    if name in NORMALISED:
        if bounded:
            return LearningRate(BOX_SHARE * width, f"1% of the narrowest box width {width:g}")
        return None
    if name not in PLAIN or len(variables) > 40:
        return None
    try:
        curvature = _curvature(hessian(), variables, starts)
    except (TypeError, ValueError, ArithmeticError):  # a Hessian NumPy cannot evaluate: keep the default
        curvature = None
    if curvature is not None and (bounded or default > 2.0 / curvature):
        why = f" (the default {default:g} would diverge)" if default > 2.0 / curvature else ""
        return LearningRate(1.0 / curvature, f"1/L, L = {curvature:.3g} the largest Hessian eigenvalue at the "
                                             f"start{why}")
    norm = grad_norm() if bounded and curvature is None else np.nan
    if norm > 0 and np.isfinite(norm):  # no curvature to go by: the first step moves 1% of the box
        return LearningRate(BOX_SHARE * width / norm, f"the first step moves 1% of the narrowest box width {width:g}")
    return None


def advice(status: str, name: str, lr: float | None) -> str:
    """What to try after a first-order run that diverged, ran out of steps or stalled."""
    rate = f" (it was {lr:g})" if lr else ""
    if status == "diverged":
        return f" Try a smaller lr{rate}, bounds, or optimizer='auto' (a line search needs no lr)."
    if status in ("budget", "stalled"):
        return (f" Try more steps, a larger lr{rate}, or optimizer='auto' (L-BFGS/Newton take curvature into "
                f"account).")
    return ""
