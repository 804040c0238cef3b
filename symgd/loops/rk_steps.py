"""The Runge-Kutta loops of ``odeint``, written once: the forward steps and the reverse sweep through
the stages, over four operations (``Ops``) passed in, so the same code runs as Python over NumPy calls
or, where the field is a raw numba loop, compiled whole by numba (one call from Python per solve or
gradient instead of ~14 per step). Only the operations differ: ``combine`` here as NumPy calls or as one
scalar loop, and the field's ``f`` and ``vjp`` (``loops.ode_field``). The tableau comes scaled by the
step h (``hA = h·A`` strictly lower triangular, ``hb = h·b``) with ``terms`` (``stage_terms``); a zero
coefficient is skipped, never multiplied (a stage not yet computed holds garbage).
"""
from __future__ import annotations

import functools
import threading
from typing import Any, NamedTuple

import numpy as np


class Ops(NamedTuple):
    """``f(ctx, y, a, k, t, out)``: out = f(y + a·k) at t (a stage state formed inside the field's loop;
    out is neither y nor k). ``vjp(ctx, y, a, k, t, w, y_bar)``: y_bar = wᵀ∂f/∂y at y + a·k (zeros
    where f does not read y), wᵀ∂f/∂p summed into ctx's buffers. ``combine(out, x, beta, coefs, rows,
    tmp)``: out = beta·x + Σ_j coefs[j]·rows[j] (out may be x). ``finite(x)``: no entry of x is NaN or
    infinite. ``stages``: this module's ``stages`` (compiled with the rest on numba)."""

    f: Any
    vjp: Any
    combine: Any
    finite: Any
    stages: Any


def stage_terms(hA: np.ndarray) -> np.ndarray:
    """Per stage s, the j of its state y + hA[s, j]·k_j: -1 where row s of hA is zero (y itself), -2
    where it has several terms (formed into stage_y[s] by ``combine``). Every method in
    ``odeint.TABLEAUX`` has at most one."""
    out = np.full(len(hA), -1, dtype=np.int64)
    for s, row in enumerate(hA):
        nonzero = np.flatnonzero(row)
        out[s] = nonzero[0] if len(nonzero) == 1 else (-2 if len(nonzero) else -1)
    return out


def stages(ops: Ops, hA: np.ndarray, terms: np.ndarray, c: np.ndarray, y: np.ndarray, t: float, h: float,
           k: np.ndarray, stage_y: np.ndarray, tmp: np.ndarray, upto: int, ctx: Any) -> None:
    """k[s] = f(Y_s), Y_s = y + Σ_j hA[s, j]·k_j, for the stages s < ``upto`` (all of them, or all but
    the last in the reverse sweep: the last k reaches nothing). f reads y + a·k_j itself, one pass per
    stage; a row with several terms has Y_s formed into stage_y[s] first (every stage's, for the
    vector-Jacobian products). ``upto`` is a count, not a flag: numba would compile a literal True and
    a literal False apart."""
    for s in range(len(c)):
        wanted, j = s < upto, terms[s]
        if j == -2:
            ops.combine(stage_y[s], y, 1.0, hA[s], k, tmp)
            if wanted:
                ops.f(ctx, stage_y[s], 0.0, stage_y[s], t + c[s] * h, k[s])
        elif wanted:  # y + 0·y = y exactly where the row is zero (y is finite)
            ops.f(ctx, y, hA[s, j] if j >= 0 else 0.0, k[j] if j >= 0 else y, t + c[s] * h, k[s])


