"""Newton's method with the exact symbolic Hessian: a trust region by default, a line search on request.

The default (``linesearch=None``) is trust-region Newton (``symgd.optim.trust_region``): each step
minimises the quadratic model within a radius that adapts to how well the model predicted f, so badly
scaled problems (Brown's, Powell's) take full Newton steps and saddles are left along negative
curvature. Its stopping is scale-invariant: a start stops ("stalled", with its own message) once no step
of relative size above ``xtol`` lowers f, or the model's predicted decrease is below f's rounding error,
i.e. where float64 cannot do better, instead of chasing a gradient tolerance it cannot reach.

With ``linesearch="armijo"`` (the earlier method): direction d = -V diag(1/|lam|~) V^T g from the
eigendecomposition H = V diag(lam) V^T, with each |lam| floored at ``damping * max(1, max |lam|)``: on a
positive definite Hessian this is the exact Newton step; at a saddle or a maximum it still points downhill
(d.g < 0), scaled by the curvature's magnitude. Each step is then backtracked from ``lr`` (1.0) with the
Armijo rule.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symgd.optim import arrays
from symgd.optim.base import HyperParameterError, Optimizer, OptState, check_positive
from symgd.optim.gd import armijo
from symgd.optim.trust_region import Settings, trust_step


def newton_direction(hess: Any, grad: Any, damping: float) -> Any:
    """The modified Newton direction for each start: ``hess`` is ``(starts, n, n)``, ``grad`` ``(starts, n)``."""
    if arrays.is_torch(hess):
        import torch
        ok = torch.isfinite(hess).all(dim=(1, 2))
        eye = torch.eye(hess.shape[-1], dtype=hess.dtype, device=hess.device).expand_as(hess)
        lam, vec = torch.linalg.eigh(torch.where(ok[:, None, None], hess, eye))
        scale = damping * torch.clamp(lam.abs().amax(dim=1, keepdim=True), min=1.0)
        lam = torch.maximum(lam.abs(), scale)
    else:
        ok = np.isfinite(hess).all(axis=(1, 2))
        lam, vec = np.linalg.eigh(np.where(ok[:, None, None], hess, np.eye(hess.shape[-1])))
        scale = damping * np.maximum(np.abs(lam).max(axis=1, keepdims=True), 1.0)
        lam = np.maximum(np.abs(lam), scale)
    coef = (vec.swapaxes(-1, -2) @ grad[..., None])[..., 0] / lam
    return -(vec @ coef[..., None])[..., 0]


def newton(lr: float = 1.0, damping: float | None = None, linesearch: str | bool | None = None,
           c: float | None = None, shrink: float | None = None, max_backtracks: int | None = None,
           radius: float | None = None, xtol: float | None = None) -> Optimizer:
    """Newton's method with the exact Hessian: trust region (``radius``: the first one, default
    max(1, ‖x0‖); ``xtol``: the relative step below which a start stops, default 1e-15) unless
    ``linesearch="armijo"`` asks for the eigenvalue-floored (``damping``, 1e-8) direction backtracked from
    ``lr`` (Armijo ``c`` 1e-4, ``shrink`` 0.5, ``max_backtracks`` 60). An option of the other variant is
    refused rather than ignored."""
    lr = check_positive("lr", lr)
    if linesearch not in (None, False, True, "armijo"):
        raise HyperParameterError(f"unknown line search {linesearch!r}; use 'armijo' (True) or None")
    searching = {"damping": damping, "c": c, "shrink": shrink, "max_backtracks": max_backtracks}
    trusting = {"radius": radius, "xtol": xtol}
    given = [k for k, v in (trusting if linesearch else searching).items() if v is not None]
    if not linesearch and lr != 1.0:
        given.insert(0, "lr")
    if given:
        what, hint = (("the trust region (the default)", "leave linesearch out for the trust region") if linesearch
                      else ("the Armijo line search (linesearch='armijo')",
                            "pass linesearch='armijo' (--linesearch) for the line-search variant"))
        raise HyperParameterError(f"newton's {', '.join(given)} belong{'s' * (len(given) == 1)} to {what}",
                                  hint=hint)
    if not linesearch:
        return trust_newton(radius, 1e-15 if xtol is None else xtol)
    damping = check_positive("damping", 1e-8 if damping is None else damping)
    search = armijo(1e-4 if c is None else c, 0.5 if shrink is None else shrink,
                    60 if max_backtracks is None else max_backtracks)

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        if problem is None:
            raise HyperParameterError("newton needs the problem's Hessian: call it through minimize")
        direction = newton_direction(problem.hessian(x), grad, damping)
        new_x = search(problem, x, grad, direction, lr, value)[0] if search else x + lr * direction
        return new_x, OptState(state.step + 1)

    hyper = {"lr": lr, "damping": damping, "linesearch": "armijo"}
    return Optimizer("newton", lambda x: OptState(0), update, hyper, None, frozenset({"hessian", "value"}))


def trust_newton(radius: float | None = None, xtol: float = 1e-15) -> Optimizer:
    """Trust-region Newton (``symgd.optim.trust_region``); its state is each start's radius."""
    if radius is not None:
        radius = check_positive("radius", radius)
    settings = Settings(xtol=check_positive("xtol", xtol))

    def init(x: Any) -> OptState:
        rows = arrays.to_numpy(x)
        start = radius if radius is not None else np.maximum(1.0, np.sqrt((rows * rows).sum(axis=1)))
        return OptState(0, (arrays.like(np.broadcast_to(start, rows.shape[:1]).copy(), x[:, 0]),))

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        if problem is None or value is None:
            raise HyperParameterError("newton needs the problem's Hessian and values: call it through minimize")
        x_np, g = arrays.to_numpy(x), arrays.to_numpy(grad)
        hess = arrays.to_numpy(problem.hessian(x))
        new_x, new_radius = trust_step(problem, x_np, arrays.to_numpy(value), g, hess,
                                       arrays.to_numpy(state.slots[0]), settings, like=x)
        return arrays.like(new_x, x), OptState(state.step + 1, (arrays.like(new_radius, x[:, 0]),))

    hyper = {"lr": 1.0, "radius": radius, "xtol": settings.xtol, "linesearch": None}
    return Optimizer("newton", init, update, hyper, None, frozenset({"hessian", "value"}))
