"""Explicit Runge-Kutta solutions of y' = f(y, p) and their exact gradients (the discrete adjoint).

``odeint`` runs one loop for every method: a method is its Butcher tableau (``TABLEAUX``, data). The
gradient is "discretise then differentiate": the reverse sweep runs back through the stages of each
step, so ``OdeSolution.vjp`` is the exact gradient of the computed solution (as diffrax's and
torchdiffeq's non-adjoint modes give), not of the true ODE's. The forward loop stores the state after
every step ((steps + 1)·n numbers; or, with ``store_states=False``, alternates between two states and
keeps y(t1) only); the reverse step recomputes that step's stages from it (one field call per stage
but the last), which keeps the memory at one state per step rather than one per stage.
The loops are ``rk_steps``: one numba call per solve or gradient where the field is a raw numba loop,
Python over NumPy calls otherwise (``OdeSolution.loop`` says which).
"""
from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field as dataclass_field
from typing import Any, NamedTuple

import numpy as np
import sympy

from symgd.errors import DivergenceError, HyperParameterError, VariableError
from symgd.loops import rk_steps
from symgd.loops.ode_field import BoundField, OdeField, compile_field
from symgd.parse import budget


class Tableau(NamedTuple):
    """An explicit Runge-Kutta method: stage i reads y + h·Σ_j a[i][j]·k_j (j < i) at t + c[i]·h, and
    the step is y + h·Σ b[i]·k_i."""

    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    c: tuple[float, ...]