def integrate(ops: Ops, hA: np.ndarray, terms: np.ndarray, hb: np.ndarray, c: np.ndarray, ys: np.ndarray,
              t0: float, h: float, steps: int, work: tuple, ctx: Any) -> int:
    """Take ``steps`` steps from ys[0] (y0). With steps + 1 rows, ys[1:] receives the state after each
    step; with two, the steps alternate between them (y(t1) ends in ys[steps % 2], memory 2n: a step
    written over its own input defeats LLVM's alias check, and the step's sum ran 1.4x slower). Stops
    at, and returns, the first step whose state is not finite; else returns 0. ``work`` = (k, stage_y,
    tmp) (``buffers``)."""
    k, stage_y, tmp = work
    keep = len(ys) == steps + 1  # steps = 1: both readings are the same
    for step in range(steps):
        y, out = (ys[step], ys[step + 1]) if keep else (ys[step % 2], ys[(step + 1) % 2])
        ops.stages(ops, hA, terms, c, y, t0 + step * h, h, k, stage_y, tmp, len(c), ctx)
        ops.combine(out, y, 1.0, hb, k, tmp)
        if not ops.finite(out):
            return step + 1
    return 0


def adjoint(ops: Ops, hA: np.ndarray, terms: np.ndarray, hb: np.ndarray, c: np.ndarray, ys: np.ndarray,
            t0: float, h: float, lam: np.ndarray, work: tuple, ctx: Any) -> np.ndarray:
    """The cotangent of y0, from ``lam`` (the cotangent on the last state, overwritten); the parameters'
    gradients are summed into ctx; ``work`` = (k, stage_y, y_bar, k_bar, tmp, ones, hAT) (``buffers``). Per
    step, reverse through the stages: k̄_s = hb_s·λ + Σ_{r>s} hA_rs·Ȳ_r, Ȳ_s = k̄_sᵀ ∂f/∂y at Y_s, and
    λ ← λ + Σ_s Ȳ_s. hAT (hA's columns as contiguous rows: combine then takes one array layout only)
    comes in ``work``, made by NumPy: numba's ascontiguousarray of a transpose cost 0.06 s of compile."""
    k, stage_y, y_bar, k_bar, tmp, ones, hAT = work
    count = len(c)
    for step in range(len(ys) - 2, -1, -1):
        t = t0 + step * h
        ops.stages(ops, hA, terms, c, ys[step], t, h, k, stage_y, tmp, count - 1, ctx)
        for s in range(count - 1, -1, -1):
            used = hb[s] != 0.0
            for r in range(s + 1, count):
                used = used or hA[r, s] != 0.0
            if not used:  # k_s reaches nothing: Ȳ_s = 0
                y_bar[s] = 0.0
                continue
            ops.combine(k_bar, lam, hb[s], hAT[s], y_bar, tmp)
            j = terms[s]
            if j == -2:
                ops.vjp(ctx, stage_y[s], 0.0, stage_y[s], t + c[s] * h, k_bar, y_bar[s])
            else:
                ops.vjp(ctx, ys[step], hA[s, j] if j >= 0 else 0.0, k[j] if j >= 0 else ys[step], t + c[s] * h,
                        k_bar, y_bar[s])
        ops.combine(lam, lam, 1.0, ones, y_bar, tmp)
    return lam


def buffers(hA: np.ndarray, n: int, reverse: bool) -> tuple:
    """The work arrays of ``integrate`` (or of ``adjoint``, ``reverse``, with hA's transpose), made by
    NumPy outside numba (NumPy asks the kernel for huge pages for large arrays, numba's allocator does
    not: 4 kB page faults cost 5 ms per 8 MB here) and kept for this thread's next solve of the same
    size: fresh arrays page-fault on first touch, most of a one-step solve at n = 10^5 (as XLA reuses
    its buffers). One set per direction and thread, none over ``POOL_BYTES`` (a huge solve's arrays
    are not held after it): a solve is never inside another on one thread (the loops call no Python)."""
    count = len(hA)
    pool = _pool.__dict__.setdefault("sets", {})
    kept = pool.get(reverse)
    if kept is None or kept[0] != (count, n):
        k, stage_y, tmp = np.empty((count, n)), np.empty((count, n)), np.empty(n)
        work = (k, stage_y, np.empty((count, n)), np.empty(n), tmp, np.ones(count)) if reverse else (k, stage_y, tmp)
        kept = ((count, n), work)
        if sum(a.nbytes for a in work) <= POOL_BYTES:
            pool[reverse] = kept
        else:
            pool.pop(reverse, None)
    return (*kept[1], np.ascontiguousarray(hA.T)) if reverse else kept[1]


