"""Indexed sums over vector variables: sum(body, i, a, b) with x[i], x[i+1], ... read inside the body.

A sum is NOT unrolled into thousands of scalar nodes. Each vector read ``x[c*i + k]`` inside a sum is
a *window*: over i = a..b it is the strided slice x[c*a + k : c*b + k + 1 : c]. The body becomes one
small scalar graph over window symbols (reverse mode as usual), evaluated elementwise on the slices;
the sum's adjoint scatters back into the vector through the same slices, shifted. The expression
outside the sums is a scalar graph over the sums' values, scalar variables and single elements x[k].

``analyse`` finds that structure; ``indexed_gradient`` gives the symbolic gradient, one entry per
variable, a vector's entry as ``Lambda(j, ∂f/∂x[j])`` (Piecewise over the windows that read x[j]);
``unroll`` writes the sums out for concrete sizes (for explanations of small cases).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy

from symgd.calculus.graph import build_graph
from symgd.errors import BudgetError, CompileError
from symgd.parse import budget
from symgd.parse.reductions import ArrayDet, IndexMax, IndexMin
from symgd.calculus.reduce_tree import needs_tree


@dataclass(frozen=True)
class Window:
    """``base[step*i + offset]`` read inside a sum, standing as ``symbol`` in the body."""

    base: sympy.Symbol
    step: int
    offset: sympy.Expr
    symbol: sympy.Symbol


@dataclass(frozen=True)
class IndexedSum:
    """One ``Sum(body, (index, lower, upper))``; ``body`` is written in window and scalar symbols."""

    symbol: sympy.Symbol
    index: sympy.Symbol
    lower: sympy.Expr
    upper: sympy.Expr
    body: sympy.Expr
    windows: tuple[Window, ...]
    shift: sympy.Symbol | None = None  # set by ``shift_logsumexp``: the body is exp(u - shift)


@dataclass(frozen=True)
class IndexedProblem:
    """An expression with sums: ``outer`` over sum symbols, scalar variables and element symbols."""

    expr: sympy.Expr
    outer: sympy.Expr
    sums: tuple[IndexedSum, ...]
    elements: tuple[tuple[sympy.Symbol, sympy.Symbol, sympy.Expr], ...]  # (symbol, base, index)
    variables: tuple[sympy.Symbol, ...]  # vectors (IndexedBase labels) and scalars, sorted by name
    vectors: frozenset
    sizes: tuple[sympy.Symbol, ...]
    # the vector whose length is the (one) size, where the caller knows it (an ODE field's cotangent);
    # None: inferred from the vectors' reads (``codegen.indexed_sizes``)
    length_from: str | None = None


def has_indexed(expr: sympy.Expr) -> bool:
    """True when ``expr`` reads vector elements (x[i]), has sums or other reductions, or det(A)."""
    return isinstance(expr, sympy.Basic) and expr.has(sympy.Indexed, sympy.Sum, sympy.Product, IndexMin,
                                                      IndexMax, ArrayDet)


def _affine(idx: sympy.Expr, i: sympy.Symbol) -> tuple[int, sympy.Expr]:
    step = sympy.expand(idx).coeff(i)
    offset = sympy.expand(idx - step * i)
    if not step.is_Integer or step < 1 or offset.has(i):
        raise CompileError(f"index {idx} is not c*{i} + k with a whole number c >= 1",
                           hint="indexed sums read x[i], x[i+1], x[2*i], ... (affine in the index)")
    return int(step), offset


def _one_sum(s: sympy.Sum, k: int) -> IndexedSum:
    if len(s.limits) != 1 or s.function.has(sympy.Sum):
        raise CompileError("nested or multiple-index sums are not supported; write one index per sum")
    i, lower, upper = s.limits[0]
    windows: dict[tuple, Window] = {}
    swap = {}
    for ind in sorted(s.function.atoms(sympy.Indexed), key=sympy.default_sort_key):  # names fixed across runs
        if len(ind.indices) != 1:
            raise CompileError(f"{ind} has {len(ind.indices)} indices; vectors take one index")
        base = ind.base.label
        step, offset = _affine(ind.indices[0], i)
        key = (base, step, offset)
        if key not in windows:
            name = f"{base.name}_{k}w{len(windows)}"
            windows[key] = Window(base, step, offset, sympy.Symbol(name, real=True))
        swap[ind] = windows[key].symbol
    body = s.function.xreplace(swap)
    return IndexedSum(sympy.Symbol(f"_sum{k}", real=True), i, lower, upper, body, tuple(windows.values()))


def analyse(expr: sympy.Expr) -> IndexedProblem:
    """The sums, windows, elements, variables and size symbols of ``expr``."""
    if needs_tree(expr):
        raise CompileError("several-index arrays, nested sums, prod/min/max over an index and det(A) have no "
                           "symbolic gradient here; they compile only",
                           hint="symgd.compile(text, backend='numba') gives their value and gradient")
    sums, swap = [], {}
    for s in sorted(expr.atoms(sympy.Sum), key=sympy.default_sort_key):
        term = _one_sum(s, len(sums))
        sums.append(term)
        swap[s] = term.symbol
    outer = expr.xreplace(swap)
    elements, eswap = [], {}
    for ind in sorted(outer.atoms(sympy.Indexed), key=sympy.default_sort_key):
        if len(ind.indices) != 1:
            raise CompileError(f"{ind} has {len(ind.indices)} indices; vectors take one index")
        sym = sympy.Symbol(f"_el{len(elements)}", real=True)
        elements.append((sym, ind.base.label, ind.indices[0]))
        eswap[ind] = sym
    outer = outer.xreplace(eswap)
    vectors = {w.base for t in sums for w in t.windows} | {b for _, b, _ in elements}
    size_syms = set()
    for t in sums:
        size_syms |= (t.lower.free_symbols | t.upper.free_symbols
                      | set().union(*(w.offset.free_symbols for w in t.windows)))
    size_syms |= set().union(*(idx.free_symbols for _, _, idx in elements)) if elements else set()
    scalars = set(outer.free_symbols) | set().union(*(t.body.free_symbols for t in sums)) if sums else \
        set(outer.free_symbols)
    scalars -= {t.symbol for t in sums} | {e for e, _, _ in elements} | {w.symbol for t in sums for w in t.windows}
    scalars -= {t.index for t in sums}
    clash = vectors & scalars
    if clash:
        raise CompileError(f"{', '.join(sorted(s.name for s in clash))} is used both as a vector and a scalar")
    sizes = size_syms - scalars
    variables = tuple(sorted(vectors | scalars, key=lambda s: s.name))
    return IndexedProblem(expr, outer, tuple(sums), tuple(elements), variables, frozenset(vectors),
                          tuple(sorted(sizes, key=lambda s: s.name)))


def shift_logsumexp(problem: IndexedProblem) -> IndexedProblem:
    """Shift the maximum out of each ``log(sum(exp(u), i, a, b))`` (an indexed logsumexp), for code:
    the body becomes exp(u - m) and the outer log(S) becomes m + log(S), ``m`` a constant symbol
    (``IndexedSum.shift``) the generated code sets to the maximum of u over the sum. Any m gives the same
    value and, as a constant, the same gradient; the maximum keeps every exp <= 1 (no overflow)."""
    from dataclasses import replace
    sums, swap = [], {}
    for k, t in enumerate(problem.sums):
        logged = sympy.log(t.symbol)
        if isinstance(t.body, sympy.exp) and t.windows and problem.outer.has(logged):
            m = sympy.Symbol(f"_m{k}", real=True)
            swap[logged] = m + logged
            t = replace(t, body=sympy.exp(t.body.args[0] - m), shift=m)
        sums.append(t)
    if not swap:
        return problem
    return replace(problem, sums=tuple(sums), outer=problem.outer.xreplace(swap))


def body_gradient(term: IndexedSum, scalars) -> tuple[tuple[sympy.Symbol, ...], tuple[sympy.Expr, ...]]:
    """The body's inputs (windows, then scalars it reads) and its gradient, by the one graph."""
    inputs = tuple(w.symbol for w in term.windows) + tuple(s for s in scalars if s in term.body.free_symbols)
    if not inputs:
        return (), ()
    return inputs, build_graph(term.body, inputs).gradient()


