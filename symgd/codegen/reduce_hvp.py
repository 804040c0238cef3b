"""Hessian-vector products of reduction trees: forward mode (a tangent along v) through the reverse sweep.

``hvp(text)`` gives (∇f, H·v) at a point for a direction v with one entry per variable (an array's of
its shape). Every value in the loops carries a tangent (its derivative along v), and every adjoint
too: a body's partials p_t come from the one graph, their tangents ṗ_t = Σ_u ∂p_t/∂u · u̇ from
``sympy.diff`` of those partials. Reductions: a sum's tangent is the sum of the tangents; min/max
take the tangent at the first arg-min/arg-max (the selection is locally constant); logsumexp's is
Σ softmax·u̇, and its weights' tangents w·(u̇ − lsė). H·v with v = 1 is the Hessian's diagonal where
H is diagonal (kmeans' centroids). ``prod`` and ``det`` have no tangent rule here (CompileError).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from symgd.calculus.graph import build_graph
from symgd.calculus.reduce_tree import Level, Tree, walk
from symgd.codegen.indexed_sizes import int_text
from symgd.codegen.reduce_loops import _Gen
from symgd.errors import CompileError


def _tangent(sym: sympy.Symbol, g: "_TangentGen") -> sympy.Expr:
    """The tangent of a body input: 0 for what is not differentiated (data, parameters)."""
    if sym in g.tree.scalars:
        return sympy.Symbol(f"_V_{sym.name}", real=True) if sym in g.active else sympy.S.Zero
    return sympy.Symbol(f"_T{sym.name}", real=True) if sym in g.wanted else sympy.S.Zero


class _TangentGen(_Gen):
    """``_Gen`` whose programs also give tangents, and whose sweep carries adjoint tangents."""

    def tprogram(self, level: Level, want: tuple[str, ...], ind: int) -> dict:
        """Emit what ``want`` names ('b' value, 'tb' its tangent, 'p' partials, 'tp' their tangents);
        returns {'b': text, 'tb': text, 'p': {input: text}, 'tp': {input: text}}."""
        inputs = tuple(r.symbol for r in level.reads) + tuple(c.symbol for c in level.children) + \
            tuple(s for s in self.tree.scalars if s in level.body.free_symbols)
        partials = build_graph(level.body, inputs).gradient() if inputs else ()
        tang = {t: _tangent(t, self) for t in inputs}
        outs: list = []
        if "b" in want:
            outs.append(level.body)
        if "tb" in want:
            outs.append(sum((p * tang[t] for t, p in zip(inputs, partials)), sympy.S.Zero))
        wanted = [(t, p) for t, p in zip(inputs, partials) if t in self.wanted]
        if "p" in want:
            outs += [p for _, p in wanted]
        if "tp" in want:
            outs += [sum((sympy.diff(p, u) * tang[u] for u in inputs), sympy.S.Zero) for _, p in wanted]
        tag = next(self.ids)
        lines, reduced = sympy.cse(outs, symbols=sympy.numbered_symbols(f"_q{tag}_"), optimizations=None)
        used = set().union(*(e.free_symbols for _, e in lines), *(o.free_symbols for o in reduced))
        for child in level.children:
            if child.symbol in used or tang[child.symbol] in used:
                self.tvalue(child, ind)
        for r in level.reads:
            if r.symbol in used:
                self.put(ind, f"{r.symbol.name} = {self.slot(r)}")
            if tang[r.symbol] != 0 and tang[r.symbol] in used:
                self.put(ind, f"{tang[r.symbol].name} = _V_{self.slot(r)}")
        for sym, e in lines:
            self.put(ind, f"{sym.name} = {self.w.expr(e)}")
        texts = iter(self.w.expr(o) for o in reduced)
        got: dict = {}
        for key in ("b", "tb", "p", "tp"):
            if key in want:
                got[key] = next(texts) if key in ("b", "tb") else {t: next(texts) for t, _ in wanted}
        return got

    def tvalue(self, node, ind: int) -> None:
        """Lines that set ``node.symbol`` and its tangent ``_T<symbol>``."""
        acc, t = node.symbol.name, f"_T{node.symbol.name}"
        if node.kind not in ("sum", "min", "max", "lse"):
            raise CompileError(f"Hessian-vector products do not support {node.kind} yet")
        init = {"sum": "0.0", "min": "_inf", "max": "-_inf", "lse": "-_inf"}[node.kind]
        self.put(ind, f"{acc} = {init}")
        self.put(ind, f"{t} = 0.0")
        if node.kind == "lse":
            self.put(ind, f"{acc}_s = 0.0")
        self.loop(node, ind)
        got = self.tprogram(node.level, ("b", "tb"), ind + 1)
        v, tv = f"_v{acc}", f"_tv{acc}"
        self.put(ind + 1, f"{v} = {got['b']}")
        self.put(ind + 1, f"{tv} = {got['tb']}")
        i2 = ind + 2
        if node.kind == "sum":
            self.put(ind + 1, f"{acc} += {v}")
            self.put(ind + 1, f"{t} += {tv}")
        elif node.kind in ("min", "max"):
            self.put(ind + 1, f"if {v} {'<' if node.kind == 'min' else '>'} {acc}:")
            self.put(i2, f"{acc} = {v}")
            self.put(i2, f"{t} = {tv}")
        else:  # running maximum acc; acc_s = Σ exp(u - acc); t = Σ exp(u - acc)·u̇ (rescaled alike)
            self.put(ind + 1, f"if {v} > {acc}:")
            self.put(i2, f"_sc = math.exp({acc} - {v})")
            self.put(i2, f"{acc}_s = {acc}_s * _sc + 1.0")
            self.put(i2, f"{t} = {t} * _sc + {tv}")
            self.put(i2, f"{acc} = {v}")
            self.put(ind + 1, "else:")
            self.put(i2, f"_e = math.exp({v} - {acc})")
            self.put(i2, f"{acc}_s += _e")
            self.put(i2, f"{t} += _e * {tv}")
            self.put(ind, f"if {acc}_s > 0.0:")
            self.put(ind + 1, f"{t} = {t} / {acc}_s")
            self.put(ind + 1, f"{acc} = {acc} + math.log({acc}_s)")

    def tscatter(self, level: Level, adj: str, tadj: str, ind: int) -> None:
        """The body's adjoint and its tangent into reads (_g_, _H_), scalars and children."""
        got = self.tprogram(level, ("p", "tp"), ind)
        children = {c.symbol: c for c in level.children}
        slots = {r.symbol: r for r in level.reads}
        for sym, p in got["p"].items():
            tp = got["tp"][sym]
            if sym in slots:
                self.put(ind, f"_g_{self.slot(slots[sym])} += {adj} * ({p})")
                self.put(ind, f"_H_{self.slot(slots[sym])} += {tadj} * ({p}) + {adj} * ({tp})")
            elif sym in children:
                name = children[sym].symbol.name
                self.put(ind, f"_d{name} = {adj} * ({p})")
                self.put(ind, f"_dT{name} = {tadj} * ({p}) + {adj} * ({tp})")
                self.tbackward(children[sym], f"_d{name}", f"_dT{name}", ind)
            else:
                self.put(ind, f"_g_{sym.name} += {adj} * ({p})")
                self.put(ind, f"_H_{sym.name} += {tadj} * ({p}) + {adj} * ({tp})")

    def tbackward(self, node, adj: str, tadj: str, ind: int) -> None:
        if node.kind == "sum":
            self.loop(node, ind)
            self.tscatter(node.level, adj, tadj, ind + 1)
        elif node.kind in ("min", "max"):
            best, arg, op = f"{node.symbol.name}_b", node.index.name + "_at", "<" if node.kind == "min" else ">"
            lo = int_text(node.lower, self.w)
            self.put(ind, f"{best} = {'_inf' if node.kind == 'min' else '-_inf'}")
            self.put(ind, f"{arg} = ({lo}) - 1")
            self.loop(node, ind)
            b, _ = self.program(node.level, True, False, ind + 1)
            self.put(ind + 1, f"_v{best} = {b}")
            self.put(ind + 1, f"if _v{best} {op} {best}:")
            self.put(ind + 2, f"{best} = _v{best}")
            self.put(ind + 2, f"{arg} = {node.index.name}")
            self.put(ind, f"if {arg} >= {lo}:")
            self.put(ind + 1, f"{node.index.name} = {arg}")
            self.at_index(node, ind + 1)
            self.tscatter(node.level, adj, tadj, ind + 1)
        else:  # lse: weight w = exp(u - lse), its tangent w·(u̇ − lsė)
            name = node.symbol.name
            self.tvalue(node, ind)
            self.loop(node, ind)
            got = self.tprogram(node.level, ("b", "tb"), ind + 1)
            self.put(ind + 1, f"_w{name} = math.exp(({got['b']}) - {name})")
            self.put(ind + 1, f"_tw{name} = _w{name} * (({got['tb']}) - _T{name})")
            self.put(ind + 1, f"_a{name} = {adj} * _w{name}")
            self.put(ind + 1, f"_ta{name} = {tadj} * _w{name} + {adj} * _tw{name}")
            self.tscatter(node.level, f"_a{name}", f"_ta{name}", ind + 1)


