"""Indexed sums as compiled scalar loops (numba): one pass over i per sum, no array temporaries.

NumPy code for a sum pays one library call (about 2 µs at n = 1,000) per elementwise operation; the
same body printed as scalar Python inside ``for i in range(lower, upper + 1)`` and compiled by numba
runs the whole gradient in a few microseconds. The loop reads ``x[c*i + k]`` directly, accumulates the
value, and scatters each window's adjoint into ``_g_x[c*i + k]``. When the outer expression's
adjoints of the sums do not depend on the sums' values (f = sum, or a linear combination of sums),
value and gradient come from one loop; otherwise a first loop gives the values, a second the gradient.
Each loop is written by ``scalar_loop``, the writer the data programs' loop over samples shares.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from symgd.calculus.indexed import IndexedProblem, shift_logsumexp
from symgd.errors import CompileError, VariableError
from symgd.codegen import runtime
from symgd.codegen.compiled import Compiled
from symgd.codegen.indexed_sizes import BOUNDS_ERROR, _Writer, outer_program
from symgd.codegen.names import prefixed
from symgd.codegen.scalar_loop import Into, element_loop, element_program


def _loop(t, k: int, scalars, w: _Writer, want_value: bool, grads_to: dict | None, ind: str,
          wrt: frozenset | None = None) -> None:
    """Emit ``for _i in range(...)`` over one sum: value into _sum{k}, window adjoints scattered (only
    those of the variables in ``wrt``, when given)."""
    i = sympy.Symbol("_i")
    inputs = tuple(x.symbol for x in t.windows if _wanted(x.base, wrt)) + \
        tuple(s for s in scalars if s in t.body.free_symbols and _wanted(s, wrt))
    if not inputs and not want_value:
        return  # nothing of this sum is wanted (``wrt`` names none of its variables)
    every = tuple(x.symbol for x in t.windows)  # the graph needs some input: the value's only
    pruned = element_program(t.body, inputs or every, want_value, grads_to is not None and bool(inputs))
    rename = {sym: sympy.Symbol(prefixed(f"_b{k}_", sym.name)) for sym, _ in pruned.lines}
    # the index is renamed only where the body reads it: otherwise the graph, whose names skip only the
    # body's symbols, may have named a node after it (the seventh node of a body over i), which keeps its own
    if t.index in t.body.free_symbols:
        rename[t.index] = i
    used = set().union(*(e.free_symbols for _, e in pruned.lines), *(o.free_symbols for o in pruned.outputs))
    slots = {x.symbol: f"{x.base.name}[{w.index(x.step * i + x.offset)}]" for x in t.windows}
    reads = [f"{x.symbol.name} = {slots[x.symbol]}" for x in t.windows if x.symbol in used]
    body = [f"{rename[sym].name} = {w.expr(e.xreplace(rename))}" for sym, e in pruned.lines]
    outs = [o.xreplace(rename) for o in pruned.outputs]
    sums = [Into(t.symbol.name, w.expr(outs.pop(0)))] if want_value else []
    if grads_to is not None:  # a window's adjoint into its slot of _g_<vector>, a scalar's into _g_<name>
        sums += [Into(f"_g_{slots[sym]}" if sym in slots else f"_g_{sym.name}", w.expr(grads_to["d_sum"] * adj))
                 for sym, adj in zip(inputs, outs)]
    w.lines += element_loop(f"{w.index(t.lower)}, {w.index(t.upper + 1)}", reads, body, sums, ind)


def _wanted(v: sympy.Symbol, wrt: frozenset | None) -> bool:
    return wrt is None or v.name in wrt


def _shift_loop(t, w: _Writer) -> None:
    """An indexed logsumexp's shift (``shift_logsumexp``): the largest exponent, 0 for an empty sum."""
    i, m = sympy.Symbol("_i"), t.shift.name
    u = t.body.args[0].xreplace({t.shift: 0, t.index: i})
    reads = [f"{x.symbol.name} = {x.base.name}[{w.index(x.step * i + x.offset)}]" for x in t.windows
             if x.symbol in u.free_symbols]
    w.lines.append(f"{m} = -_np.inf")
    w.lines += element_loop(f"{w.index(t.lower)}, {w.index(t.upper + 1)}", reads,
                            [f"_u = {w.expr(u)}", f"if _u > {m}: {m} = _u"], [])
    w.lines.append(f"if {m} == -_np.inf: {m} = 0.0")