def indexed_gradient(problem: IndexedProblem, index_name: str = "j") -> tuple[sympy.Expr, ...]:
    """The gradient in variable order; a vector x's entry is ``Lambda(j, ∂f/∂x[j])``."""
    outer_inputs = tuple(t.symbol for t in problem.sums) + tuple(e for e, _, _ in problem.elements)
    scalars = tuple(v for v in problem.variables if v not in problem.vectors)
    inputs = outer_inputs + tuple(s for s in scalars if s in problem.outer.free_symbols)
    back = {t.symbol: sympy.Sum(t.body.xreplace(_window_reads(t, t.index)), (t.index, t.lower, t.upper))
            for t in problem.sums}
    back.update({e: sympy.Indexed(sympy.IndexedBase(b), idx) for e, b, idx in problem.elements})
    outer_grad = dict(zip(inputs, build_graph(problem.outer, inputs).gradient())) if inputs else {}
    taken = {s.name for s in problem.expr.free_symbols}
    j = sympy.Symbol(index_name if index_name not in taken else index_name + "_", integer=True)
    result = {v: sympy.S.Zero for v in problem.variables}
    for t in problem.sums:
        d_sum = outer_grad.get(t.symbol, sympy.S.Zero).xreplace(back)
        for sym, partial in zip(*body_gradient(t, scalars)):
            window = next((w for w in t.windows if w.symbol == sym), None)
            if window is None:
                result[sym] += d_sum * sympy.Sum(partial.xreplace(_window_reads(t, t.index)),
                                                 (t.index, t.lower, t.upper))
                continue
            at = (j - window.offset) / window.step  # the i at which this window reads x[j]
            cond = sympy.And(at >= t.lower, at <= t.upper)
            if window.step != 1:
                cond = sympy.And(cond, sympy.Eq(sympy.Mod(j - window.offset, window.step), 0))
            local = partial.xreplace({**_window_reads(t, at), t.index: at})
            result[window.base] += sympy.Piecewise((d_sum * local, cond), (0, True))
    for e, b, idx in problem.elements:
        result[b] += sympy.Piecewise((outer_grad.get(e, 0).xreplace(back), sympy.Eq(j, idx)), (0, True))
    for s in scalars:
        result[s] += outer_grad.get(s, sympy.S.Zero).xreplace(back)
    return tuple(sympy.Lambda(j, result[v]) if v in problem.vectors else result[v] for v in problem.variables)


