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
from typing import Any

import threading

import numpy as np
import sympy

from symgd.calculus.graph import build_graph
from symgd.calculus.indexed import IndexedProblem, IndexedSum, analyse, shift_logsumexp
from symgd.errors import CompileError
from symgd.codegen import runtime, ufunc_code
from symgd.codegen.buffered import Emitter
from symgd.codegen.compiled import Compiled
from symgd.codegen.ir import Program, program_from_graph
from symgd.codegen.names import mangle_expr, prefixed, rename_keys
from symgd.codegen.printers import check_printable, for_code, printer_for
from symgd.parse import budget

BACKENDS = ("numpy", "torch")


def _namespace(backend: str, device: Any, dtype: Any) -> dict[str, Any]:
    if backend == "torch":
        torch = runtime.require_torch()
        ns = runtime._torch_namespace(device, dtype)
        return {**ns, "_asarray": ns["_as_tensor"], "_zeros_like": torch.zeros_like, "_dot": torch.dot,
                "_arange": lambda a, b: torch.arange(a, b, dtype=ns["_as_tensor"](0.0).dtype, device=device)}
    return {**ufunc_code.namespace(), "_Scratch": Scratch, "_asarray": np.asarray,
            "_arange": lambda a, b: np.arange(a, b, dtype=float)}


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


class _Writer:
    """Lines of one generated function: sympy expressions printed with the backend's printer."""

    def __init__(self, backend: str) -> None:
        self.printer = printer_for(backend)
        self.buffered = backend == "numpy"  # ufunc calls into scratch buffers (else allocating lines)
        self.python = printer_for("python", int_literals=True)
        self.lines: list[str] = []
        self.slices: dict[tuple[int, int], str] = {}  # (sum, window) -> slice text, computed once
        self.clamps: dict[str, str] = {}  # text of e -> the name holding max(e, 0)
        self.inferred: dict = {}  # size symbol -> its value in terms of a vector's length
        self.length_of: str | None = None  # the vector whose length _L holds

    def expr(self, e: sympy.Expr) -> str:
        e = sympy.sympify(e)
        return repr(float(e)) if e.is_Number else self.printer.doprint(for_code(e))

    def index(self, e: sympy.Expr) -> str:
        return self.python.doprint(e)

    def clamp(self, e: sympy.Expr, name: str) -> str:
        """A name holding max(e, 0), computed once per function (as ``name`` when new)."""
        text = self.index(e)
        if text in self.clamps:
            return self.clamps[text]
        if e.is_Number:
            self.lines.append(f"{name} = {max(int(e), 0)}")
        else:
            self.lines += [f"{name} = {text}", f"if {name} < 0: {name} = 0"]  # cheaper than a max() call
        self.clamps[text] = name
        return name

    def program(self, program: Program, rename: dict) -> None:
        for sym, e in program.lines:
            self.lines.append(f"{rename[sym].name} = {self.expr(e.xreplace(rename))}")


def _sizes(problem: IndexedProblem, sizes: Mapping[str, int] | None) -> tuple[dict, list[str], dict]:
    """Known sizes as numbers, the lines that infer the others from a vector's length, and those
    sizes in terms of that length (a nonnegative symbol, to tell which slice ends cannot be < 0)."""
    known = budget.check_sizes(sizes)  # whole, and each index range within the memory budget
    given = {s: sympy.Integer(known[s.name]) for s in problem.sizes if s.name in known}
    unknown = [s for s in problem.sizes if s not in given]
    if not unknown:
        return given, [], {}
    if len(unknown) > 1:
        raise CompileError(f"give sizes for {', '.join(s.name for s in unknown)} (sizes={{...}})")
    size = unknown[0]
    for base in sorted(problem.vectors, key=lambda s: s.name):
        reads = [w.step * t.upper + w.offset for t in problem.sums for w in t.windows if w.base == base]
        reads += [idx for _, b, idx in problem.elements if b == base]
        reads = [r for r in reads if size in sympy.sympify(r).free_symbols]  # x[0] does not tell n
        top = [r for r in reads if all(sympy.sympify(r - o).is_nonnegative for o in reads)]
        if not top or size not in top[0].free_symbols:
            continue
        length = sympy.Symbol("_L", integer=True, nonnegative=True)
        solved = sympy.solve(sympy.Eq(top[0], length - 1), size)
        if len(solved) == 1:
            given_lines = [f"_L = len({base.name})", _size_line(size, solved[0])]
            return given, given_lines, {size: solved[0]}
    raise CompileError(f"cannot tell {size.name} from the vectors' lengths; give sizes={{'{size.name}': ...}}")