TABLEAUX = {
    "euler": Tableau(((),), (1.0,), (0.0,)),
    "midpoint": Tableau(((), (0.5,)), (0.0, 1.0), (0.0, 0.5)),
    "heun": Tableau(((), (1.0,)), (0.5, 0.5), (0.0, 1.0)),
    "ralston": Tableau(((), (2 / 3,)), (0.25, 0.75), (0.0, 2 / 3)),
    "rk3": Tableau(((), (0.5,), (-1.0, 2.0)), (1 / 6, 2 / 3, 1 / 6), (0.0, 0.5, 1.0)),  # Kutta's third order
    "ssprk3": Tableau(((), (1.0,), (0.25, 0.25)), (1 / 6, 1 / 6, 2 / 3), (0.0, 1.0, 0.5)),  # Shu-Osher
    "rk4": Tableau(((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6), (0.0, 0.5, 0.5, 1.0)),
}


def _scaled(tab: Tableau, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(h·A as a square array, its ``rk_steps.stage_terms``, h·b, c): the tableau as ``rk_steps``
    reads it."""
    count = len(tab.b)
    hA = np.zeros((count, count))
    for s, row in enumerate(tab.a):
        for j, a in enumerate(row):
            hA[s, j] = h * a
    return hA, rk_steps.stage_terms(hA), np.array([h * b for b in tab.b]), np.array(tab.c, dtype=np.float64)


def integrate(tab: Tableau, bound: BoundField, y0: np.ndarray, t0: float, h: float, steps: int,
              store: bool) -> np.ndarray:
    """The states after each step, (steps + 1, n) starting with y0, or where not ``store`` y(t1) alone,
    (1, n): one numba call where the field is a raw numba loop (``bound.fast``), else Python over NumPy
    calls; the same loop either way, checking each step's state for NaN and infinity."""
    ys = np.empty((steps + 1 if store else 2, len(y0)))
    ys[0] = y0
    run = rk_steps.compiled()[0] if bound.fast else rk_steps.integrate
    scaled = _scaled(tab, h)
    bad = run(bound.ops, *scaled, ys, float(t0), float(h), steps, rk_steps.buffers(scaled[0], len(y0), False),
              bound.ctx)
    if bad:
        raise DivergenceError(f"the solution left the finite numbers at step {bad} of {steps} "
                              f"(t = {t0 + bad * h:g})", hint="take more steps or a shorter t_span")
    return ys if store else ys[steps % 2:steps % 2 + 1]  # the two rows alternated (``rk_steps.integrate``)


def adjoint(tab: Tableau, bound: BoundField, ys: np.ndarray, t0: float, h: float, cotangent: np.ndarray) -> np.ndarray:
    """The cotangent of y0 for ``cotangent`` on the last state (``rk_steps.adjoint``); the parameters'
    gradients are summed into ``bound`` from zero."""
    bound.reset()
    run = rk_steps.compiled()[1] if bound.fast else rk_steps.adjoint
    scaled = _scaled(tab, h)
    work = rk_steps.buffers(scaled[0], ys.shape[1], True)
    return run(bound.ops, *scaled, ys, float(t0), float(h), cotangent.copy(), work, bound.ctx)


@dataclass(frozen=True)
class OdeSolution:
    """y(t1) (``y``) of an ``odeint`` run, the states after each step (``ys``; None where the run did
    not store them), and its exact gradients: ``vjp(cotangent)`` of <cotangent, y(t1)>,
    ``grad(component)`` of one component."""

    y: np.ndarray
    t: float
    steps: int
    method: str
    loop: str  # "numba": each solve and gradient one compiled call; "python": NumPy calls per stage
    ys: np.ndarray | None = dataclass_field(repr=False)
    _run: tuple = dataclass_field(repr=False, compare=False)  # (tableau, bound field, t0, h, y0, ys or None)

    def vjp(self, cotangent: Any) -> dict[str, Any]:
        """The gradient of <cotangent, y(t1)> with respect to every parameter (arrays of their shape,
        floats for scalars) and to y0 (under the state's name). Where the states were not stored, this
        solves again from y0, storing them for this call only (the same numbers: the same loop)."""
        tab, bound, t0, h, y0, ys = self._run
        w = _vector(cotangent, "the cotangent")
        if len(w) != len(self.y):
            raise VariableError(f"the cotangent has {len(w)} entries; the state has {len(self.y)}")
        if ys is None:
            _check_memory(self.steps, len(y0), len(tab.b), True)
            ys = integrate(tab, bound, y0, t0, h, self.steps, True)
        y0_bar = adjoint(tab, bound, ys, t0, h, w)
        return {**bound.gradients(), bound.field.state: y0_bar}

    def grad(self, component: int) -> dict[str, Any]:
        """``vjp`` for the one-hot cotangent of y(t1)[component] (negative counts from the end)."""
        n = len(self.y)
        if isinstance(component, bool) or not isinstance(component, (int, np.integer)) or not -n <= component < n:
            raise VariableError(f"component {component!r} is not a whole number from {-n} to {n - 1}")
        w = np.zeros(n)
        w[component] = 1.0
        return self.vjp(w)


def _vector(value: Any, what: str) -> np.ndarray:
    try:
        x = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise VariableError(f"{what} must be real numbers: {exc}") from None
    if x.ndim != 1 or not len(x) or not np.isfinite(x).all():
        raise VariableError(f"{what} must be a nonempty 1-D array of finite numbers (shape {x.shape})")
    return x


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise HyperParameterError(f"steps must be a whole number >= 1, got {steps!r}")
    return operator.index(steps)


def _check_memory(steps: int, n: int, stages: int, store: bool) -> None:
    """Refuse (BudgetError) a run whose arrays (stored states and stage buffers) pass the budget."""
    rows = (steps + 1 if store else 2) + 3 * stages + 3  # the reverse sweep's buffers (``rk_steps.buffers``)
    budget.check_memory(rows * n * budget.FLOAT_BYTES, f"steps={budget.format_count(steps)} with a state of {n}",
                        "for the stored states" if store else "for the stages")


def _check_span(t_span: Any) -> tuple[float, float]:
    try:
        t0, t1 = (float(v) for v in t_span)
    except (TypeError, ValueError) as exc:
        raise HyperParameterError(f"t_span must be two numbers (t0, t1): {exc}") from None
    if not (math.isfinite(t0) and math.isfinite(t1)):
        raise HyperParameterError(f"t_span must be finite, got ({t0}, {t1})")
    return t0, t1


def _check_params(field: OdeField, params: Mapping[str, Any] | None) -> dict[str, Any]:
    params = dict(params or {})
    missing = [p for p in field.params if p not in params]
    extra = [p for p in params if p not in field.params]
    if missing or extra:
        raise VariableError(f"the field's parameters are {', '.join(field.params) or 'none'}; "
                            + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(map(str, extra))}"))
    out = {}
    for name, value in params.items():
        try:
            a = np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise VariableError(f"parameter {name} must be real numbers: {exc}") from None
        want = field.arrays.get(name, 0)
        if a.ndim != want or not np.isfinite(a).all() or (want and not a.size):
            kind = f"a nonempty {want}-D array" if want else "a number"
            raise VariableError(f"parameter {name} must be {kind} of finite values (shape {a.shape})")
        out[name] = np.ascontiguousarray(a) if want else float(a)
    return out


def odeint(field: str | sympy.Expr | OdeField, y0: Any, t_span: tuple[float, float], steps: int, *,
           params: Mapping[str, Any] | None = None, state: str = "y", index: str = "i",
           method: str = "rk4", backend: str = "auto", store_states: bool = True) -> OdeSolution:
    """Solve y'[i] = field from t_span[0] to t_span[1] in ``steps`` equal steps of ``method`` (rk4,
    euler, midpoint, heun, ralston, rk3, ssprk3); returns an ``OdeSolution`` carrying the exact
    discrete gradients.
    ``field`` reads the state ``y[...]``, its length ``n``, the time ``t`` and ``params``; a field
    compiled once by ``compile_field`` may be passed instead of the string (no recompilation).
    ``store_states=False`` keeps only y(t1) (memory 2n instead of (steps + 1)·n): for a solution whose
    gradient is not needed; a gradient asked of it solves again, storing them.

    >>> import symgd
    >>> sol = symgd.odeint("-k*y[i]", [1.0, 2.0], (0, 1), 20, params={"k": 0.5})
    >>> sol.y.round(6).tolist(), round(sol.grad(0)["k"], 6)
    ([0.606531, 1.213061], -0.606531)
    """
    if method not in TABLEAUX:
        raise HyperParameterError(f"unknown method {method!r}; choose one of {', '.join(TABLEAUX)}")
    tab = TABLEAUX[method]
    if not isinstance(store_states, (bool, np.bool_)):
        raise HyperParameterError(f"store_states must be True or False, got {store_states!r}")
    y0 = _vector(y0, "y0")
    steps = _check_steps(steps)
    _check_memory(steps, len(y0), len(tab.b), bool(store_states))
    t0, t1 = _check_span(t_span)
    if not isinstance(field, OdeField):
        names = set(params or ())
        field = compile_field(field, state, index, time=None if "t" in names else "t", backend=backend)
    bound = BoundField(field, len(y0), _check_params(field, params))
    h = (t1 - t0) / steps
    ys = integrate(tab, bound, y0, t0, h, steps, bool(store_states))
    public = ys.view()  # read-only to the caller; the adjoint reads ys itself (numba compiles once per flag)
    public.setflags(write=False)
    return OdeSolution(public[-1], t1, steps, method, "numba" if bound.fast else "python",
                       public if store_states else None, (tab, bound, t0, h, y0, ys if store_states else None))
