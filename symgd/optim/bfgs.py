"""BFGS: the inverse-Hessian update of scipy.optimize.minimize(method="BFGS"), step by step.

Each start keeps its inverse-Hessian estimate ``H`` (identity at first) and the value before its last
step. A step searches along ``p = -H g`` with the Moré–Thuente strong-Wolfe search
(``symgd.optim.linesearch``) from scipy's first trial ``min(1, 2.02 (f - f_prev)/g.p)`` (``f_prev =
f + |g|/2`` before the first step), then updates ``H`` with ``s = x_new - x`` and ``y = g_new - g``.
The same arithmetic as scipy's, so the iterates agree to rounding (tests/test_quasi_newton.py). Where
scipy falls back to its second line search, this start stops moving instead ("stalled").

>>> from symgd.optim.minimize import minimize
>>> r = minimize("(x-1)^2 + 10*(y-x^2)^2", {"x": -1, "y": 2}, optimizer="bfgs", steps=200)
>>> round(r.x["x"], 6), round(r.x["y"], 6), r.status
(1.0, 1.0, 'gradient')
"""
from __future__ import annotations

from typing import Any

import numpy as np

from symgd.optim.base import HyperParameterError, Optimizer, OptState, check_unit
from symgd.optim.linesearch import dcsrch


def check_wolfe(c1: float, c2: float) -> tuple[float, float]:
    """The Wolfe constants, 0 < c1 < c2 < 1 (scipy's and Nocedal & Wright's condition)."""
    check_unit("c1", c1)
    check_unit("c2", c2)
    if not 0 < c1 < c2:
        raise HyperParameterError(f"the Wolfe constants must satisfy 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    return float(c1), float(c2)


def numpy_rows(x: Any, name: str) -> np.ndarray:
    """``x`` as a NumPy array: the quasi-Newton methods search one start at a time on the host."""
    if not isinstance(x, np.ndarray):
        raise HyperParameterError(f"{name} runs on NumPy arrays; use backend='numpy' or 'auto'")
    return x


def line_function(problem: Any, x: np.ndarray, direction: np.ndarray, seen: dict):
    """phi(t) = (f(x + t d), f'(x + t d).d) on the compiled value and gradient; ``seen["g"]`` keeps the
    gradient of the last trial (the new gradient when the search ends there)."""
    def phi(t: float) -> tuple[float, float]:
        with np.errstate(all="ignore"):
            value, grad = problem.value_and_grad((x + t * direction)[None, :])
        seen["g"] = np.asarray(grad[0], dtype=float)
        return float(value[0]), float(seen["g"] @ direction)
    return phi


def _bfgs_row(problem, x, g, f0, H, old_old, c1, c2):
    """One scipy BFGS iteration for one start: (new x, new H, f at the old x), or None (no step)."""
    p = -(H @ g)
    slope = float(g @ p)
    if not (np.isfinite(slope) and slope < 0):
        return None
    old_old = f0 + np.linalg.norm(g) / 2 if np.isnan(old_old) else old_old
    alpha1 = min(1.0, 1.01 * 2 * (f0 - old_old) / slope)
    alpha1 = 1.0 if alpha1 < 0 else alpha1
    seen: dict = {}
    stp, _, _, task = dcsrch(line_function(problem, x, p, seen), f0, slope, alpha1, ftol=c1, gtol=c2,
                             xtol=1e-14, stpmin=1e-100, stpmax=1e100)
    if stp is None or task != "CONVERGENCE":
        return None
    s, y = stp * p, seen["g"] - g
    sy = float(y @ s)
    rho = 1000.0 if sy == 0.0 else 1.0 / sy  # scipy's guard
    eye = np.eye(len(x))
    a1, a2 = eye - s[:, None] * y[None, :] * rho, eye - y[:, None] * s[None, :] * rho
    return x + s, a1 @ (H @ a2) + rho * s[:, None] * s[None, :], f0


def bfgs(c1: float = 1e-4, c2: float = 0.9) -> Optimizer:
    """BFGS with scipy's strong-Wolfe line search (``c1``, ``c2`` as in scipy.optimize.minimize)."""
    c1, c2 = check_wolfe(c1, c2)

    def init(x: Any) -> OptState:
        rows, n = numpy_rows(x, "bfgs").shape
        return OptState(0, (np.broadcast_to(np.eye(n), (rows, n, n)).copy(), np.full(rows, np.nan)))

    def update(grad: Any, state: OptState, x: Any, problem: Any = None, value: Any = None):
        if problem is None or value is None:
            raise HyperParameterError("bfgs needs the problem's values: call it through minimize")
        H, old_old = (a.copy() for a in state.slots)
        new_x = numpy_rows(x, "bfgs").copy()
        for i in range(len(x)):
            step = _bfgs_row(problem, x[i], np.asarray(grad[i]), float(value[i]), H[i], old_old[i], c1, c2)
            if step is not None:
                new_x[i], H[i], old_old[i] = step
        return new_x, OptState(state.step + 1, (H, old_old))

    return Optimizer("bfgs", init, update, {"c1": c1, "c2": c2}, None, frozenset({"value"}))
