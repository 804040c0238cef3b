"""Vectorised code for indexed sums: windows as slices, body graphs elementwise, adjoints scattered back.

For ``sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)`` the generated code reads the windows
``x_0w0 = x[1:n]``, ``x_0w1 = x[0:_n0]`` (slice ends clamped at 0, so an empty sum reads nothing),
runs the body's forward and backward lines on them, reduces the value (sums of squares as dot
products) and scatters the gradient through the same slices, shifted: strided slices of one window
never repeat an element, so no ``np.add.at`` is needed. The code is generic in the sizes: ``n`` is
read from the vector's length (or fixed by ``sizes``), so one compilation serves every length.
With numpy each operation is one ufunc call into per-thread scratch buffers (``buffered``); the
returned gradient is a fresh array, its first window written in place. torch prints the same
operations as allocating assignments.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import threading

import numpy as np
import sympy

from symgd.calculus.graph import build_graph
from symgd.calculus.indexed import IndexedProblem, IndexedSum, analyse, shift_logsumexp
from symgd.errors import CompileError, VariableError
from symgd.codegen import runtime, ufunc_code
from symgd.codegen.buffered import Emitter
from symgd.codegen.compiled import Compiled
from symgd.codegen.ir import program_from_graph
from symgd.codegen.indexed_sizes import BOUNDS_ERROR, _slice, _Writer, outer_program
from symgd.codegen.names import mangle_expr, prefixed, rename_keys
from symgd.codegen.printers import check_printable

BACKENDS = ("numpy", "torch")


def _namespace(backend: str, device: Any, dtype: Any) -> dict[str, Any]:
    if backend == "torch":
        torch = runtime.require_torch()
        ns = runtime._torch_namespace(device, dtype)
        return {**ns, "_asarray": ns["_as_tensor"], "_zeros_like": torch.zeros_like, "_dot": torch.dot,
                "_arange": lambda a, b: torch.arange(a, b, dtype=ns["_as_tensor"](0.0).dtype, device=device),
                BOUNDS_ERROR: VariableError}
    return {**ufunc_code.namespace(), "_Scratch": Scratch, "_asarray": np.asarray,
            "_arange": lambda a, b: np.arange(a, b, dtype=float), BOUNDS_ERROR: VariableError}


class Scratch(threading.local):
    """Scratch buffers of one generated function: per thread (a ``threading.local``, initialised in
    each thread with the same counts), kept for the last lengths seen. They never leave the function."""

    def __init__(self, counts: tuple[int, ...]) -> None:
        self.counts, self.key, self.bufs = counts, None, ()

    def get(self, lengths: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        if self.key != lengths:
            self.bufs = tuple(np.empty(m) for m, c in zip(lengths, self.counts) for _ in range(c))
            self.key = lengths
        return self.bufs


def _body(t: IndexedSum, k: int, scalars, w: _Writer, want_value: bool, want_grad: bool,
          code: Emitter) -> tuple:
    """Emit one sum's slices and body lines; returns (value expr, {input symbol: adjoint expr})."""
    for j, win in enumerate(t.windows):
        w.lines.append(f"{win.symbol.name} = {win.base.name}[{_slice(win, t, k, j, w)}]")
        code.define(win.symbol, win.symbol.name, True)
    if t.body.has(t.index):
        w.lines.append(f"_i{k} = _arange({w.index(t.lower)}, {w.index(t.upper + 1)})")
        code.define(t.index, f"_i{k}", True)
    if t.shift is not None:
        _shift_line(t, k, w)
    inputs = tuple(win.symbol for win in t.windows) + tuple(s for s in scalars if s in t.body.free_symbols)
    program, value, grads = program_from_graph(build_graph(t.body, inputs, stable=True))
    outs = ((value,) if want_value else ()) + (tuple(grads) if want_grad else ())
    pruned = program.prune(outs)
    lines, outs = ufunc_code.inline(list(pruned.lines), list(pruned.outputs))
    code.assign(lines, outs, lambda sym: prefixed(f"_b{k}_", sym.name))
    val = outs.pop(0) if want_value else None
    return val, dict(zip(inputs, outs)) if want_grad else {}