def hvp_source(tree: Tree, active: frozenset | None = None) -> str:
    """``def _hvp(variables..., sizes..., directions..., _g_ arrays..., _H_ arrays...)`` over the
    ``active`` variables (default all; directions in variable order, arrays by name); returns the
    scalars' (gradients, products); the arrays' are written into the zeroed ``_g_``/``_H_`` arrays."""
    if tree.dets or any(n.kind == "prod" for n in walk(tree.top)):
        raise CompileError("Hessian-vector products do not support prod or det yet")
    g = _TangentGen(tree, active)
    arrays = sorted((a for a, _ in tree.ndim if a in g.active), key=lambda s: s.name)
    scalars = [s for s in tree.scalars if s in g.active]
    args = [v.name for v in tree.variables] + [s.name for s in tree.sizes] + \
        [f"_V_{v.name}" for v in tree.variables if v in g.active] + [f"_g_{a.name}" for a in arrays] + \
        [f"_H_{a.name}" for a in arrays]
    for s in scalars:
        g.put(1, f"_g_{s.name} = 0.0")
        g.put(1, f"_H_{s.name} = 0.0")
    g.tscatter(tree.top, "1.0", "0.0", 1)
    grads = "".join(f"_g_{s.name}, " for s in scalars)
    prods = "".join(f"_H_{s.name}, " for s in scalars)
    ret = f"({grads}), ({prods})" if scalars else "0.0, 0.0"
    return "\n".join([f"def _hvp({', '.join(args)}):", *g.lines, f"    return {ret}"]) + "\n"


