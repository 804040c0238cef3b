"""Loops for reduction trees (``calculus.reduce_tree``): value and reverse sweep as nested scalar loops.

Each reduction is one ``for`` loop; its body's program (from the one graph) runs per index. The
value pass accumulates (sum, prod, min, max; logsumexp with a running maximum: one exp per element,
never an overflow). The gradient pass walks the tree again from the top with each node's adjoint:

- sum: the body's adjoint is the node's;
- logsumexp: the node's times exp(u - lse), the softmax weight (lse recomputed first);
- min/max: the node's, at the first index that attains the minimum/maximum (ties go to the first;
  a subgradient), found by a search loop;
- prod: the node's times the product of the other factors, from prefix and suffix products
  (no division by the element, so zeros are exact).

A body's adjoint goes to its reads (``_g_x[i, l] += ...``), its scalars and, recursively, its child
reductions, whose values are recomputed where a partial needs them, except inside a logsumexp, whose
value pass keeps them (``reduce_hoist.keep_values``). Child values the partials do not need (the body of
``sum(min(...))``) are not computed. Loop invariants are computed once (``reduce_hoist``). The same source
runs under numba (compiled once) or, without numba, as plain Python (slow: for small sizes).
"""
from __future__ import annotations

from itertools import count

import sympy

from symgd.calculus.reduce_tree import Level, Reduction, Tree, walk
from symgd.codegen import reduce_hoist
from symgd.codegen.indexed_sizes import _Writer, int_text
from symgd.codegen.names import prefixed
from symgd.codegen.ir import program_from_graph
from symgd.calculus.graph import build_graph

_INIT = {"sum": "0.0", "prod": "1.0", "min": "_inf", "max": "-_inf"}