def _shift_line(t: IndexedSum, k: int, w: _Writer) -> None:
    """An indexed logsumexp's shift: the largest exponent over the sum (0 when the sum is empty)."""
    u = t.body.args[0].xreplace({t.shift: 0, t.index: sympy.Symbol(f"_i{k}")})
    first = t.windows[0].symbol.name
    top = f"({w.expr(u)} + 0*{first}).max()"  # + 0*window: an array even where u reads no window
    w.lines.append(f"{t.shift.name} = {top if w.buffered is False else f'float({top})'} if len({first}) else 0.0")


def _unary(printer):
    return lambda func, arg: printer.doprint(func(sympy.Symbol(arg)))


def generate(problem: IndexedProblem, backend: str, sizes: Mapping[str, int] | None, kind: str,
             consts: dict | None = None) -> str:
    """Source of one function (``kind``: value, grad or value_and_grad) over the problem's variables.
    With numpy, float constants are named in ``consts`` (value -> name; the caller defines them)."""
    want_value, want_grad = kind != "grad", kind != "value"
    w = _Writer(backend)
    args = [v.name for v in problem.variables]
    for v in problem.variables:
        conv = "_asarray({0})" if not w.buffered else "_asarray({0}, _f64)" if v in problem.vectors else "float({0})"
        w.lines.append(f"{v.name} = {conv.format(v.name)}")
    problem, scalars, outer_in, (program, value, grads) = outer_program(problem, sizes, w)
    pruned = program.prune(((value,) if want_value else ()) + (tuple(grads) if want_grad else ()))
    needed = set().union(*(e.free_symbols for _, e in pruned.lines), *(o.free_symbols for o in pruned.outputs))
    for k, t in enumerate(problem.sums):
        if w.clamp(t.upper - t.lower + 1, f"_n{k}") != f"_n{k}":
            w.lines.append(f"_n{k} = {w.clamp(t.upper - t.lower + 1, f'_n{k}')}")
    at, bodies = len(w.lines), []
    for k, t in enumerate(problem.sums):  # a sum's value is computed only where the outer code reads it
        code = Emitter(w.lines, set(), f"_t{k}_", w.buffered, w.expr, _unary(w.printer),
                         {} if consts is None else consts)
        val, adj = _body(t, k, scalars, w, t.symbol in needed, want_grad, code)
        if t.symbol in needed:
            w.lines.append(f"{t.symbol.name} = {code.reduce(val, f'_n{k}')}")
        bodies.append((code, adj))
    for sym, base, idx in problem.elements:
        if sym in needed:
            w.lines.append(f"{sym.name} = {base.name}[{w.index(idx)}]")
    rename = {sym: sympy.Symbol(prefixed("_o_", sym.name)) for sym, _ in pruned.lines}
    w.program(pruned, rename)
    outs = [o.xreplace(rename) for o in pruned.outputs]
    value_text = w.expr(outs.pop(0)) if want_value else None
    results = _scatter(problem, bodies, dict(zip(outer_in, outs)), w) if want_grad else []
    header = _scratch(w, at, [code for code, _ in bodies], kind)
    grad_text = f"({', '.join(results)},)" if results else "()"
    ret = {"value": value_text, "grad": grad_text, "value_and_grad": f"{value_text}, {grad_text}"}[kind]
    return "\n".join([*header, f"def {kind}({', '.join(args)}):", *("    " + line for line in w.lines),
                      f"    return {ret}"]) + "\n"


def _scratch(w: _Writer, at: int, codes: list[Emitter], kind: str) -> list[str]:
    """Fetch the function's scratch buffers at line ``at`` (once the counts are known); returns the
    module-level line that makes its per-thread ``Scratch``."""
    counts = tuple(code.pool.count for code in codes)
    if not w.buffered or not sum(counts):
        return []
    names = [f"_t{k}_{j}" for k, c in enumerate(counts) for j in range(c)]
    w.lines.insert(at, f"{', '.join(names)}, = _S_{kind}.get(({''.join(f'_n{k}, ' for k in range(len(counts)))}))")
    return [f"_S_{kind} = _Scratch({counts!r})"]