def _slice(win, t, k: int, j: int, w: _Writer) -> str:
    """The window's slice text; its end clamped at 0 (an empty sum must not wrap to the end)."""
    if (k, j) in w.slices:
        return w.slices[k, j]
    lo, hi = win.step * t.lower + win.offset, win.step * t.upper + win.offset + 1
    if lo.is_Number and lo < 0:
        raise CompileError(f"{win.base.name}[{win.step * t.index + win.offset}] reads before the start "
                           f"of {win.base.name} at {t.index} = {t.lower}")
    step = f":{win.step}" if win.step != 1 else ""
    if hi.is_Number or hi.xreplace(w.inferred).is_nonnegative:
        w.slices[k, j] = f"{w.index(lo)}:{w.index(max(hi, 0) if hi.is_Number else hi)}{step}"
    else:
        w.slices[k, j] = f"{w.index(lo)}:{w.clamp(hi, f'_h{k}w{j}')}{step}"
    return w.slices[k, j]


def _size_line(size: sympy.Symbol, solved: sympy.Expr) -> str:
    text = printer_for("python", int_literals=True).doprint(solved)
    return f"{size.name} = {text}" if solved.is_integer else f"{size.name} = int({text})"


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


def outer_program(problem: IndexedProblem, sizes: Mapping[str, int] | None, w: _Writer) -> tuple:
    """Fix the sizes (writing the lines that infer the others into ``w``), then the graph program of the
    outer expression over the sums, the lone elements and the scalars: (problem, scalars, outer inputs,
    (program, value, gradients)). Shared by the array and the scalar-loop generators."""
    known, infer, w.inferred = _sizes(problem, sizes)
    w.length_of = infer[0].partition("len(")[2][:-1] if infer else None
    w.lines += infer
    problem = _substitute(problem, known)
    scalars = tuple(v for v in problem.variables if v not in problem.vectors)
    outer_in = tuple(t.symbol for t in problem.sums) + tuple(e for e, _, _ in problem.elements) + \
        tuple(s for s in scalars if s in problem.outer.free_symbols)
    return problem, scalars, outer_in, program_from_graph(build_graph(problem.outer, outer_in, stable=True))


def _substitute(problem: IndexedProblem, known: dict) -> IndexedProblem:
    if not known:
        return problem
    from dataclasses import replace
    sums = tuple(replace(t, lower=t.lower.xreplace(known), upper=t.upper.xreplace(known),
                         windows=tuple(replace(x, offset=sympy.sympify(x.offset).xreplace(known))
                                       for x in t.windows)) for t in problem.sums)
    elements = tuple((s, b, sympy.sympify(i).xreplace(known)) for s, b, i in problem.elements)
    return replace(problem, sums=sums, elements=elements)


def mangled_problem(expr: sympy.Expr, sizes: Mapping[str, int] | None) -> tuple[IndexedProblem, tuple, Any]:
    """The analysed problem over safe names (the one mangling step), its variables in the order of the
    user's names, the user's variables, and ``sizes`` keyed by the safe names."""
    from dataclasses import replace
    user = analyse(expr).variables
    mexpr, rename = mangle_expr(expr, runtime.RESERVED)
    if not rename:
        return analyse(expr), user, sizes
    problem = analyse(mexpr)
    order = {rename.get(u, u): k for k, u in enumerate(user)}
    problem = replace(problem, variables=tuple(sorted(problem.variables, key=order.__getitem__)))
    return problem, user, rename_keys(sizes, rename)


def compile_indexed(expr: sympy.Expr, backend: str = "numpy", sizes: Mapping[str, int] | None = None,
                    device: Any = None, dtype: Any = None):
    """A ``Compiled`` for an expression with indexed sums; vectors are passed as one array each."""
    if backend in ("auto", "python"):
        backend = "numpy"  # vector code is array code; floats have nothing to gain here
    if backend not in BACKENDS:  # numba's loops: codegen.indexed_loops (dispatched in codegen.api)
        raise CompileError(f"indexed sums compile for numpy, torch or numba, not {backend!r}")
    problem, user, sizes = mangled_problem(expr, sizes)
    problem = shift_logsumexp(problem)
    check_printable([t.body for t in problem.sums] + [problem.outer], backend)
    consts: dict = {}
    source = "\n".join(generate(problem, backend, sizes, kind, consts) for kind in ("value_and_grad", "value", "grad"))
    if consts:
        source = "".join(line + "\n" for line in ufunc_code.constants(consts)) + "\n" + source
    ns = _namespace(backend, device, dtype)
    fns = runtime.load(source, backend, device, dtype, extra=ns)
    return Compiled(user, backend, source, fns["value_and_grad"], fns["value"], fns["grad"], None)
