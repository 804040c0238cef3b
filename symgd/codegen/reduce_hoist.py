"""Loop-invariant code motion for reduction trees, and child values kept for the reverse sweep.

In gmm's ``sum(logsumexp(alpha[k] + sum(q[k,a], a) - 0.5*sum((exp(q[k,a])*(x[i,a] - mu[k,a]) + ...)^2, a),
k), i)`` the terms ``exp(q[k,a])`` and ``sum(q[k,a], a)`` do not depend on the point i, yet the loops
recompute them for every i. ``hoist_tree`` finds each such subexpression of a body (not depending on
an enclosing index p, the outermost such), replaces it by a read of a scratch array indexed by the
indices it does depend on that run inside p (``_h0[k, a]``), and records a ``Hoist``: the code generator
(``reduce_loops._Gen``) fills the array in loops of its own just before p's loop, and in the reverse
sweep it accumulates the array's adjoint (``_gh0``) through p's loops, then carries it once to what
the hoisted expression reads, with the same body-partials machinery as any other level.

The indices that index the scratch array are filled over the ranges the loops run, so every read
stays inside the ranges that ``reduce_check.check_source`` proves in bounds. Their bounds may name
indices outside p or kept indices around them (gmm's triangle ``b < a``), never a dropped index inside
p; the array is sized by each range's longest run (a triangle in a square).

A bare read whose position jumps in the innermost loop (gmm's packed ``l[k, b*(2*D-b-1)/2 + a-b-1]``,
a gather numba cannot vectorise) is hoisted too when it does not depend on an outer loop: it is copied
once into a dense scratch array read at unit stride (measured on gmm's triangular sum: 165 -> 47 ms).

A logsumexp's reverse sweep needs its body's child values again (gmm: the triangular sum over b, per
(k, a)); ``keep_values`` has its value pass store them in arrays over the same rectangular ranges, so
the sweep reads them instead of running those loops a second time.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import sympy

from symgd.calculus.reduce_tree import Level, Read, Reduction, Tree
from symgd.codegen.indexed_sizes import int_text


@dataclass(frozen=True)
class Hoist:
    """``array[idx...] = level.body`` for the ``nodes``' indices (outermost first), filled before a loop."""

    array: sympy.Symbol
    nodes: tuple[Reduction, ...]  # the fill's loops: the enclosing reductions of the indices kept
    level: Level  # the hoisted expression over its own reads and child reductions
    dims: tuple[sympy.Expr, ...]  # the array's length along each node (a triangle's longest row)