def generate_loops(problem: IndexedProblem, sizes: Mapping[str, int] | None, kind: str,
                   wrt: frozenset[str] | None = None) -> str:
    """Source of one scalar-loop function (``kind``: value, grad or value_and_grad); with ``wrt`` (names
    of variables, None for all), only their gradients: a buffer argument per vector of them, the scalars' returned."""
    want_value, want_grad = kind != "grad", kind != "value"
    w = _Writer("python")
    args = [v.name for v in problem.variables]
    problem, scalars, outer_in, (program, value, grads) = outer_program(problem, sizes, w)
    gprog = program.prune(tuple(grads)) if want_grad else None
    vprog = program.prune((value,)) if want_value else None
    rename = {sym: sympy.Symbol(prefixed("_o_", sym.name)) for sym, _ in program.lines}
    d_outer = dict(zip(outer_in, (o.xreplace(rename) for o in gprog.outputs))) if gprog else {}
    grad_needs = set().union(*(e.free_symbols for _, e in gprog.lines),
                             *(o.free_symbols for o in gprog.outputs)) if gprog else set()
    one_pass = not (grad_needs & {t.symbol for t in problem.sums})
    needs_values = want_value or not one_pass
    wanted = [v for v in problem.variables if want_grad and _wanted(v, wrt)]
    for v in wanted:
        if v in problem.vectors:  # zeroed by the caller (see _wrap)
            args.append(f"_g_{v.name}")
        else:
            w.lines.append(f"_g_{v.name} = 0.0")
    for t in problem.sums:
        w.lines.append(f"{t.symbol.name} = 0.0")
        if t.shift is not None:
            _shift_loop(t, w)
    for sym, base, idx in problem.elements:
        w.lines.append(f"{sym.name} = {base.name}[{w.index(idx)}]")
    if want_grad and one_pass:
        w.program(gprog, rename)
    for k, t in enumerate(problem.sums):
        grads_to = {"d_sum": d_outer.get(t.symbol, sympy.S.Zero)} if want_grad and one_pass else None
        _loop(t, k, scalars, w, needs_values, grads_to, "", wrt)
    if want_grad and not one_pass:
        w.program(gprog, rename)
        for k, t in enumerate(problem.sums):
            _loop(t, k, scalars, w, False, {"d_sum": d_outer.get(t.symbol, sympy.S.Zero)}, "", wrt)
    value_text = None
    if want_value:
        w.program(vprog, rename)
        value_text = w.expr(vprog.outputs[0].xreplace(rename))
    results = []
    if want_grad:
        for sym, base, idx in problem.elements:
            if _wanted(base, wrt):
                w.lines.append(f"_g_{base.name}[{w.index(idx)}] += {w.expr(d_outer.get(sym, sympy.S.Zero))}")
        for v in scalars:
            if _wanted(v, wrt):
                w.lines.append(f"_g_{v.name} += {w.expr(d_outer.get(v, sympy.S.Zero))}")
        results = [f"_g_{v.name}" for v in wanted if v not in problem.vectors]
    grad_text = f"({', '.join(results)},)" if results else "0.0"  # the vectors' are written in place
    ret = {"value": value_text, "grad": grad_text, "value_and_grad": f"{value_text}, {grad_text}"}[kind]
    return "\n".join([f"def _{kind}({', '.join(args)}):", *("    " + line for line in w.lines),
                      f"    return {ret}"]) + "\n"