def _window_reads(term: IndexedSum, at: sympy.Expr) -> dict:
    return {w.symbol: sympy.Indexed(sympy.IndexedBase(w.base), w.step * at + w.offset) for w in term.windows}


#: The most terms ``unroll`` writes out (each becomes SymPy nodes and graph nodes; explanations of small cases).
MAX_UNROLLED_TERMS = 10_000


def unroll(expr: sympy.Expr, sizes: Mapping[str, int]) -> tuple[sympy.Expr, tuple[sympy.Symbol, ...]]:
    """``expr`` with its sums written out for concrete ``sizes``; vector elements become symbols
    ``x[0]``, ``x[1]``, ... returned in variable-then-index order (for explanations of small cases)."""
    problem = analyse(expr)
    known = budget.check_sizes(sizes)
    values = {s: sympy.Integer(known[s.name]) for s in problem.sizes if s.name in known}
    missing = [s.name for s in problem.sizes if s not in values]
    if missing:
        raise CompileError(f"give sizes for {', '.join(missing)} to unroll the sums")
    _check_unrolled(problem, values)
    written = expr.xreplace(values).doit()
    elements = sorted(written.atoms(sympy.Indexed), key=lambda e: (e.base.label.name, int(e.indices[0])))
    swap = {e: sympy.Symbol(f"{e.base.label.name}[{int(e.indices[0])}]", real=True) for e in elements}
    scalars = [v for v in problem.variables if v not in problem.vectors]
    order = sorted([*swap.values(), *scalars], key=lambda s: _element_key(s, problem.vectors))
    return written.xreplace(swap), tuple(order)


def _check_unrolled(problem: IndexedProblem, values: Mapping[sympy.Symbol, sympy.Integer]) -> None:
    """Refuse sums that would write out more than MAX_UNROLLED_TERMS terms (``n = 10^12``), before
    SymPy builds them."""
    terms = 0
    for t in problem.sums:
        count = (t.upper - t.lower + 1).xreplace(values)
        terms += max(0, int(count)) if count.is_Integer else 0
    if terms > MAX_UNROLLED_TERMS:
        given = ", ".join(f"{s.name} = {budget.format_count(v)}" for s, v in values.items()) or "these bounds"
        raise BudgetError(f"writing the sums out for {given} makes {budget.format_count(terms)} terms; "
                          f"the limit is {MAX_UNROLLED_TERMS:,}",
                          hint="written-out sums are for small sizes; the indexed gradient needs none")


def _element_key(s: sympy.Symbol, vectors) -> tuple:
    name, _, rest = s.name.partition("[")
    return (name, int(rest[:-1]) if rest else -1)
