"""Nested reductions over indices: the tree that ``sum``/``prod``/``min``/``max``/``logsumexp`` make.

``sum(min(sum((x[i,l] - c[j,l])^2, l, 0, D-1), j, 0, K-1), i, 0, N-1)`` is a tree of three
reductions. Each reduction's body is a small scalar expression over *reads* (``x[i,l]`` as one
symbol), the values of its child reductions (one symbol each), scalar variables and the indices in
scope. Array reads may take several indices, each a whole-number polynomial in the indices in scope
and the sizes (``l[k, b*(2*D-b-1)/2 + a-b-1]``: gmm's packed triangle), and a bound may depend on an
outer index (``sum(..., b, 0, a-1)``). The gradient is the reverse sweep over this tree: a body's local
partials come from the one graph (``build_graph``), and the code generator
(``symgd.codegen.reduce_loops``) writes the loops. ``log(Sum(exp(u), k, ...))`` is one ``lse``
reduction (the textbook logsumexp; code keeps it stable with a running maximum).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import sympy

from symgd.errors import BudgetError, CompileError
from symgd.parse.reductions import ArrayDet, IndexMax, IndexMin

#: The most iterations of one reduction whose bounds are numbers (``prod(i, i, 1, 10^12)`` would run for hours).
MAX_LITERAL_RANGE = 10**9

KINDS = {sympy.Sum: "sum", sympy.Product: "prod", IndexMin: "min", IndexMax: "max"}


@dataclass(frozen=True)
class Read:
    """``base[indices]`` read in a body, standing as ``symbol`` there."""

    symbol: sympy.Symbol
    base: sympy.Symbol
    indices: tuple[sympy.Expr, ...]


@dataclass(frozen=True)
class Level:
    """A body: a scalar expression over its reads, its children's symbols, scalars and indices."""

    body: sympy.Expr
    reads: tuple[Read, ...]
    children: tuple["Reduction", ...]
    scope: tuple[sympy.Symbol, ...]  # the indices of the enclosing reductions, outermost first


@dataclass(frozen=True)
class Reduction:
    """``kind`` (sum, prod, min, max, lse) of ``level.body`` over ``index`` = lower..upper."""

    kind: str
    symbol: sympy.Symbol
    index: sympy.Symbol
    lower: sympy.Expr
    upper: sympy.Expr
    level: Level
    powers: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()  # (symbol, base): symbol is base**index


@dataclass(frozen=True)
class Tree:
    """The whole expression: ``top`` (scope empty) and what the reductions read."""

    expr: sympy.Expr
    top: Level
    ndim: tuple[tuple[sympy.Symbol, int], ...]  # arrays and their number of indices
    scalars: tuple[sympy.Symbol, ...]
    sizes: tuple[sympy.Symbol, ...]
    variables: tuple[sympy.Symbol, ...]  # arrays and scalars, sorted by name
    bounds: tuple[tuple[sympy.Symbol, sympy.Expr, sympy.Expr], ...]  # every index and its range
    dets: tuple[tuple[sympy.Symbol, sympy.Symbol], ...] = ()  # det(A): (value symbol, array A)


def needs_tree(expr: sympy.Expr) -> bool:
    """True where ``expr`` has what the one-index window engine (``calculus.indexed``) cannot take:
    arrays read with several indices, nested sums, products, min/max over an index, or bounds that
    depend on an index."""
    if not isinstance(expr, sympy.Basic):
        return False
    if expr.has(sympy.Product, IndexMin, IndexMax, ArrayDet):
        return True
    if any(len(ind.indices) > 1 for ind in expr.atoms(sympy.Indexed)):
        return True
    sums = expr.atoms(sympy.Sum)
    return any(len(s.limits) > 1 or s.function.has(sympy.Sum) for s in sums)


def walk(level: Level):
    """Every reduction under ``level``, parents before children."""
    for child in level.children:
        yield child
        yield from walk(child.level)


def analyse_tree(expr: sympy.Expr) -> Tree:
    """The reduction tree of ``expr`` (CompileError for what it cannot compile)."""
    ctx = _Context()
    top = _level(expr, (), ctx)
    ndim: dict = {}
    sizes, body_syms, bounds = set(), set(), []
    for level, scope in _levels(top):
        for r in level.reads:
            if ndim.setdefault(r.base, len(r.indices)) != len(r.indices):
                raise CompileError(f"{r.base.name} is read with {ndim[r.base]} and with {len(r.indices)} "
                                   "indices; an array takes the same number everywhere")
            for idx in r.indices:
                sizes |= idx.free_symbols - set(scope)
        body_syms |= level.body.free_symbols - set(scope)
    for node in walk(top):
        bounds.append((node.index, node.lower, node.upper))
        scope = node.level.scope[:-1]
        sizes |= (node.lower.free_symbols | node.upper.free_symbols) - set(scope)
    for sym, base in ctx.dets.values():
        if ndim.setdefault(base, 2) != 2:
            raise CompileError(f"det({base.name}) needs a square array; {base.name} is read with {ndim[base]} index")
    placeholders = {r.symbol for lv, _ in _levels(top) for r in lv.reads} | {n.symbol for n in walk(top)}
    placeholders |= {sym for sym, _ in ctx.dets.values()}
    scalars = body_syms - placeholders - sizes
    arrays = set(ndim)
    for clash, what in ((arrays & scalars, "an array and a scalar"), (arrays & sizes, "an array and a size")):
        if clash:
            raise CompileError(f"{', '.join(sorted(s.name for s in clash))} is used both as {what}")
    indices = {b[0] for b in bounds}
    if indices & (scalars | sizes):
        name = sorted(s.name for s in indices & (scalars | sizes))[0]
        raise CompileError(f"the index {name} is used outside its reduction",
                           hint="each index is read only inside the reduction that runs it")
    by_name = lambda s: s.name  # noqa: E731
    top = _running_powers(top, sizes, itertools.count())
    return Tree(expr, top, tuple(sorted(ndim.items(), key=lambda kv: kv[0].name)),
                tuple(sorted(scalars, key=by_name)), tuple(sorted(sizes, key=by_name)),
                tuple(sorted(arrays | scalars, key=by_name)), tuple(bounds), tuple(ctx.dets.values()))