@dataclass(frozen=True)
class HessianVector:
    """``hvp(*args, *directions)`` -> (gradient, H·direction), one entry per variable each."""

    variables: tuple[sympy.Symbol, ...]
    source: str
    _call: Any

    def __call__(self, *args: Any) -> tuple[tuple, tuple]:
        return self._call(*args)


def hvp(f: str | sympy.Expr, backend: str = "auto", sizes: Mapping[str, int] | None = None,
        wrt: Any = None) -> HessianVector:
    """A Hessian-vector product of an expression with reductions (sum, min, max, logsumexp over
    indices): ``hvp(text)(*point, *direction)`` gives (∇f, H·v) over the ``wrt`` variables (default:
    every array and scalar, sorted by name). The point lists the wrt variables, then the others by
    name; the direction has one entry per wrt variable (an array's of its shape), as do the results.

    >>> import numpy as np
    >>> h = hvp("sum(sum(w[k]*p[i,k]^2, k, 0, 1), i, 0, 2)", backend="python")
    >>> grad, hv = h(np.ones((3, 2)), np.ones(2), np.zeros((3, 2)), np.ones(2))
    >>> hv[0].tolist()  # ∂²f/∂p∂w · 1 = 2 p
    [[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]]
    """
    from symgd.codegen.reduce_compile import prepare
    tree, user, count, caller, _, load = prepare(f, backend, sizes, wrt)
    source = hvp_source(tree, caller.active)
    fn = load(source)["_hvp"]
    total = len(tree.variables)

    def call(*args):
        if len(args) != total + count:
            raise CompileError(f"{len(args)} arguments given; hvp takes the {total} arguments, then a direction "
                               f"for each of the {count} differentiated")
        conv, sizes_ = caller.convert(args[:total])
        dirs = []
        for a, d in zip(conv, args[total:]):
            if isinstance(a, np.ndarray):
                d = np.ascontiguousarray(d, dtype=np.float64)
                if d.shape != a.shape:
                    raise CompileError(f"a direction has shape {d.shape}; its variable has shape {a.shape}")
                dirs.append(d)
            else:
                dirs.append(float(d))
        gs = [np.zeros_like(conv[k]) for k in caller.grad_order]
        hs = [np.zeros_like(conv[k]) for k in caller.grad_order]
        sg, sh = caller.run(fn, *conv, *sizes_, *dirs, *gs, *hs)
        sg, sh = iter(sg if isinstance(sg, tuple) else ()), iter(sh if isinstance(sh, tuple) else ())
        ga, ha = dict(zip(caller.grad_order, gs)), dict(zip(caller.grad_order, hs))
        grads = tuple(ga[k] if k in ga else next(sg) for k in range(count))
        prods = tuple(ha[k] if k in ha else next(sh) for k in range(count))
        return grads, prods
    return HessianVector(user[:count], source, call)
