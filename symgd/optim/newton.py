"""Newton's method with the exact symbolic Hessian, made safe where the Hessian is not positive definite.

Direction d = -V diag(1/|lam|~) V^T g from the eigendecomposition H = V diag(lam) V^T, with each |lam|
floored at ``damping * max(1, max |lam|)``: on a positive definite Hessian this is the exact Newton step;
at a saddle or a maximum it still points downhill (d.g < 0), scaled by the curvature's magnitude, which
a plain Levenberg shift H + mu I cannot do without choosing mu. By default each step is then
backtracked from ``lr`` (1.0) with the Armijo rule.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symgd.optim import arrays
from symgd.optim.base import HyperParameterError, Optimizer, OptState, check_positive
from symgd.optim.gd import armijo


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


def newton(lr: float = 1.0, damping: float = 1e-8, linesearch: str | bool | None = "armijo", c: float = 1e-4,
           shrink: float = 0.5, max_backtracks: int = 60) -> Optimizer:
    """Newton's method (exact Hessian, eigenvalue-floored), Armijo-backtracked from ``lr`` by default."""
    lr = check_positive("lr", lr)
    damping = check_positive("damping", damping)
    if linesearch not in (None, False, True, "armijo"):
        raise HyperParameterError(f"unknown line search {linesearch!r}; use 'armijo' (True) or None")
    search = armijo(c, shrink, max_backtracks) if linesearch else None

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        if problem is None:
            raise HyperParameterError("newton needs the problem's Hessian: call it through minimize")
        direction = newton_direction(problem.hessian(x), grad, damping)
        new_x = search(problem, x, grad, direction, lr, value)[0] if search else x + lr * direction
        return new_x, OptState(state.step + 1)

    hyper = {"lr": lr, "damping": damping, "linesearch": "armijo" if linesearch else None}
    needs = frozenset({"hessian", "value"} if search else {"hessian"})
    return Optimizer("newton", lambda x: OptState(0), update, hyper, None, needs)
