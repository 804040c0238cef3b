"""Vectorised code for indexed sums: windows as slices, body graphs elementwise, adjoints scattered back.

For ``sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)`` the generated NumPy (or torch) code reads
``x_0w0 = x[1:n]``, ``x_0w1 = x[0:n - 1]``, runs the body's forward and backward lines on those slices,
reduces the value with one sum, and accumulates the gradient with shifted slices
(``_g_x[1:n] += ...; _g_x[0:n - 1] += ...``): strided slices of one window never repeat an element,
so no ``np.add.at`` is needed. The code is generic in the sizes: ``n`` is read from the vector's length
(or fixed by ``sizes``), so one compilation serves every length.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy

from symgd.calculus.graph import build_graph
from symgd.calculus.indexed import IndexedProblem, IndexedSum, analyse
from symgd.errors import CompileError
from symgd.numeric import runtime
from symgd.numeric.codegen import Program, program_from_graph
from symgd.numeric.printers import check_printable, for_code, printer_for

BACKENDS = ("numpy", "torch")


def _rsum(v: Any, count: int) -> Any:
    return v.sum() if getattr(v, "ndim", 0) else v * count


def _namespace(backend: str, device: Any, dtype: Any) -> dict[str, Any]:
    if backend == "torch":
        torch = runtime.require_torch()
        ns = runtime._torch_namespace(device, dtype)
        return {**ns, "_asarray": ns["_as_tensor"], "_zeros_like": torch.zeros_like, "_rsum": _rsum,
                "_arange": lambda a, b: torch.arange(a, b, dtype=ns["_as_tensor"](0.0).dtype, device=device)}
    return {"_asarray": lambda a: np.asarray(a, dtype=float), "_zeros_like": np.zeros_like, "_rsum": _rsum,
            "_arange": lambda a, b: np.arange(a, b, dtype=float)}


class _Writer:
    """Lines of one generated function: sympy expressions printed with the backend's printer."""

    def __init__(self, backend: str) -> None:
        self.printer = printer_for(backend)
        self.python = printer_for("python", int_literals=True)
        self.lines: list[str] = []

    def expr(self, e: sympy.Expr) -> str:
        e = sympy.sympify(e)
        return repr(float(e)) if e.is_Number else self.printer.doprint(for_code(e))

    def index(self, e: sympy.Expr) -> str:
        return self.python.doprint(e)

    def program(self, program: Program, rename: dict) -> None:
        for sym, e in program.lines:
            self.lines.append(f"{rename[sym].name} = {self.expr(e.xreplace(rename))}")


def _sizes(problem: IndexedProblem, sizes: Mapping[str, int] | None) -> tuple[dict, list[str]]:
    """Known sizes as numbers, and the lines that infer the others from a vector's length."""
    given = {s: sympy.Integer(int(sizes[s.name])) for s in problem.sizes if sizes and s.name in sizes}
    unknown = [s for s in problem.sizes if s not in given]
    if not unknown:
        return given, []
    if len(unknown) > 1:
        raise CompileError(f"give sizes for {', '.join(s.name for s in unknown)} (sizes={{...}})")
    size = unknown[0]
    for base in sorted(problem.vectors, key=lambda s: s.name):
        reads = [w.step * t.upper + w.offset for t in problem.sums for w in t.windows if w.base == base]
        reads += [idx for _, b, idx in problem.elements if b == base]
        top = [r for r in reads if all(sympy.sympify(r - o).is_nonnegative for o in reads)]
        if not top or size not in top[0].free_symbols:
            continue
        length = sympy.Symbol("_L", integer=True)
        solved = sympy.solve(sympy.Eq(top[0], length - 1), size)
        if len(solved) == 1:
            return given, [f"_L = len({base.name})", f"{size.name} = int({printer_for('python', int_literals=True).doprint(solved[0])})"]
    raise CompileError(f"cannot tell {size.name} from the vectors' lengths; give sizes={{'{size.name}': ...}}")


def _body(t: IndexedSum, k: int, scalars, w: _Writer, want_value: bool, want_grad: bool) -> tuple:
    """Emit one sum's slices and body lines; returns (value expr, {input symbol: adjoint expr})."""
    for win in t.windows:
        lo, hi = win.step * t.lower + win.offset, win.step * t.upper + win.offset + 1
        step = f":{win.step}" if win.step != 1 else ""
        w.lines.append(f"{win.symbol.name} = {win.base.name}[{w.index(lo)}:{w.index(hi)}{step}]")
    count = f"_n{k}"
    w.lines.append(f"{count} = {w.index(t.upper - t.lower + 1)}")
    rename = {t.index: sympy.Symbol(f"_i{k}")}
    if t.body.has(t.index):
        w.lines.append(f"_i{k} = _arange({w.index(t.lower)}, {w.index(t.upper + 1)})")
    inputs = tuple(win.symbol for win in t.windows) + tuple(s for s in scalars if s in t.body.free_symbols)
    graph = build_graph(t.body, inputs)
    program, value, grads = program_from_graph(graph)
    outs = ((value,) if want_value else ()) + (tuple(grads) if want_grad else ())
    pruned = program.prune(outs)
    rename.update({sym: sympy.Symbol(f"_b{k}_{sym.name}") for sym, _ in pruned.lines})
    w.program(pruned, rename)
    outs = [o.xreplace(rename) for o in pruned.outputs]
    val = outs.pop(0) if want_value else None
    return val, dict(zip(inputs, outs)) if want_grad else {}, count