class _Scan:
    """One pass over the tree: per level, the index dependencies of its symbols; collects the hoists."""

    def __init__(self, tree: Tree) -> None:
        self.ids = itertools.count()
        self.hoists: dict[sympy.Symbol, list[Hoist]] = {}  # p's symbol -> its hoists, in fill order
        self.seen: dict = {}  # (p, canonical expression) -> scratch array
        self.new_reads: list[Read] = []
        self.indices = {b[0] for b in tree.bounds}
        self.powers = {sym: (node.index, base) for node in _all_nodes(tree.top) for sym, base in node.powers}

    def deps(self, sym: sympy.Symbol, level: Level) -> set:
        """The indices the value of ``sym`` in ``level``'s body varies with."""
        if sym in self.indices:
            return {sym}
        if sym in self.powers:  # base**index, kept as a running product by the index's loop
            index, base = self.powers[sym]
            return {index} | (base.free_symbols & self.indices)
        for r in level.reads:
            if r.symbol == sym:
                return set().union(*(sympy.sympify(i).free_symbols for i in r.indices)) & self.indices
        for c in level.children:
            if c.symbol == sym:
                inside = {c.index} | {n.index for n in _all_nodes(c.level)}
                return self.level_deps(c.level) | ((c.lower.free_symbols | c.upper.free_symbols) & self.indices) \
                    - inside
        return set()  # a scalar, a size or a det(A): the same everywhere

    def level_deps(self, level: Level, e: sympy.Expr | None = None) -> set:
        """The indices ``e`` (default: the whole body, bounds of its children included) varies with."""
        e = level.body if e is None else e
        return set().union(*(self.deps(sym, level) for sym in e.free_symbols))

    def target(self, e: sympy.Expr, level: Level, chain: tuple, gather: bool = False) -> tuple | None:
        """(p's position in ``chain``, the nodes whose indices index the scratch array, their lengths)
        or None. ``gather``: ``e`` is a read worth copying to unit stride (``_is_gather``)."""
        d = self.level_deps(level, e)
        # a scalar left in place where it is cheap: LLVM hoists pure arithmetic of invariant values itself
        # (not reductions, nor calls such as exp: the loops' stores may alias the arrays they read)
        costly = bool(e.free_symbols & {c.symbol for c in level.children}) or e.has(sympy.Function) or any(
            not w.exp.is_Integer for w in e.atoms(sympy.Pow))
        cheap = sympy.count_ops(e) < 2  # one operation (a negation, x - y): no better than a load
        for p in (k for k, node in enumerate(chain) if node.index not in d):  # outermost first
            inner = {n.index for n in chain[p:]}
            kept = tuple(n for n in chain[p:] if n.index in d)
            dims = _lengths(kept, inner)
            if dims is None:
                continue  # a range that moves with a dropped index inside p: not filled before p
            return (p, kept, dims) if costly or (kept and (gather or not cheap)) else None
        return None

    def level(self, level: Level, chain: tuple) -> Level:
        """``level`` with its hoistable subexpressions replaced by scratch reads (children done first)."""
        swap: dict = {}
        self._find(level.body, level, chain, swap)
        body = level.body.xreplace(swap) if swap else level.body
        moved = set().union(*(s.free_symbols for s in swap)) if swap else set()
        children = tuple(replace(c, level=self.level(c.level, chain + (c,))) for c in level.children
                         if c.symbol not in moved)
        reads = tuple(r for r in (*level.reads, *self.new_reads) if r.symbol in body.free_symbols)
        return replace(level, body=body, reads=reads, children=children)

    def _find(self, e: sympy.Expr, level: Level, chain: tuple, swap: dict) -> None:
        """Maximal hoistable subexpressions of ``e``, outermost first (sympy's ``args`` walk; sympy's
        ``cse`` finds repeated subexpressions, not invariant ones)."""
        if e in swap:
            return
        if not (e.args or e in {c.symbol for c in level.children}):
            if _is_gather(e, level, chain):
                t = self.target(e, level, chain, gather=True)
                if t is not None:
                    swap[e] = self.make(e, level, chain, *t)
            return
        t = self.target(e, level, chain)
        if t is None:
            for a in e.args:
                self._find(a, level, chain, swap)
            return
        swap[e] = self.make(e, level, chain, *t)

    def make(self, e: sympy.Expr, level: Level, chain: tuple, p: int, kept: tuple, dims: tuple) -> sympy.Symbol:
        """The scratch read that stands for ``e`` (one array per loop and expression)."""
        reads = tuple(r for r in level.reads if r.symbol in e.free_symbols)
        children = tuple(c for c in level.children if c.symbol in e.free_symbols)
        key = (chain[p].symbol, e.xreplace({r.symbol: sympy.Indexed(r.base, *r.indices) for r in reads}))
        if key not in self.seen or children:  # a child reduction belongs to one place in the tree
            array = sympy.Symbol(f"_h{next(self.ids)}", real=True)
            scope = tuple(n.index for n in chain[:p]) + tuple(n.index for n in kept)
            self.hoists.setdefault(chain[p].symbol, []).append(Hoist(array, kept, Level(e, reads, children, scope), dims))
            self.seen[key] = array
        array = self.seen[key]
        sym = sympy.Symbol(f"{array.name}_{next(self.ids)}", real=True)
        self.new_reads.append(Read(sym, array, tuple(n.index - n.lower for n in kept) or (sympy.S.Zero,)))
        return sym


def _is_gather(sym: sympy.Symbol, level: Level, chain: tuple) -> bool:
    """True where ``sym`` reads an array at a position that moves by other than one element along
    the last axis as the innermost loop's index steps (a strided or packed read)."""
    read = next((r for r in level.reads if r.symbol == sym), None)
    if read is None or not chain:
        return False
    j = chain[-1].index
    idx = [sympy.sympify(i) for i in read.indices]
    if not any(j in i.free_symbols for i in idx):
        return False  # the same element all through the loop
    return any(j in i.free_symbols for i in idx[:-1]) or sympy.expand(sympy.diff(idx[-1], j)) != 1


