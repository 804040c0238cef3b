"""The sizes and slices of indexed sums, shared by the array code (``indexed``) and the numba loops.

``_Writer`` prints one generated function's lines; ``outer_program`` fixes the sizes (given, or
inferred from a vector's length) and builds the program of the expression outside the sums;
``_slice`` gives a window's slice with its end clamped at 0 (an empty sum reads nothing);
``bounds_lines`` refuse arrays too short for their reads before any is read.
Split from ``codegen.indexed`` to keep each module under about 300 lines.
"""
from __future__ import annotations

from collections.abc import Mapping

import sympy

from symgd.calculus.graph import build_graph
from symgd.calculus.indexed import IndexedProblem
from symgd.errors import CompileError
from symgd.codegen.ir import Program, program_from_graph
from symgd.codegen.printers import for_code, printer_for
from symgd.parse import budget

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


def int_text(e: sympy.Expr, w: _Writer) -> str:
    """An index or bound as whole-number Python: a rational polynomial P/q printed as (P)//q."""
    num, den = sympy.fraction(sympy.together(sympy.sympify(e)))
    if den == 1:
        return w.index(sympy.expand(num))
    return f"({w.index(sympy.expand(num))})//{int(den)}"


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
    length = sympy.Symbol("_L", integer=True, nonnegative=True)
    if problem.length_from is not None:
        return given, [f"_L = len({problem.length_from})", f"{size.name} = _L"], {size: length}
    for base in sorted(problem.vectors, key=lambda s: s.name):
        reads = [w.step * t.upper + w.offset for t in problem.sums for w in t.windows if w.base == base]
        reads += [idx for _, b, idx in problem.elements if b == base]
        reads = [r for r in reads if size in sympy.sympify(r).free_symbols]  # x[0] does not tell n
        top = [r for r in reads if all(sympy.sympify(r - o).is_nonnegative for o in reads)]
        if not top or size not in top[0].free_symbols:
            continue
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


def outer_program(problem: IndexedProblem, sizes: Mapping[str, int] | None, w: _Writer) -> tuple:
    """Fix the sizes (writing the lines that infer the others into ``w``), then the graph program of the
    outer expression over the sums, the lone elements and the scalars: (problem, scalars, outer inputs,
    (program, value, gradients)). Shared by the array and the scalar-loop generators."""
    known, infer, w.inferred = _sizes(problem, sizes)
    w.length_of = infer[0].partition("len(")[2][:-1] if infer else None
    w.lines += infer
    problem = _substitute(problem, known)
    w.lines += bounds_lines(problem, w)
    scalars = tuple(v for v in problem.variables if v not in problem.vectors)
    outer_in = tuple(t.symbol for t in problem.sums) + tuple(e for e, _, _ in problem.elements) + \
        tuple(s for s in scalars if s in problem.outer.free_symbols)
    return problem, scalars, outer_in, program_from_graph(build_graph(problem.outer, outer_in, stable=True))


#: The exception the generated code raises for an array too short for its reads (in its namespace).
BOUNDS_ERROR = "_BoundsError"


def bounds_lines(problem: IndexedProblem, w: _Writer) -> list[str]:
    """Lines that raise ``BOUNDS_ERROR`` (a VariableError) where a vector is too short for a read, or a
    read falls before its start, at these sizes (a sum whose range is empty reads nothing). numba
    checks no bounds, so without them a short array is read past its end; NumPy's slices would
    silently shorten instead. The message is a constant: numba raises only those."""
    reads: dict = {}  # base -> {(lower, upper, first read, last read)}, None bounds for lone elements
    for t in problem.sums:
        for x in t.windows:
            reads.setdefault(x.base, set()).add((t.lower, t.upper, x.step * t.lower + x.offset,
                                                 x.step * t.upper + x.offset))
    for _, base, idx in problem.elements:
        reads.setdefault(base, set()).add((None, None, idx, idx))
    where = f" ({', '.join(s.name for s in w.inferred)} from len({w.length_of}))" if w.length_of else ""
    lines = []
    for base in sorted(reads, key=lambda b: b.name):
        for lower, upper, first, last in sorted(reads[base], key=sympy.default_sort_key):
            first, last = sympy.sympify(first), sympy.sympify(last)
            test = f"len({base.name}) <= {w.index(last)}" + ("" if first.is_Number and first >= 0
                                                             else f" or {w.index(first)} < 0")
            if lower is not None and not (upper.is_Number and lower.is_Number):
                test = f"{w.index(upper)} >= {w.index(lower)} and ({test})"
            elif lower is not None and upper < lower:
                continue  # an empty range: nothing read
            message = f"{base.name} is too short: the expression reads {base.name}[{last}]{where}"
            lines.append(f"if {test}: raise {BOUNDS_ERROR}({message!r})")
    return lines


def _substitute(problem: IndexedProblem, known: dict) -> IndexedProblem:
    if not known:
        return problem
    from dataclasses import replace
    sums = tuple(replace(t, lower=t.lower.xreplace(known), upper=t.upper.xreplace(known),
                         windows=tuple(replace(x, offset=sympy.sympify(x.offset).xreplace(known))
                                       for x in t.windows)) for t in problem.sums)
    elements = tuple((s, b, sympy.sympify(i).xreplace(known)) for s, b, i in problem.elements)
    return replace(problem, sums=sums, elements=elements)
