"""Full-batch descent on bound data as ONE numba-compiled function.

Every step runs the per-sample loop of ``bound_numba`` (Σe and Σ∂e/∂θ in scalars), then the
optimizer's ``ElementwiseRule`` printed per coordinate (the same lines the fused scalar loops use, with
its state slots as scalar locals); the stopping test (``loops.outcome``'s rule, written by
``fused.check_block``) runs every ``check_every`` steps and history rows go
into a preallocated array. θ, the gradient and the slots live in scalar locals: a step allocates
nothing. Semantics are those of ``fused_data_minimize``'s NumPy loop: values are the summed loss, and
status "diverged" returns the last finite iterate that was checked.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from symgd.errors import CompileError
from symgd.codegen import runtime
from symgd.codegen.data import BoundData, DataProgram
from symgd.codegen.cache import LruCache
from symgd.codegen.sample_loop import SampleLoop, bound_arrays, jit_source, sample_loop
from symgd.loops.fused import check_block, rule_lines
from symgd.loops.outcome import CODES, Outcome
from symgd.codegen.rule import ElementwiseRule


def loop_source(loop: SampleLoop, rule: ElementwiseRule) -> str:
    """Source of ``_loop(_theta, _last, _hist, _steps, _tol2, _check, _rec, _N, columns...)`` around the
    per-sample ``loop`` (built with an indent of 8 spaces).

    Runs descent from ``_theta``; writes the last checked finite iterate into ``_last`` and history rows
    (step, value, grad norm, θ...) into ``_hist``; returns (k, status code, its step, value, grad norm²,
    rows written)."""
    ind = "    "
    p = loop.p
    xs = [f"_x{j}" for j in range(p)]
    # the per-coordinate rule lines of the fused scalar loops (same names: _g{j}, _s{slot}_{j}, _t)
    step_lines, coord_lines, _ = rule_lines(rule, xs, runtime.printer("python"))
    slots = [f"_s{j}_{i} = {float(init)!r}" for j, init in enumerate(rule.init) for i in range(p)]
    gn2 = " + ".join(f"_g{j}*_g{j}" for j in range(p)) or "0.0"
    finite = " and ".join(["math.isfinite(_gn2)", "math.isfinite(_acc)", *(f"math.isfinite({x})" for x in xs)])
    args = ", ".join(["_theta", "_last", "_hist", "_steps", "_tol2", "_check", "_rec", "_N", *loop.args])
    src = [f"def _loop({args}):", *(f"{ind}{x} = _theta[{j}]" for j, x in enumerate(xs)),
           *(ind + s for s in slots),
           f"{ind}_k = 0", f"{ind}_rows = 0", f"{ind}_status = 2", f"{ind}_lk = 0",
           f"{ind}_lval = math.nan", f"{ind}_lgn2 = math.nan",
           f"{ind}while True:", *loop.lines,
           f"{ind*2}if _k % _check == 0 or _k == _steps or (_rec > 0 and _k % _rec == 0):",
           *(ind * 3 + c for c in check_block(xs, gn2, finite, [*(f"_last[{j}] = {x}" for j, x in enumerate(xs)),
                                                                "_lval = _acc"], "_acc", "_hist", "_rec", "_tol2")),
           f"{ind*2}if _k >= _steps:", f"{ind*3}break",
           f"{ind*2}_k += 1", f"{ind*2}_t = float(_k)",
           *(ind * 2 + line for line in step_lines + coord_lines),
           f"{ind}return _k, _status, _lk, _lval, _lgn2, _rows"]
    return "\n".join(src) + "\n"


#: (expression, parameters, data, rule) -> (source, jitted ``_loop``, columns read), bounded
_COMPILED = LruCache(64)


def compiled_loop(program: DataProgram, rule: ElementwiseRule) -> tuple[str, Callable, tuple[int, ...]]:
    """(source, jitted ``_loop``, the columns it reads) for ``program`` and ``rule``, cached (one numba
    compile per pair)."""
    def make():
        loop = sample_loop(program, " " * 8)
        source = loop_source(loop, rule)
        return source, jit_source(source, "_loop"), loop.columns
    return _COMPILED.get((program.expr, program.params, program.data, rule), make)


def numba_data_minimize(bound: BoundData, rule: ElementwiseRule, theta0, steps: int, tol: float = 0.0,
                        check_every: int = 10, record_every: int = 0) -> Outcome:
    """Full-batch descent of Σ_i e_i(θ) on ``bound`` with ``rule`` in one numba-compiled loop; the
    result and its history carry the summed loss (as ``fused_data_minimize``)."""
    if check_every < 1:
        raise CompileError("check_every must be at least 1")
    p = len(bound.program.params)
    theta = np.array(theta0, dtype=np.float64).reshape(-1)
    if theta.shape != (p,):
        raise CompileError(f"theta0 has {theta.size} values for {p} parameters")
    _, loop, columns = compiled_loop(bound.program, rule)
    record_every = max(int(record_every), 0)
    hist = np.zeros(((steps // record_every + 2) if record_every else 1, 3 + p))
    last = theta.copy()
    k, status, lk, lval, lgn2, rows = loop(theta, last, hist, int(steps), float(tol) ** 2, int(check_every),
                                           record_every, bound.n, *bound_arrays(bound, columns))
    x = tuple(float(v) for v in last)
    history = [(int(r[0]), tuple(float(v) for v in r[3:]), float(r[1]), float(r[2])) for r in hist[:rows]]
    if record_every and (not history or history[-1][0] != lk):
        history.append((int(lk), x, float(lval), math.sqrt(lgn2)))
    return Outcome(x, float(lval), math.sqrt(lgn2), int(lk), CODES[int(status)], history)
