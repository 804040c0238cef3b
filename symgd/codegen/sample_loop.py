"""Data problems compiled by numba: the per-sample graph as ONE scalar loop over the bound samples.

``compile_data`` reduces e(θ; data) by hoisting data-only features and replacing sums linear in θ by
blocks ℓ_k = F_k·θ + f_k. The reduced expression goes through the one graph (reverse mode), and its
forward and adjoint lines are printed with the python printer (math functions, small integer powers
as products) into ``for _i in range(_N)`` (written by ``scalar_loop``, which indexed sums share).
Each pass reads sample i of the bound data columns and hoisted features (a cheap feature such as x² or
-y is recomputed from the columns instead: the loop is bound by memory traffic), computes
ℓ_k = Σ_j F_k[j, i]·θ_j + f_k[i] inline from those same features (F_k's rows), and accumulates Σe
and Σ∂e/∂θ in scalars (a block's adjoint times F_k[j, i] for each of its parameters). NumPy code for the
same graph makes one array temporary per node; this loop makes none.

``numba_sum_value_and_grad(bound)`` gives θ -> (Σe, gradient); the descent loop built on the same
lines is in ``loops.data_numba``. Compiled functions are cached per program (one numba compile per
expression, whatever data are bound; the least recently used dropped beyond ``CACHE_SIZE``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy

from symgd.errors import CompileError
from symgd.codegen import runtime
from symgd.codegen.cache import LruCache, RecordCache
from symgd.codegen.data import BoundData, DataProgram, _blocks, _hoist
from symgd.codegen.ir import Program, code_names, render_body
from symgd.codegen.printers import POW_LIMIT
from symgd.codegen.scalar_loop import Into, element_loop, element_program


@dataclass(frozen=True)
class SampleLoop:
    """Printed per-sample loop of a DataProgram.

    ``columns``: the data columns and hoisted features the loop reads (indices into
    ``BoundData.arrays``), passed as the arguments ``_A{c}`` in this order; only these, as numba's
    dispatch costs per argument. ``lines``: code that, given locals ``_x0 .. _x{p-1}`` (θ) and ``_N``
    (sample count), leaves Σe in ``_acc`` and Σ∂e/∂θ_j in ``_g{j}``. Generated names start with an
    underscore; user symbols keep their names where safe.
    """

    p: int
    columns: tuple[int, ...]
    lines: tuple[str, ...]

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(f"_A{c}" for c in self.columns)


def reduced_expression(program: DataProgram) -> sympy.Expr:
    """The per-sample expression after hoisting and blocks, recomputed as ``compile_data`` does it."""
    hoisted: dict = {}
    reduced = _hoist(program.expr, set(program.params), set(program.data), hoisted)
    reduced, blocks = _blocks(reduced, program.params)
    if tuple((s, e) for e, s in hoisted.items()) != program.hoisted or tuple(blocks) != program.blocks:
        raise CompileError("the data program's hoisting differs from compile_data's (bound.py changed?)")
    return reduced


def sample_loop(program: DataProgram, ind: str = "") -> SampleLoop:
    """The per-sample loop of ``program`` (see ``SampleLoop``), each line prefixed by ``ind``."""
    reduced = reduced_expression(program)
    params, blocks = program.params, program.blocks
    direct = [q for q in params if q in reduced.free_symbols]
    inputs = tuple(direct) + tuple(b.symbol for b in blocks)
    # no parameter left in the expression: its value only, a zero gradient
    prog = element_program(reduced, inputs) if inputs else Program((), (), (reduced,))
    columns = (*program.data, *(h for h, _ in program.hoisted))
    rename = code_names(Program(columns, prog.lines, ()), runtime.RESERVED, None)
    rename.update({q: sympy.Symbol(f"_x{params.index(q)}") for q in direct})
    rename.update({b.symbol: sympy.Symbol(f"_l{k}") for k, b in enumerate(blocks)})
    body, outs = render_body(prog, "python", rename)
    block_lines = _block_lines(blocks, rename)
    used = set().union(*(prog.free(e) for _, e in prog.lines), *(prog.free(o) for o in prog.outputs),
                       *(sympy.sympify(e).free_symbols for b in blocks for e in (*b.columns, b.offset)))
    features, read = _feature_lines(program, used, rename)
    loop = element_loop("_N", features + block_lines, body, _sums(params, direct, blocks, outs, rename), ind)
    lines = [f"{ind}_acc = 0.0", *(f"{ind}_g{j} = 0.0" for j in range(len(params))), *loop]
    return SampleLoop(len(params), read, tuple(lines))


def _sums(params, direct, blocks, outs: list[str], rename: dict) -> list[Into]:
    """Σe += value; Σ∂e/∂θ_j += adjoint for a parameter read directly, += ∂e/∂ℓ_k·column_j for a
    parameter of block k (the chain rule through ℓ_k = Σ_j θ_j·column_j + offset)."""
    sums = [Into("_acc", outs[0])]
    sums += [Into(f"_g{params.index(q)}", out) for q, out in zip(direct, outs[1:]) if out != "0.0"]
    for k, (b, out) in enumerate(zip(blocks, outs[1 + len(direct):])):
        sums.append(Into(f"_d{k}", out, "="))
        sums += [Into(f"_g{j}", _print(sympy.Symbol(f"_d{k}") * col, rename)) for j, col in zip(b.index, b.columns)]
    return sums


def _print(expr: sympy.Expr, rename: dict) -> str:
    return runtime.printer("python").doprint(expr.xreplace(rename))


def _block_lines(blocks, rename) -> list[str]:
    """ℓ_k = Σ_j θ_j·column_j + offset per sample, the columns being expressions of the sample's data
    and features: the rows of the table F_k, recomputed from the per-sample locals (not read again)."""
    lines = []
    for k, b in enumerate(blocks):
        terms = [f"_x{j}" if col == 1 else _print(sympy.Symbol(f"_x{j}") * col, rename)
                 for j, col in zip(b.index, b.columns)]
        if b.offset != 0:
            terms.append(_print(sympy.sympify(b.offset), rename))
        lines.append(f"_l{k} = {' + '.join(f'({t})' for t in terms)}")
    return lines


def _cheap(expr: sympy.Expr) -> bool:
    """True for a feature that costs a few multiplications per sample (x², x·y, -y): recomputed in the
    loop, which is faster than reading its stored column (the loop is bound by memory traffic)."""
    if expr.atoms(sympy.Function):
        return False
    if any(not (p.exp.is_Integer and abs(int(p.exp)) <= POW_LIMIT) for p in expr.atoms(sympy.Pow)):
        return False
    return sympy.count_ops(expr) <= 8


def _feature_lines(program: DataProgram, used: set, rename: dict) -> tuple[list[str], tuple[int, ...]]:
    """Per-sample locals: data columns and hoisted features read from the bound arrays, cheap
    features computed from the data columns instead; also the indices of the arrays read."""
    data = len(program.data)
    inline = {h: e for h, e in program.hoisted if h in used and _cheap(e)}
    needed = set(used).union(*(e.free_symbols for e in inline.values()))
    read = [c for c, s in enumerate(program.data) if s in needed]
    read += [data + c for c, (h, _) in enumerate(program.hoisted) if h in used and h not in inline]
    columns = (*program.data, *(h for h, _ in program.hoisted))
    lines = [f"{rename.get(columns[c], columns[c]).name} = _A{c}[_i]" for c in read]
    lines += [f"{rename.get(h, h).name} = {_print(e, rename)}" for h, e in inline.items()]
    return lines, tuple(read)


def bound_arrays(bound: BoundData, columns: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """The bound columns ``columns`` as numba wants them: contiguous float64 of length n (a scalar
    column or a broadcast feature is expanded once per binding and kept beside it, in ``_ARRAYS``)."""
    def expand(c: int) -> Callable[[], np.ndarray]:
        return lambda: np.ascontiguousarray(np.broadcast_to(bound.arrays[c], (bound.n,)), dtype=np.float64)
    return tuple(_ARRAYS.get(bound, ("numba", c), expand(c)) for c in columns)


_ARRAYS = RecordCache(256)  # (binding, column) -> its expanded array
#: (expression, parameters, data) -> (source, jitted ``_svg``, columns read); least recently used
#: dropped beyond CACHE_SIZE programs
CACHE_SIZE = 64
_COMPILED = LruCache(CACHE_SIZE)
#: LLVM may reassociate sums (so the accumulations over samples vectorise), fuse multiply-adds and
#: ignore the sign of zero; not "nnan"/"ninf", so non-finite values still propagate and are detected.
FASTMATH = {"reassoc", "contract", "nsz"}


def jit_source(source: str, name: str) -> Callable:
    """``name`` from generated ``source``, wrapped by numba.njit (compiled at its first call)."""
    numba = runtime.require_numba()
    runtime.check_numba_size(source)
    fn = runtime.load(source, "python")[name]
    return numba.njit(error_model="numpy", fastmath=FASTMATH)(fn)


def value_and_grad_source(loop: SampleLoop) -> str:
    """Source of ``_svg(_theta, _out, _N, columns...)``: writes the gradient into _out, returns Σe."""
    head = f"def _svg(_theta, _out, _N{''.join(', ' + a for a in loop.args)}):"
    load = [f"    _x{j} = _theta[{j}]" for j in range(loop.p)]
    store = [f"    _out[{j}] = _g{j}" for j in range(loop.p)]
    return "\n".join([head, *load, *loop.lines, *store, "    return _acc"]) + "\n"


def compiled_value_and_grad(program: DataProgram) -> tuple[str, Callable, tuple[int, ...]]:
    """(source, jitted ``_svg``, the columns it reads) for ``program``, cached per expression,
    parameters and data symbols."""
    def make():
        loop = sample_loop(program, "    ")
        source = value_and_grad_source(loop)
        return source, jit_source(source, "_svg"), loop.columns
    return _COMPILED.get((program.expr, program.params, program.data), make)


def numba_sum_value_and_grad(bound: BoundData) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """θ -> (Σ_i e_i(θ), its gradient) on ``bound``'s samples, from one numba-compiled pass over them."""
    source, fn, columns = compiled_value_and_grad(bound.program)
    arrays, n, p = bound_arrays(bound, columns), bound.n, len(bound.program.params)

    def sum_value_and_grad(theta) -> tuple[float, np.ndarray]:
        out = np.empty(p)
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        return float(fn(theta, out, n, *arrays)), out
    sum_value_and_grad.source = source
    return sum_value_and_grad