def compile_indexed_numba(problem: IndexedProblem, variables: tuple, sizes: Mapping[str, int] | None = None):
    """A ``Compiled`` whose value/grad are numba-compiled loops (compiled here, once); ``problem`` is
    over mangled names (``indexed.mangled_problem``), ``variables`` are the user's, in the same order."""
    source, raw = jit_loops(problem, sizes)
    vectors = [v in problem.vectors for v in problem.variables]
    jitted = {name: _wrap(fn, vectors, name) for name, fn in raw.items()}
    return Compiled(variables, "numba", source, jitted["_value_and_grad"], jitted["_value"],
                    jitted["_grad"], None)


def jit_loops(problem: IndexedProblem, sizes: Mapping[str, int] | None = None) -> tuple[str, dict[str, Any]]:
    """The source and the raw numba functions ``_value``, ``_grad``, ``_value_and_grad``: they take the
    problem's variables, then (gradients) one float64 buffer per vector variable, which they add into
    (the caller zeroes them), and return the scalar variables' gradients. Callers that reuse buffers
    across many calls (``loops.ode_field``) use these directly; ``compile_indexed_numba`` wraps them."""
    problem = shift_logsumexp(problem)
    source = "\n".join(generate_loops(problem, sizes, kind) for kind in ("value_and_grad", "value", "grad"))
    return source, _jit(source)


def jit_grad(problem: IndexedProblem, wrt: frozenset[str]) -> Any:
    """The raw numba ``_grad`` loop of ``jit_loops`` restricted to the gradients of ``wrt`` (variable
    names): one buffer per vector among them, in the variables' order; the scalars' returned."""
    return _jit(generate_loops(shift_logsumexp(problem), None, "grad", wrt))["_grad"]


def _jit(source: str) -> dict[str, Any]:
    numba = runtime.require_numba()
    runtime.check_numba_size(source)
    fns = runtime.load(source, "python", extra={"_np": np, BOUNDS_ERROR: VariableError})
    jitted = {}
    for name, fn in fns.items():
        try:
            jitted[name] = numba.njit(fastmath=False, error_model="numpy")(fn)
        except Exception as exc:  # numba's typing errors come in several classes
            raise CompileError(f"numba could not compile the indexed loops: {exc}") from exc
    return jitted


def _wrap(fn: Any, vectors: list[bool], kind: str):
    """Vectors as float64 arrays and scalars as floats (numba specialises on argument types).

    The gradient arrays of vector variables are allocated here and filled by the jitted loop: an array
    numba allocates and returns costs ~1.3 µs more to box (the P3 gradient is ~5 µs in all). numba
    compiles on the first call of each type signature, so its errors surface here, as CompileErrors."""
    ndarray, asarray, f64, zeros = np.ndarray, np.asarray, np.float64, np.zeros
    numba_error = runtime.require_numba().core.errors.NumbaError

    def failed(exc: Exception) -> CompileError:
        return CompileError(f"numba could not compile the indexed loops: {exc}")

    if vectors == [True]:  # the common case, one vector: no per-call list building
        def call_one(x):
            x = x if type(x) is ndarray and x.dtype == f64 else asarray(x, dtype=f64)
            try:
                if kind == "_value":
                    return fn(x)
                g = zeros(len(x))
                out = fn(x, g)
            except numba_error as exc:
                raise failed(exc) from None
            return (g,) if kind == "_grad" else (out[0], (g,))
        return call_one

    def call(*args):
        args = [(a if type(a) is ndarray and a.dtype == f64 else asarray(a, dtype=f64)) if is_vec else float(a)
                for a, is_vec in zip(args, vectors)]
        try:
            if kind == "_value":
                return fn(*args)
            bufs = [zeros(len(a)) for a, is_vec in zip(args, vectors) if is_vec]
            out = fn(*args, *bufs)
        except numba_error as exc:
            raise failed(exc) from None
        value, scalars = (out[0], out[1]) if kind == "_value_and_grad" else (None, out)
        scalars, vecs = iter(scalars if isinstance(scalars, tuple) else ()), iter(bufs)
        grads = tuple(next(vecs) if is_vec else next(scalars) for is_vec in vectors)
        return grads if kind == "_grad" else (value, grads)
    return call