def _lengths(kept: tuple, inner: set) -> tuple | None:
    """Each kept loop's longest run, over the kept loops around it, or None where a bound names a
    dropped index inside p or is not linear (with a number for slope) in a kept one. The bounds are
    linear, so the longest run is at an end of each outer range."""
    dims = []
    for m, node in enumerate(kept):
        around = [n.index for n in kept[:m]]
        if (node.lower.free_symbols | node.upper.free_symbols) & inner - set(around):
            return None
        length = sympy.expand(node.upper + 1 - node.lower)
        for outer in reversed(kept[:m]):
            slope = sympy.diff(length, outer.index)
            if not slope.is_number:
                return None
            if slope:
                length = sympy.expand(length.subs(outer.index, outer.upper if slope > 0 else outer.lower))
        dims.append(length)
    return tuple(dims)


def _all_nodes(level: Level):
    for c in level.children:
        yield c
        yield from _all_nodes(c.level)


def hoist_tree(tree: Tree) -> tuple[Tree, dict]:
    """The tree with loop-invariant subexpressions read from scratch arrays, and {symbol of the loop
    they are filled before: (Hoist, ...)}."""
    scan = _Scan(tree)
    top = scan.level(tree.top, ())
    return replace(tree, top=top), {k: tuple(v) for k, v in scan.hoists.items()}


def _index(nodes: tuple, w) -> str:
    return ", ".join(int_text(n.index - n.lower, w) for n in nodes) or "0"


def _shape(dims: tuple, w) -> str:
    return f"({', '.join(f'max({int_text(d, w)}, 0)' for d in dims) or '1'},)"


def _rectangle(nodes: tuple) -> tuple:
    return tuple(n.upper + 1 - n.lower for n in nodes)


def fill(gen, hoists: tuple[Hoist, ...], ind: int, grads: bool) -> None:
    """Lines that fill each scratch array (and zero its adjoint, with ``grads``), before p's loop."""
    for h in hoists:
        gen.put(ind, f"{h.array.name} = _np.empty({_shape(h.dims, gen.w)})")
        if grads and h.array in gen.active:
            gen.put(ind, f"_g{h.array.name[1:]} = _np.zeros({_shape(h.dims, gen.w)})")
        at = ind
        for node in h.nodes:
            gen.loop(node, at)
            at += 1
        val, _ = gen.program(h.level, True, False, at)
        gen.put(at, f"{h.array.name}[{_index(h.nodes, gen.w)}] = {val}")


def carry(gen, hoists: tuple[Hoist, ...], ind: int) -> None:
    """After p's reverse sweep: each scratch array's accumulated adjoint into what its expression reads."""
    for h in reversed(hoists):
        if h.array not in gen.active:
            continue
        at = ind
        for node in h.nodes:
            gen.loop(node, at)
            at += 1
        gen.scatter(h.level, f"_g{h.array.name[1:]}[{_index(h.nodes, gen.w)}]", at)


def keep_values(gen, node: Reduction, ind: int) -> set:
    """Arrays that the value pass of ``node`` fills with its descendants' values (``gen.keep``), for
    its reverse sweep to read instead of running their loops again (gmm's triangular sum over b, per
    (k, a)). Only descendants whose enclosing loops from ``node`` down have bounds fixed outside
    ``node`` (a rectangle). Returns their symbols; the caller makes them readable after the pass."""
    inside = {node.index} | {n.index for n in _all_nodes(node.level)}
    out: set = set()

    def visit(level: Level, chain: tuple) -> None:
        for child in level.children:
            if child.symbol in gen.keep:
                continue
            array = f"{child.symbol.name}_kv"
            gen.put(ind, f"{array} = _np.empty({_shape(_rectangle(chain), gen.w)})")
            gen.keep[child.symbol] = f"{array}[{_index(chain, gen.w)}]"
            out.add(child.symbol)
            if not (child.lower.free_symbols | child.upper.free_symbols) & inside:
                visit(child.level, chain + (child,))
    if not (node.lower.free_symbols | node.upper.free_symbols) & inside:
        visit(node.level, (node,))
    return out
