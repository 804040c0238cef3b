"""What ``minimize`` decides before it descends: the box the descent stays in, the start moved into it,
the method ``optimizer="auto"`` stands for, and a learning rate derived from the problem when none is
given (the choices themselves are ``symgd.optim.auto``'s). Each decision leaves a note for the result.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from symgd.errors import VariableError
from symgd.optim import auto
from symgd.optim.base import Optimizer
from symgd.optim.bounds import Box
from symgd.optim.lbfgsb import lbfgsb
from symgd.optim.messages import point_text
from symgd.optim.problem import hessian_matrix
from symgd.optim.registry import get_optimizer, hyper_parameters

#: Methods whose own line search or trust region does not know a box (bounded problems use lbfgsb).
UNBOXED = ("newton", "bfgs", "lbfgs")


@dataclass(frozen=True)
class Plan:
    """The optimizer to run, the learning rate it was given (None: it takes none) and the notes."""

    optimizer: Optimizer
    lr: float | None
    notes: tuple[str, ...]


def default_method(lr: float | None, hyper: Mapping[str, Any], vector: bool = False) -> str:
    """The optimizer ``minimize`` runs when none is named: "auto", the method a careful user would pick,
    or "gd" when a learning rate or hyper-parameters are given (they set a first-order method, as they
    set torch.optim.SGD) and for vector variables (whose loops run per-coordinate rules only)."""
    return "gd" if vector or lr is not None or hyper else "auto"


def provisional(optimizer: str | Optimizer) -> Optimizer:
    """The optimizer as far as its memory goes, before the starts are drawn (auto: the largest state,
    a method without a per-coordinate rule); an unknown name is refused here."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if not isinstance(optimizer, str):
        raise VariableError(f"optimizer must be a name or an Optimizer, got {type(optimizer).__name__}")
    return get_optimizer("lbfgs" if optimizer == "auto" else optimizer)


def project_starts(box: Box | None, x_start: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """The starts moved into ``box``, and a note when one was outside it."""
    if box is None or not box.outside(x_start).any():
        return x_start, ()
    inside = box.project(x_start)
    if len(x_start) == 1:
        return inside, (f"the start {point_text(names, x_start[0])} is outside the box; it starts at "
                        f"{point_text(names, inside[0])}, its projection",)
    return inside, (f"{int(box.outside(x_start).sum())} starts outside the box start at their projections",)


def _method(optimizer: str, n: int, box: Box | None) -> tuple[str, tuple[str, ...]]:
    if optimizer != "auto":
        if box is not None and optimizer in UNBOXED:
            raise VariableError(f"optimizer {optimizer!r} cannot keep to bounds (its steps do not know the box)",
                                hint="use optimizer 'lbfgsb' (bounded L-BFGS) or 'auto'")
        return optimizer, ()
    name = auto.choose_method(n, box)
    why = ("bounds are given" if box is not None else
           f"{n} variable{'s' * (n != 1)}: {'at most' if name == 'newton' else 'more than'} {auto.NEWTON_MAX}")
    return name, (f"optimizer auto chose {name} ({why})",)


def _derived_lr(name: str, expr: sympy.Expr, variables: Sequence[sympy.Symbol], starts: np.ndarray,
                box: Box | None) -> auto.LearningRate | None:
    default = hyper_parameters(name).get("lr")
    if not isinstance(default, float):
        return None
    hessian = lambda: hessian_matrix(expr, tuple(variables))  # noqa: E731 (built only where needed)
    return auto.derive_lr(name, default, hessian, variables, starts, lambda: _grad_norm(expr, variables, starts),
                          box)


def _grad_norm(expr: sympy.Expr, variables: Sequence[sympy.Symbol], starts: np.ndarray) -> float:
    grad = sympy.lambdify(variables, [sympy.diff(expr, v) for v in variables], modules="numpy")
    with np.errstate(all="ignore"):
        norms = [np.linalg.norm(np.asarray(grad(*x), dtype=float)) for x in starts[:auto.CURVATURE_STARTS]]
    finite = [v for v in norms if np.isfinite(v)]
    return max(finite) if finite else float("nan")


def plan(optimizer: str | Optimizer, lr: float | None, hyper: Mapping[str, Any], expr: sympy.Expr,
         variables: Sequence[sympy.Symbol], starts: np.ndarray, box: Box | None) -> Plan:
    """The optimizer ``minimize`` runs: ``auto`` resolved, ``lbfgsb`` given the box, and for a first-order
    method without ``lr`` the rate ``auto.derive_lr`` finds (None there: the optimizer's default)."""
    if isinstance(optimizer, Optimizer):
        if lr is not None or hyper:
            raise VariableError("pass hyper-parameters to get_optimizer, not to minimize, with an Optimizer")
        return Plan(optimizer, optimizer.hyper.get("lr") if optimizer.rule is not None else None, ())
    if not isinstance(optimizer, str):
        raise VariableError(f"optimizer must be a name or an Optimizer, got {type(optimizer).__name__}")
    name, notes = _method(optimizer, len(variables), box)
    hyper = dict(hyper) if lr is None else {"lr": lr, **hyper}
    if name == "lbfgsb":
        get_optimizer(name, **hyper)  # the registry checks the hyper-parameters' names
        lower, upper = (None, None) if box is None else (box.lo, box.hi)
        return Plan(lbfgsb(lower, upper, **hyper), None, tuple(notes))
    if lr is None and name in auto.NORMALISED + auto.PLAIN:
        derived = _derived_lr(name, expr, variables, starts, box)
        if derived is not None:
            hyper["lr"] = derived.lr
            notes += (f"lr = {derived.lr:.3g}: {derived.reason}",)
    opt = get_optimizer(name, **hyper)
    return Plan(opt, opt.hyper.get("lr") if opt.rule is not None else None, tuple(notes))
