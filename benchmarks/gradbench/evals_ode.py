"""ode: y' = f(y; x) from y(0) = 0 to t = 2 in s RK4 steps (evals/ode/README.md; cpp/gradbench/evals/ode.hpp
is the reference: f_0 = x_0, f_i = x_i·y_{i-1}).

The field is the symgd string ``ODE``; ``symgd.odeint`` integrates it and its gradient is the discrete
adjoint through the RK4 stages, each stage's vector-Jacobian product a symgd gradient of the field's
pairing Σ v_i·f_i (symgd/loops/ode_field.py): nothing here writes a derivative. ``define`` compiles the
field once (every n and s reuse it) and runs it on a tiny input (numba compiles the whole RK loop and
its reverse sweep around the field on the first solve and the first gradient).
"""
from __future__ import annotations

from typing import Any

import numpy as np

import symgd
from backend import Backend, to_list
from protocol import Eval, Function

#: y'_0 = x_0, y'_i = x_i·y_{i-1}: the where on the index is split off, so y[-1] is never read.
ODE = "where(i == 0, x[0], x[i]*y[i-1])"
T_SPAN = (0.0, 2.0)


def ode(backend: Backend) -> Eval:
    name = backend.pick("numba")
    if name not in ("numba", "numpy"):
        raise ValueError(f"symgd's odeint runs numba or numpy code, not {name}")
    holder: dict = {}

    def define() -> None:
        holder["field"] = symgd.ode_field(ODE, backend=name)
        symgd.odeint(holder["field"], np.zeros(3), T_SPAN, 2, params={"x": np.ones(3)}).grad(2)
        symgd.odeint(holder["field"], np.zeros(3), T_SPAN, 2, params={"x": np.ones(3)}, store_states=False)

    def pre(data: dict) -> tuple:
        x, s = np.asarray(data["x"], dtype=np.float64), data["s"]
        if x.ndim != 1 or not len(x) or not isinstance(s, int) or isinstance(s, bool) or s < 1:
            raise ValueError("ode takes x, a nonempty list of numbers, and s, a whole number >= 1")
        return x, s

    def solve(x: np.ndarray, s: int, store: bool) -> Any:
        return symgd.odeint(holder["field"], np.zeros(len(x)), T_SPAN, s, params={"x": x}, store_states=store)

    def primal(x: np.ndarray, s: int) -> np.ndarray:
        return solve(x, s, False).y  # y(2) only: the states after each step are kept for gradients

    def gradient(x: np.ndarray, s: int) -> np.ndarray:
        return solve(x, s, True).grad(len(x) - 1)["x"]

    return Eval({"primal": Function(pre, primal, to_list), "gradient": Function(pre, gradient, to_list)}, define,
                startup=backend.startup("numba"))
