"""The Runge-Kutta loops of ``odeint``, written once: the forward steps and the reverse sweep through
the stages, over four operations (``Ops``) passed in, so the same code runs as Python over NumPy calls
or, where the field is a raw numba loop, compiled whole by numba (one call from Python per solve or
gradient instead of ~14 per step). Only the operations differ: ``combine`` here as NumPy calls or as one
scalar loop, and the field's ``f`` and ``vjp`` (``loops.ode_field``). The tableau comes scaled by the
step h (``hA = h·A`` strictly lower triangular, ``hb = h·b``); a zero coefficient is skipped, never
multiplied (a stage not yet computed holds garbage).
"""
from __future__ import annotations

import functools
from typing import Any, NamedTuple

import numpy as np


class Ops(NamedTuple):
    """``f(ctx, y, t, out)``: out = f(y) at t. ``vjp(ctx, y, t, w, y_bar)``: y_bar = wᵀ∂f/∂y (zeros
    where f does not read y), wᵀ∂f/∂p summed into ctx's buffers. ``combine(out, x, beta, coefs, rows,
    tmp)``: out = beta·x + Σ_j coefs[j]·rows[j]. ``stages``: this module's ``stages`` (compiled with
    the rest on numba)."""

    f: Any
    vjp: Any
    combine: Any
    stages: Any


def stages(ops: Ops, hA: np.ndarray, c: np.ndarray, y: np.ndarray, t: float, h: float, k: np.ndarray,
           stage_y: np.ndarray, tmp: np.ndarray, last: bool, ctx: Any) -> None:
    """k[s] = f(Y_s) for every stage (the last only when ``last``), Y_s = y + Σ_j hA[s, j]·k_j into
    stage_y[s]."""
    count = len(c)
    for s in range(count):
        ops.combine(stage_y[s], y, 1.0, hA[s], k, tmp)
        if last or s < count - 1:
            ops.f(ctx, stage_y[s], t + c[s] * h, k[s])


def integrate(ops: Ops, hA: np.ndarray, hb: np.ndarray, c: np.ndarray, ys: np.ndarray, t0: float, h: float,
              work: tuple, ctx: Any) -> np.ndarray:
    """Fill ys[1:] (ys[0] holds y0) with the states after each step and return ys; ``work`` = (k,
    stage_y, tmp) (``buffers``)."""
    k, stage_y, tmp = work
    for step in range(len(ys) - 1):
        ops.stages(ops, hA, c, ys[step], t0 + step * h, h, k, stage_y, tmp, True, ctx)
        ops.combine(ys[step + 1], ys[step], 1.0, hb, k, tmp)
    return ys


def adjoint(ops: Ops, hA: np.ndarray, hb: np.ndarray, c: np.ndarray, ys: np.ndarray, t0: float, h: float,
            lam: np.ndarray, work: tuple, ctx: Any) -> np.ndarray:
    """The cotangent of y0, from ``lam`` (the cotangent on the last state, overwritten); the parameters'
    gradients are summed into ctx; ``work`` = (k, stage_y, y_bar, k_bar, tmp, ones) (``buffers``). Per
    step, reverse through the stages: k̄_s = hb_s·λ + Σ_{r>s} hA_rs·Ȳ_r, Ȳ_s = k̄_sᵀ ∂f/∂y at Y_s, and
    λ ← λ + Σ_s Ȳ_s."""
    k, stage_y, y_bar, k_bar, tmp, ones = work
    count = len(c)
    for step in range(len(ys) - 2, -1, -1):
        t = t0 + step * h
        ops.stages(ops, hA, c, ys[step], t, h, k, stage_y, tmp, False, ctx)
        for s in range(count - 1, -1, -1):
            used = hb[s] != 0.0
            for r in range(s + 1, count):
                used = used or hA[r, s] != 0.0
            if not used:  # k_s reaches nothing: Ȳ_s = 0
                y_bar[s] = 0.0
                continue
            ops.combine(k_bar, lam, hb[s], hA[:, s], y_bar, tmp)
            ops.vjp(ctx, stage_y[s], t + c[s] * h, k_bar, y_bar[s])
        ops.combine(lam, lam, 1.0, ones, y_bar, tmp)
    return lam


def buffers(count: int, n: int, reverse: bool) -> tuple:
    """The work arrays of ``integrate`` (or of ``adjoint``, ``reverse``), made by NumPy outside numba:
    NumPy asks the kernel for huge pages for large arrays, numba's allocator does not (4 kB page faults
    cost 5 ms per 8 MB here)."""
    k, stage_y, tmp = np.empty((count, n)), np.empty((count, n)), np.empty(n)
    return (k, stage_y, np.empty((count, n)), np.empty(n), tmp, np.ones(count)) if reverse else (k, stage_y, tmp)


def combine(out: np.ndarray, x: np.ndarray, beta: float, coefs: np.ndarray, rows: np.ndarray,
            tmp: np.ndarray) -> None:
    """out = beta·x + Σ_j coefs[j]·rows[j] as NumPy calls into ``tmp`` (a fresh array per call
    page-faults at large n)."""
    np.multiply(x, beta, out=out)
    for j in range(len(coefs)):
        if coefs[j]:
            np.multiply(rows[j], coefs[j], out=tmp)
            out += tmp


def _combine_loop(out, x, beta, coefs, rows, tmp):
    # the same sums in the same order as ``combine``, the first three terms in one pass over i (a loop
    # over the terms inside the loop over i does not vectorise: 5x slower at n = 10^5), the rest after
    n, terms = len(out), np.flatnonzero(coefs)
    m = len(terms)
    if m == 0:
        for i in range(n):
            out[i] = beta * x[i]
    elif m == 1:
        a0, r0 = coefs[terms[0]], rows[terms[0]]
        for i in range(n):
            out[i] = beta * x[i] + a0 * r0[i]
    elif m == 2:
        a0, r0, a1, r1 = coefs[terms[0]], rows[terms[0]], coefs[terms[1]], rows[terms[1]]
        for i in range(n):
            out[i] = beta * x[i] + a0 * r0[i] + a1 * r1[i]
    else:
        a0, r0, a1, r1 = coefs[terms[0]], rows[terms[0]], coefs[terms[1]], rows[terms[1]]
        a2, r2 = coefs[terms[2]], rows[terms[2]]
        for i in range(n):
            out[i] = beta * x[i] + a0 * r0[i] + a1 * r1[i] + a2 * r2[i]
        for j in terms[3:]:
            a, row = coefs[j], rows[j]
            for i in range(n):
                out[i] += a * row[i]


#: The Python loops: NumPy calls per stage (fields that are not raw numba loops).
PYTHON = (integrate, adjoint)


@functools.cache
def compiled() -> tuple[Any, Any, Any, Any]:
    """numba's ``integrate``, ``adjoint``, ``stages`` and ``combine`` (a loop), compiled on first call
    (once per field: each field's ``f`` and ``vjp`` are part of the argument types)."""
    from symgd.codegen.runtime import require_numba
    njit = require_numba().njit(fastmath=False, error_model="numpy")
    return njit(integrate), njit(adjoint), njit(stages), njit(_combine_loop)