#: The largest set of work arrays a thread keeps between solves (the reverse set at n = 10^5, rk4: 11 MB).
POOL_BYTES = 64 << 20
_pool = threading.local()


def combine(out: np.ndarray, x: np.ndarray, beta: float, coefs: np.ndarray, rows: np.ndarray,
            tmp: np.ndarray) -> None:
    """out = beta·x + Σ_j coefs[j]·rows[j] as NumPy calls into ``tmp`` (a fresh array per call
    page-faults at large n)."""
    np.multiply(x, beta, out=out)
    for j in range(len(coefs)):
        if coefs[j]:
            np.multiply(rows[j], coefs[j], out=tmp)
            out += tmp


def finite(x: np.ndarray) -> bool:
    """No entry of x is NaN or infinite (one NumPy call)."""
    return bool(np.isfinite(x).all())


def _finite_loop(x):
    # x - x is 0 for a finite entry and NaN for NaN and ±inf; OR-ing the comparisons is an integer
    # reduction, so LLVM vectorises it without fastmath, unlike a float sum or a loop that breaks at
    # the first bad entry (9.0 µs at n = 10^5 here, against 83 µs for a float sum; a max over the
    # exponent bits ran as fast but its int64 view cost 0.2 s more of compile)
    bad = False
    for i in range(len(x)):
        bad |= (x[i] - x[i]) != 0.0
    return not bad


def _combine_loop(out, x, beta, coefs, rows, tmp):
    # the same sums in the same order as ``combine``, the first four terms in one pass over i (a loop
    # over the terms inside the loop over i does not vectorise: 5x slower at n = 10^5), the rest after;
    # the nonzero terms found by a scalar scan (numba's flatnonzero cost 0.3 s of compile per process)
    n, m, j0, j1, j2, j3 = len(out), 0, 0, 0, 0, 0
    for j in range(len(coefs)):
        if coefs[j] != 0.0:
            if m == 0:
                j0 = j
            elif m == 1:
                j1 = j
            elif m == 2:
                j2 = j
            elif m == 3:
                j3 = j
            m += 1
    a0, r0, a1, r1 = coefs[j0], rows[j0], coefs[j1], rows[j1]
    a2, r2, a3, r3 = coefs[j2], rows[j2], coefs[j3], rows[j3]
    if m == 0:
        for i in range(n):
            out[i] = beta * x[i]
    elif m == 1:
        for i in range(n):
            out[i] = beta * x[i] + a0 * r0[i]
    elif m == 2:
        for i in range(n):
            out[i] = beta * x[i] + a0 * r0[i] + a1 * r1[i]
    elif m == 3:
        for i in range(n):
            out[i] = beta * x[i] + a0 * r0[i] + a1 * r1[i] + a2 * r2[i]
    else:  # rk4's step (four terms) in one pass too; any further terms after
        for i in range(n):
            out[i] = beta * x[i] + a0 * r0[i] + a1 * r1[i] + a2 * r2[i] + a3 * r3[i]
        for j in range(j3 + 1, len(coefs)):
            if coefs[j] != 0.0:
                a, row = coefs[j], rows[j]
                for i in range(n):
                    out[i] += a * row[i]


@functools.cache
def compiled() -> tuple[Any, Any, Any, Any, Any]:
    """numba's ``integrate``, ``adjoint``, ``stages``, ``combine`` and ``finite`` (loops), compiled on
    first call (once per field: each field's ``f`` and ``vjp`` are part of the argument types)."""
    from symgd.codegen.runtime import require_numba
    njit = require_numba().njit(fastmath=False, error_model="numpy")
    return njit(integrate), njit(adjoint), njit(stages), njit(_combine_loop), njit(_finite_loop)