def generate(problem: IndexedProblem, backend: str, sizes: Mapping[str, int] | None, kind: str) -> str:
    """Source of one function (``kind``: value, grad or value_and_grad) over the problem's variables."""
    want_value, want_grad = kind != "grad", kind != "value"
    w = _Writer(backend)
    args = [v.name for v in problem.variables]
    w.lines += [f"{a} = _asarray({a})" for a in args]
    problem, scalars, outer_in, (program, value, grads) = outer_program(problem, sizes, w)
    pruned = program.prune(((value,) if want_value else ()) + (tuple(grads) if want_grad else ()))
    needed = set().union(*(e.free_symbols for _, e in pruned.lines), *(o.free_symbols for o in pruned.outputs))
    bodies = []
    for k, t in enumerate(problem.sums):  # a sum's value is computed only where the outer code reads it
        val, adj, count = _body(t, k, scalars, w, t.symbol in needed, want_grad)
        if t.symbol in needed:
            w.lines.append(f"{t.symbol.name} = _rsum({w.expr(val)}, {count})")
        bodies.append((val, adj, count))
    for sym, base, idx in problem.elements:
        if sym in needed:
            w.lines.append(f"{sym.name} = {base.name}[{w.index(idx)}]")
    rename = {sym: sympy.Symbol(f"_o_{sym.name}") for sym, _ in pruned.lines}
    w.program(pruned, rename)
    outs = [o.xreplace(rename) for o in pruned.outputs]
    value_text = w.expr(outs.pop(0)) if want_value else None
    results = []
    if want_grad:
        d_outer = dict(zip(outer_in, outs))
        results = _scatter(problem, scalars, bodies, d_outer, w)
    grad_text = f"({', '.join(results)},)" if results else "()"
    ret = {"value": value_text, "grad": grad_text, "value_and_grad": f"{value_text}, {grad_text}"}[kind]
    return "\n".join([f"def {kind}({', '.join(args)}):", *("    " + line for line in w.lines),
                      f"    return {ret}"]) + "\n"


def _scatter(problem, scalars, bodies, d_outer, w: _Writer) -> list[str]:
    """Gradient lines: vectors through shifted slices (and single elements), scalars through sums."""
    names = []
    for v in problem.variables:
        target = f"_g_{v.name}"
        if v in problem.vectors:
            w.lines.append(f"{target} = _zeros_like({v.name})")
            for t, (_, adj, _) in zip(problem.sums, bodies):
                d_sum = d_outer.get(t.symbol, sympy.S.Zero)
                for win in (x for x in t.windows if x.base == v):
                    lo, hi = win.step * t.lower + win.offset, win.step * t.upper + win.offset + 1
                    step = f":{win.step}" if win.step != 1 else ""
                    w.lines.append(f"{target}[{w.index(lo)}:{w.index(hi)}{step}] += "
                                   f"{w.expr(d_sum * adj[win.symbol])}")
            for sym, base, idx in problem.elements:
                if base == v:
                    w.lines.append(f"{target}[{w.index(idx)}] += {w.expr(d_outer.get(sym, sympy.S.Zero))}")
        else:
            total = d_outer.get(v, sympy.S.Zero)
            parts = [w.expr(total)]
            for k, (t, (_, adj, count)) in enumerate(zip(problem.sums, bodies)):
                if v in adj:
                    parts.append(f"{w.expr(d_outer.get(t.symbol, 0))}*_rsum({w.expr(adj[v])}, {count})")
            w.lines.append(f"{target} = {' + '.join(parts)}")
        names.append(target)
    return names


def outer_program(problem: IndexedProblem, sizes: Mapping[str, int] | None, w: _Writer) -> tuple:
    """Fix the sizes (writing the lines that infer the others into ``w``), then the graph program of the
    outer expression over the sums, the lone elements and the scalars: (problem, scalars, outer inputs,
    (program, value, gradients)). Shared by the array and the scalar-loop generators."""
    known, infer = _sizes(problem, sizes)
    w.lines += infer
    problem = _substitute(problem, known)
    scalars = tuple(v for v in problem.variables if v not in problem.vectors)
    outer_in = tuple(t.symbol for t in problem.sums) + tuple(e for e, _, _ in problem.elements) + \
        tuple(s for s in scalars if s in problem.outer.free_symbols)
    return problem, scalars, outer_in, program_from_graph(build_graph(problem.outer, outer_in))


def _substitute(problem: IndexedProblem, known: dict) -> IndexedProblem:
    if not known:
        return problem
    from dataclasses import replace
    sums = tuple(replace(t, lower=t.lower.xreplace(known), upper=t.upper.xreplace(known),
                         windows=tuple(replace(x, offset=sympy.sympify(x.offset).xreplace(known))
                                       for x in t.windows)) for t in problem.sums)
    elements = tuple((s, b, sympy.sympify(i).xreplace(known)) for s, b, i in problem.elements)
    return replace(problem, sums=sums, elements=elements)


def compile_indexed(expr: sympy.Expr, backend: str = "numpy", sizes: Mapping[str, int] | None = None,
                    device: Any = None, dtype: Any = None):
    """A ``Compiled`` for an expression with indexed sums; vectors are passed as one array each."""
    from symgd.numeric.lower import Compiled
    if backend == "numba":
        from symgd.numeric.indexed_loops import compile_indexed_numba
        return compile_indexed_numba(expr, sizes)
    if backend in ("auto", "python"):
        backend = "numpy"  # vector code is array code; floats have nothing to gain here
    if backend not in BACKENDS:
        raise CompileError(f"indexed sums compile for numpy or torch, not {backend!r}")
    problem = analyse(expr)
    check_printable([t.body for t in problem.sums] + [problem.outer], backend)
    source = "\n".join(generate(problem, backend, sizes, kind) for kind in ("value_and_grad", "value", "grad"))
    ns = _namespace(backend, device, dtype)
    fns = runtime.load(source, backend, device, dtype, extra=ns)
    return Compiled(problem.variables, backend, source, fns["value_and_grad"], fns["value"], fns["grad"], None)