class _Gen:
    """Writes the lines of one function; ``ind`` is the current indentation depth."""

    def __init__(self, tree: Tree, active: frozenset | None = None, hoists: dict | None = None) -> None:
        self.tree, self.w, self.lines, self.ids = tree, _Writer("python"), [], count()
        self.det_names = {d for d, _ in tree.dets}
        self.active = frozenset(tree.variables) if active is None else active
        self.hoists, self.filled = hoists or {}, set()  # loop symbol -> its Hoists (reduce_hoist)
        self.keep: dict = {}  # child symbol -> (array, index text): its values, kept by a value pass
        self.kept, self.stored = set(), set()  # children whose kept values the code may read now / has written
        # what an adjoint must reach: reads of active arrays, active scalars and dets, and the children
        # whose subtree holds one (a data array's gradient is never computed)
        dets = {d for d, base in tree.dets if base in self.active}
        self.wanted = {s for s in tree.scalars if s in self.active} | dets
        for h in (h for hs in self.hoists.values() for h in hs):  # a scratch array is active where its
            if self.mark(h.level):  # expression reaches an active variable
                self.active |= {h.array}
        self.mark(tree.top)

    def mark(self, level: Level) -> bool:
        """Add to ``wanted`` what under ``level`` an adjoint must reach; whether its body wants one."""
        for node in reversed(list(walk(level))):  # children before parents
            if self._wants(node.level):
                self.wanted.add(node.symbol)
        return self._wants(level)

    def _wants(self, lv: Level) -> bool:
        self.wanted |= {r.symbol for r in lv.reads if r.base in self.active}
        return any(t in self.wanted for t in (*(r.symbol for r in lv.reads), *(c.symbol for c in lv.children))) \
            or bool(lv.body.free_symbols & self.wanted)

    def put(self, ind: int, line: str) -> None:
        self.lines.append("    " * ind + line)

    def loop(self, node: Reduction, ind: int) -> None:
        """``for j in range(lower, upper + 1):``, with the node's running powers t**j (``powers``)."""
        lo, hi = int_text(node.lower, self.w), int_text(node.upper + 1, self.w)
        for sym, base in node.powers:
            self.put(ind, f"{sym.name}_b = {self.w.expr(base)}")
            self.put(ind, f"{sym.name}_n = {sym.name}_b ** ({lo})")
        self.put(ind, f"for {node.index.name} in range({lo}, {hi}):")
        for sym, _ in node.powers:
            self.put(ind + 1, f"{sym.name} = {sym.name}_n")
            self.put(ind + 1, f"{sym.name}_n = {sym.name} * {sym.name}_b")

    def at_index(self, node: Reduction, ind: int) -> None:
        """After ``index = ...`` outside the loop (min/max's arg-min): the running powers there."""
        for sym, _ in node.powers:
            self.put(ind, f"{sym.name} = {sym.name}_b ** {node.index.name}")

    def program(self, level: Level, value: bool, grads: bool, ind: int) -> tuple[str | None, dict]:
        """The body's children values and reads that its program needs, then the program; returns
        (value text, {input symbol: adjoint text})."""
        inputs = tuple(r.symbol for r in level.reads) + tuple(c.symbol for c in level.children) + \
            tuple(s for s in self.tree.scalars if s in level.body.free_symbols) + \
            tuple(d for d, _ in self.tree.dets if d in level.body.free_symbols)
        program_inputs = inputs
        program, out, adjoints = program_from_graph(build_graph(level.body, inputs, stable=True))
        inputs = tuple(t for t in inputs if t in self.wanted) if grads else ()
        keep = tuple(a for t, a in zip(program_inputs, adjoints) if t in self.wanted) if grads else ()
        pruned = program.prune(((out,) if value else ()) + keep)
        tag = next(self.ids)
        rename = {sym: sympy.Symbol(prefixed(f"_p{tag}_", sym.name)) for sym, _ in pruned.lines}
        used = set().union(*(e.free_symbols for _, e in pruned.lines), *(o.free_symbols for o in pruned.outputs))
        for child in level.children:
            if child.symbol in used and child.symbol in self.kept:
                self.put(ind, f"{child.symbol.name} = {self.keep[child.symbol]}")
            elif child.symbol in used:
                self.value(child, ind)
                if child.symbol in self.keep:  # a value pass that keeps its children's values
                    self.put(ind, f"{self.keep[child.symbol]} = {child.symbol.name}")
                    self.stored.add(child.symbol)
        for r in level.reads:
            if r.symbol in used:
                self.put(ind, f"{r.symbol.name} = {self.slot(r)}")
        for sym, e in pruned.lines:
            self.put(ind, f"{rename[sym].name} = {self.w.expr(e.xreplace(rename))}")
        outs = [self.w.expr(o.xreplace(rename)) for o in pruned.outputs]
        val = outs.pop(0) if value else None
        return val, dict(zip(inputs, outs)) if grads else {}

    def slot(self, r) -> str:
        return f"{r.base.name}[{', '.join(int_text(i, self.w) for i in r.indices)}]"

    def value(self, node: Reduction, ind: int, store: str | None = None) -> None:
        """Lines that set ``node.symbol`` to the reduction's value (each body value also into the
        array named ``store``, when given)."""
        acc = node.symbol.name
        if node.symbol in self.hoists and node.symbol not in self.filled:
            reduce_hoist.fill(self, self.hoists[node.symbol], ind, False)
        if node.kind == "lse":
            m, s = f"{acc}_m", f"{acc}_s"
            self.put(ind, f"{m} = -_inf")
            self.put(ind, f"{s} = 0.0")
        else:
            self.put(ind, f"{acc} = {_INIT[node.kind]}")
        self.loop(node, ind)
        b, _ = self.program(node.level, True, False, ind + 1)
        v = f"_v{acc}"  # one name per node: a temporary shared across loop levels slows numba's code
        self.put(ind + 1, f"{v} = {b}")
        if store is not None:
            self.put(ind + 1, f"{store}[{node.index.name} - ({int_text(node.lower, self.w)})] = {v}")
        if node.kind == "sum":
            self.put(ind + 1, f"{acc} += {v}")
        elif node.kind == "prod":
            self.put(ind + 1, f"{acc} *= {v}")
        elif node.kind in ("min", "max"):
            self.put(ind + 1, f"if {v} {'<' if node.kind == 'min' else '>'} {acc}: {acc} = {v}")
        else:  # a running maximum m; s holds sum(exp(u - m))
            self.put(ind + 1, f"if {v} > {m}:")
            self.put(ind + 2, f"{s} = {s} * math.exp({m} - {v}) + 1.0")
            self.put(ind + 2, f"{m} = {v}")
            self.put(ind + 1, "else:")
            self.put(ind + 2, f"{s} += math.exp({v} - {m})")
            self.put(ind, f"{acc} = {m} + math.log({s}) if {s} > 0.0 else -_inf")

    def scatter(self, level: Level, adj: str, ind: int) -> None:
        """The body's adjoint ``adj`` into its reads, scalars and children."""
        _, grads = self.program(level, False, True, ind)
        self.spread(level, grads, adj, ind)

    def spread(self, level: Level, grads: dict, adj: str, ind: int) -> None:
        children = {c.symbol: c for c in level.children}
        slots = {r.symbol: r for r in level.reads}
        for sym, partial in grads.items():
            if sym in slots:  # a scratch array _h0's adjoint is _gh0 (generated code holds no '__')
                slot = self.slot(slots[sym])
                target = f"_g{slot[1:]}" if slot.startswith("_h") else f"_g_{slot}"
                self.put(ind, f"{target} += {adj} * ({partial})")
            elif sym in children:
                name = f"_d{children[sym].symbol.name}"
                self.put(ind, f"{name} = {adj} * ({partial})")
                self.backward(children[sym], name, ind)
            elif sym in self.det_names:
                self.put(ind, f"_d{sym.name} += {adj} * ({partial})")
            else:
                self.put(ind, f"_g_{sym.name} += {adj} * ({partial})")

    def backward(self, node: Reduction, adj: str, ind: int) -> None:
        """Lines that add the gradient of ``adj * node`` (every index of the enclosing loops set); the
        node's scratch arrays filled once before, their adjoints carried on once after."""
        hoists = self.hoists.get(node.symbol, ())
        if hoists:
            reduce_hoist.fill(self, hoists, ind, True)
            self.filled.add(node.symbol)
        getattr(self, f"_back_{node.kind}")(node, adj, ind)
        if hoists:
            self.filled.discard(node.symbol)
            reduce_hoist.carry(self, hoists, ind)

    def _back_sum(self, node, adj, ind):
        self.loop(node, ind)
        self.scatter(node.level, adj, ind + 1)

    def _back_lse(self, node, adj, ind):
        """The softmax weights exp(u - lse) from the body values kept by the value pass, so the second
        pass computes only the partials (child values only where a partial reads them)."""
        name, lo = node.symbol.name, int_text(node.lower, self.w)
        n, kept = f"{name}_n", f"{name}_u"
        self.put(ind, f"{n} = max(({int_text(node.upper + 1, self.w)}) - ({lo}), 0)")
        self.put(ind, f"{kept} = _np.empty({n})")
        keep = reduce_hoist.keep_values(self, node, ind)
        self.value(node, ind, store=kept)
        self.kept |= keep & self.stored
        self.loop(node, ind)
        weight = f"_wt{name}"
        self.put(ind + 1, f"{weight} = {adj} * math.exp({kept}[{node.index.name} - ({lo})] - {name})")
        self.scatter(node.level, weight, ind + 1)
        self.kept -= keep
        self.stored -= keep
        for sym in keep:
            del self.keep[sym]

    def _back_min(self, node, adj, ind):
        best, arg, op = f"{node.symbol.name}_b", node.index.name + "_at", "<" if node.kind == "min" else ">"
        lo = int_text(node.lower, self.w)
        self.put(ind, f"{best} = {'_inf' if node.kind == 'min' else '-_inf'}")
        self.put(ind, f"{arg} = ({lo}) - 1")
        self.loop(node, ind)
        b, _ = self.program(node.level, True, False, ind + 1)
        v = f"_v{best}"
        self.put(ind + 1, f"{v} = {b}")
        self.put(ind + 1, f"if {v} {op} {best}:")
        self.put(ind + 2, f"{best} = {v}")
        self.put(ind + 2, f"{arg} = {node.index.name}")
        self.put(ind, f"if {arg} >= {lo}:")
        self.put(ind + 1, f"{node.index.name} = {arg}")
        self.at_index(node, ind + 1)
        self.scatter(node.level, adj, ind + 1)

    _back_max = _back_min

    def _back_prod(self, node, adj, ind):
        """Prefix and suffix products: d/d(b_t) of b_lo*...*b_hi is (b_lo...b_{t-1})(b_{t+1}...b_hi)."""
        name, lo = node.symbol.name, int_text(node.lower, self.w)
        n, buf, suf, pre = f"{name}_n", f"{name}_f", f"{name}_suf", f"{name}_pre"
        self.put(ind, f"{n} = max(({int_text(node.upper + 1, self.w)}) - ({lo}), 0)")
        self.put(ind, f"{buf} = _np.empty({n})")
        self.loop(node, ind)
        b, _ = self.program(node.level, True, False, ind + 1)
        self.put(ind + 1, f"{buf}[{node.index.name} - ({lo})] = {b}")
        self.put(ind, f"{suf} = _np.empty({n} + 1)")
        self.put(ind, f"{suf}[{n}] = 1.0")
        self.put(ind, f"for _t in range({n} - 1, -1, -1):")
        self.put(ind + 1, f"{suf}[_t] = {suf}[_t + 1] * {buf}[_t]")
        self.put(ind, f"{pre} = 1.0")
        self.loop(node, ind)
        self.put(ind + 1, f"_w{name} = {adj} * {pre} * {suf}[{node.index.name} - ({lo}) + 1]")
        self.scatter(node.level, f"_w{name}", ind + 1)
        self.put(ind + 1, f"{pre} *= {buf}[{node.index.name} - ({lo})]")