def _running_powers(level: Level, sizes: set, counter) -> Level:
    """``t^j`` in the body of a reduction over j, with t a constant of the loop (outer indices and
    sizes only: nothing differentiated), becomes a symbol the loop keeps as a running product
    (``Reduction.powers``): one multiplication per index instead of a pow (llsq's polynomial)."""
    children = []
    for node in level.children:
        inner = _running_powers(node.level, sizes, counter)
        allowed = set(node.level.scope[:-1]) | sizes
        swap, powers = {}, []
        for p in sorted(inner.body.atoms(sympy.Pow), key=sympy.default_sort_key):
            if p.exp == node.index and p.base.free_symbols <= allowed and p not in swap:
                swap[p] = sympy.Symbol(f"_pw{next(counter)}", real=True)
                powers.append((swap[p], p.base))
        if swap:
            inner = replace(inner, body=inner.body.xreplace(swap))
        children.append(replace(node, level=inner, powers=tuple(powers)))
    return replace(level, children=tuple(children))


def _levels(level: Level):
    yield level, level.scope
    for node in walk(level):
        yield node.level, node.level.scope


class _Context:
    """Counters for fresh symbol names, and the det(A) nodes found anywhere in the tree."""

    def __init__(self) -> None:
        self.nodes, self.reads, self.dets = itertools.count(), itertools.count(), {}


def _level(expr: sympy.Expr, scope: tuple, ctx: _Context) -> Level:
    children: list[Reduction] = []
    body = _lift(expr, scope, children, ctx)
    reads, swap = [], {}
    for ind in sorted(body.atoms(sympy.Indexed), key=sympy.default_sort_key):
        for idx in ind.indices:
            _check_integer(idx, f"the index {idx} of {ind}")
        sym = sympy.Symbol(f"_a{next(ctx.reads)}", real=True)
        reads.append(Read(sym, ind.base.label, tuple(sympy.sympify(i) for i in ind.indices)))
        swap[ind] = sym
    return Level(body.xreplace(swap), tuple(reads), tuple(children), scope)


def _lift(e: sympy.Basic, scope: tuple, children: list, ctx: _Context) -> sympy.Basic:
    """``e`` with its outermost reductions replaced by symbols (appended to ``children``)."""
    if isinstance(e, sympy.log) and isinstance(e.args[0], sympy.Sum) and len(e.args[0].limits) == 1 \
            and isinstance(e.args[0].function, sympy.exp):
        s = e.args[0]
        return _node("lse", s.limits[0], s.function.args[0], scope, children, ctx)
    if type(e) in KINDS:
        *inner, outer = e.limits
        body = type(e)(e.function, *inner) if inner else e.function
        return _node(KINDS[type(e)], outer, body, scope, children, ctx)
    if isinstance(e, ArrayDet):  # its value reads no index: computed once, before the loops
        base = e.args[0].label
        return ctx.dets.setdefault(base, (sympy.Symbol(f"_det{len(ctx.dets)}", real=True), base))[0]
    if isinstance(e, sympy.Indexed) or not e.args:
        return e
    return e.func(*(_lift(a, scope, children, ctx) for a in e.args))


def _node(kind: str, limit: tuple, body: sympy.Expr, scope: tuple, children: list, ctx: _Context) -> sympy.Symbol:
    if len(limit) != 3:
        raise CompileError(f"a {kind} needs an index and two bounds")
    index, lower, upper = limit
    if index in scope:
        raise CompileError(f"the index {index} is already the index of an enclosing reduction",
                           hint="give each nested reduction its own index name")
    for bound in (lower, upper):
        if index in bound.free_symbols:
            raise CompileError(f"the bound {bound} of the {kind} over {index} depends on {index} itself")
        _check_integer(bound, f"the bound {bound} of the {kind} over {index}")
    count = upper - lower + 1
    if count.is_Number and count > MAX_LITERAL_RANGE:  # a loop, not an allocation: refused for its time
        raise BudgetError(f"the {kind} over {index} runs {int(count):,} times; the limit for written-out "
                          f"bounds is {MAX_LITERAL_RANGE:,}", hint="give the size as a name (sizes=) and "
                          "pass arrays of that length")
    node = Reduction(kind, sympy.Symbol(f"_r{next(ctx.nodes)}", real=True), index, lower, upper,
                     _level(body, scope + (index,), ctx))
    children.append(node)
    return node.symbol


def _check_integer(e: sympy.Expr, what: str) -> None:
    """Indices and bounds are polynomials in names with rational coefficients (whole-number valued:
    the generated code checks that where it divides)."""
    e = sympy.sympify(e)
    if e.has(sympy.Indexed, sympy.Sum, sympy.Product, IndexMin, IndexMax) or e.atoms(sympy.Float):
        raise CompileError(f"{what} must be a whole-number expression of indices and sizes",
                           hint="indices are like i, i+1, 2*i, k*D + j")
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    ok = e.is_Rational if not syms else e.is_polynomial(*syms) and all(
        c.is_Rational for c in sympy.Poly(e, *syms).coeffs())
    if not ok:
        raise CompileError(f"{what} must be a whole-number expression of indices and sizes",
                           hint="indices are like i, i+1, 2*i, k*D + j")