def _scatter(problem, bodies, d_outer, w: _Writer) -> list[str]:
    """Gradient lines: vectors through shifted slices (and single elements), scalars through sums."""
    names = []
    for v in problem.variables:
        target = f"_g_{v.name}"
        if v in problem.vectors:
            _scatter_vector(v, problem, bodies, d_outer, w)
        else:
            parts = [w.expr(d_outer.get(v, sympy.S.Zero))]
            for k, (t, (code, adj)) in enumerate(zip(problem.sums, bodies)):
                if v in adj:
                    parts.append(f"{w.expr(d_outer.get(t.symbol, 0))}*({code.reduce(adj[v], f'_n{k}')})")
            w.lines.append(f"{target} = {' + '.join(parts)}")
        names.append(target)
    return names


def _scatter_vector(v, problem, bodies, d_outer, w: _Writer) -> None:
    """With numpy the vector's gradient is a fresh zeroed array; its first window is written in place
    by the last call of its expression, the others are added to it (torch: all added)."""
    target = f"_g_{v.name}"
    length = "_L" if w.length_of == v.name else f"len({v.name})"
    w.lines.append(f"{target} = _zeros({length})" if w.buffered else f"{target} = _zeros_like({v.name})")
    first = True
    for k, (t, (code, adj)) in enumerate(zip(problem.sums, bodies)):
        for j, win in enumerate(t.windows):
            e = d_outer.get(t.symbol, sympy.S.Zero) * adj[win.symbol] if win.base == v else sympy.S.Zero
            if e == 0:
                continue
            view = f"{target}[{_slice(win, t, k, j, w)}]"
            if first and w.buffered:
                w.lines.append(f"_v = {view}")
                code.into(e, "_v")
                first = False
                continue
            op = code.lower(e)
            w.lines += [f"_v = {view}", f"_add(_v, {op.text}, _v)"] if w.buffered else [f"{view} += {op.text}"]
            code.release(op)
    for sym, base, idx in problem.elements:
        if base == v:
            w.lines.append(f"{target}[{w.index(idx)}] += {w.expr(d_outer.get(sym, sympy.S.Zero))}")


def mangled_problem(expr: sympy.Expr, sizes: Mapping[str, int] | None) -> tuple[IndexedProblem, tuple, Any]:
    """The analysed problem over safe names (the one mangling step), its variables in the order of the
    user's names, the user's variables, and ``sizes`` keyed by the safe names."""
    user = analyse(expr).variables
    mexpr, rename = mangle_expr(expr, runtime.RESERVED)
    if not rename:
        return analyse(expr), user, sizes
    problem = analyse(mexpr)
    order = {rename.get(u, u): k for k, u in enumerate(user)}
    problem = replace(problem, variables=tuple(sorted(problem.variables, key=order.__getitem__)))
    return problem, user, rename_keys(sizes, rename)


def compile_indexed(expr: sympy.Expr, backend: str = "numpy", sizes: Mapping[str, int] | None = None,
                    device: Any = None, dtype: Any = None, length_from: str | None = None):
    """A ``Compiled`` for an expression with indexed sums; vectors are passed as one array each.
    ``length_from``: the vector (by name) whose length is the one unknown size, where the caller knows
    it; else the size is inferred from the vectors' reads (``indexed_sizes``)."""
    if backend in ("auto", "python"):
        backend = "numpy"  # vector code is array code; floats have nothing to gain here
    if backend not in BACKENDS:  # numba's loops: codegen.indexed_loops (dispatched in codegen.api)
        raise CompileError(f"indexed sums compile for numpy, torch or numba, not {backend!r}")
    problem, user, sizes = mangled_problem(expr, sizes)
    if length_from is not None:
        problem = replace(problem, length_from=problem.variables[[u.name for u in user].index(length_from)].name)
    problem = shift_logsumexp(problem)
    check_printable([t.body for t in problem.sums] + [problem.outer], backend)
    consts: dict = {}
    source = "\n".join(generate(problem, backend, sizes, kind, consts) for kind in ("value_and_grad", "value", "grad"))
    if consts:
        source = "".join(line + "\n" for line in ufunc_code.constants(consts)) + "\n" + source
    ns = _namespace(backend, device, dtype)
    fns = runtime.load(source, backend, device, dtype, extra=ns)
    return Compiled(user, backend, source, fns["value_and_grad"], fns["value"], fns["grad"], None)