def function_source(tree: Tree, kind: str, active: frozenset | None = None, hoist: bool = True) -> str:
    """``def _<kind>(variables..., sizes..., dets..., [cofactors..., _g_<array>...])``: kind is value, grad
    or value_and_grad.
    The gradient covers the ``active`` variables (default all): arrays' into the zeroed ``_g_`` arrays
    (active arrays, by name), scalars' returned. With ``hoist``, loop invariants are computed once
    (``reduce_hoist``)."""
    tree, hoists = reduce_hoist.hoist_tree(tree) if hoist else (tree, {})
    g = _Gen(tree, active, hoists)
    arrays = sorted((a for a, _ in tree.ndim if a in g.active), key=lambda s: s.name)
    scalars = [s for s in tree.scalars if s in g.active]
    # det(A) reads no index: its value (and, for a gradient, its cofactor matrix) come in as arguments,
    # computed by NumPy's LAPACK before the call (det_arguments): compiling numba's det and SVD took 2.5 s
    args = [v.name for v in tree.variables] + [s.name for s in tree.sizes] + [d.name for d, _ in tree.dets]
    if kind != "value":
        args += [f"_c{d.name}" for d, base in tree.dets if base in g.active]
        args += [f"_g_{a.name}" for a in arrays]
        for s in scalars:
            g.put(1, f"_g_{s.name} = 0.0")
        for d, _ in tree.dets:
            g.put(1, f"_d{d.name} = 0.0")
    val = g.program(tree.top, True, False, 1)[0] if kind != "grad" else None
    if kind != "value":
        g.scatter(tree.top, "1.0", 1)
        for d, base in tree.dets:  # Jacobi's formula: d det(A)/dA is the cofactor matrix adj(A)ᵀ
            if base in g.active:  # a loop, not numba's array expression (0.5 s of compile for det(A))
                g.put(1, f"for _di in range(_c{d.name}.shape[0]):")
                g.put(2, f"for _dj in range(_c{d.name}.shape[1]):")
                g.put(3, f"_g_{base.name}[_di, _dj] += _d{d.name} * _c{d.name}[_di, _dj]")
    grads = f"({''.join(f'_g_{s.name}, ' for s in scalars)})" if scalars else "0.0"
    ret = {"value": val, "grad": grads, "value_and_grad": f"{val}, {grads}"}[kind]
    return "\n".join([f"def _{kind}({', '.join(args)}):", *g.lines, f"    return {ret}"]) + "\n"
