"""Per-sample expressions over data: compiled once, bound to data arrays, reduced numerically.

``compile_data(expr, params, data)`` prepares e(θ; data):
- data-only subexpressions (x², x³, exp(x) of data columns) are hoisted: computed once, at ``bind``;
- sums that are linear in the parameters with data-only coefficients (a + b·x + c·x² + d·x³ - y)
  become one matrix-vector product ℓ = F·θ + f₀ with the feature matrix F built at bind time, so the
  summed gradient through ℓ is the dot product Fᵀ·(∂e/∂ℓ) (J^T r for least squares);
- what remains goes through the one graph (reverse mode) and is printed as NumPy code that gives the
  value and the gradient in one pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy

from symgd.calculus.graph import build_graph
from symgd.errors import DataError
from symgd.numeric import runtime
from symgd.numeric.codegen import code_names, program_from_graph, render_body


@dataclass(frozen=True)
class Block:
    """A sum linear in parameters: ``symbol`` = F·θ[index] + offset, F's columns data-only."""

    symbol: sympy.Symbol
    index: tuple[int, ...]
    columns: tuple[sympy.Expr, ...]
    offset: sympy.Expr


@dataclass(frozen=True)
class DataProgram:
    """A per-sample expression e(θ; data) and its gradient in θ, compiled for NumPy."""

    expr: sympy.Expr
    params: tuple[sympy.Symbol, ...]
    data: tuple[sympy.Symbol, ...]
    hoisted: tuple[tuple[sympy.Symbol, sympy.Expr], ...]
    blocks: tuple[Block, ...]
    source: str
    _hoist: Callable[..., Any]
    _make: Callable[..., Any]
    #: c when the per-sample expression is c·ℓ² with ℓ = F·θ + f₀ linear in every parameter (least
    #: squares of a model linear in its parameters): then Σ is a quadratic form in θ (see ``BoundData.gram``)
    square_scale: float | None = None
    #: the expression the graph is built from (hoisted features and linear blocks as symbols)
    reduced: sympy.Expr | None = None
    #: what ``hoist`` returns: the hoisted features, then each block's columns and offset
    features: tuple[sympy.Expr, ...] = ()

    def source_for(self, backend: str) -> str:
        """The generated ``hoist`` and ``make`` printed for ``backend`` ("numpy" is ``source``)."""
        if backend == "numpy":
            return self.source
        return (_hoist_source(self.data, self.features, backend) + "\n"
                + _source(self.reduced, self.params, self.data, self.hoisted, self.blocks, backend))

    def bind(self, arrays: Mapping[str, Any]) -> "BoundData":
        """Bind data columns (by symbol name) once: hoisted features and feature matrices are built here."""
        missing = [d.name for d in self.data if d.name not in arrays]
        if missing:
            raise DataError(f"missing data column(s): {', '.join(missing)}")
        cols = [np.asarray(arrays[d.name], dtype=float) for d in self.data]
        n = int(np.broadcast_shapes(*(c.shape for c in cols))[0]) if cols and cols[0].ndim else 1
        full = [np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in self._hoist(*cols)]
        k = len(self.hoisted)
        h, rest = full[:k], full[k:]
        tables = []
        for block in self.blocks:
            width = len(block.columns)
            tables.append(np.ascontiguousarray(np.stack(rest[:width], axis=0)))  # Fᵀ: k × n, rows contiguous
            tables.append(np.ascontiguousarray(rest[width]))
            rest = rest[width + 1:]
        return BoundData(self, (*cols, *h, *tables), n)


@dataclass(frozen=True)
class BoundData:
    """A ``DataProgram`` with its data bound: per-sample values, Jacobian and summed value/gradient."""

    program: DataProgram
    arrays: tuple[np.ndarray, ...]
    n: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fns", self.program._make(self.n, *self.arrays))

    def gram(self) -> tuple[np.ndarray, np.ndarray, float] | None:
        """(H, b, c0) with Σ_i e_i(θ) = ½ θᵀHθ + bᵀθ + c0 and gradient Hθ + b (exact algebra for
        c·(Fθ + f₀)²: H = 2c·FFᵀ, b = 2c·F f₀, c0 = c·f₀·f₀), computed once per binding; None when the
        expression is not of that form."""
        c = self.program.square_scale
        if c is None:
            return None
        cached = self.__dict__.get("_gram")
        if cached is None:
            table, offset = self.arrays[-2], np.broadcast_to(self.arrays[-1], (self.n,))
            cached = (2 * c * (table @ table.T), 2 * c * (table @ offset), float(c * (offset @ offset)))
            object.__setattr__(self, "_gram", cached)
        return cached

    def theta(self, theta: Sequence[float]) -> np.ndarray:
        """``theta`` as the array type the generated functions take."""
        return np.asarray(theta, dtype=float)

    def sample_values(self, theta: Sequence[float]) -> np.ndarray:
        """e(θ; data_i) for every sample i (length n)."""
        return self._fns[0](self.theta(theta))

    def sample_jacobian(self, theta: Sequence[float]) -> np.ndarray:
        """∂e(θ; data_i)/∂θ_j as an n × p array."""
        return self._fns[2](self.theta(theta))

    def sum_value_and_grad(self, theta: Sequence[float]) -> tuple[float, np.ndarray]:
        """Σ_i e_i and its gradient, from one pass (dot products where the structure allows)."""
        return self._fns[1](self.theta(theta))

    def sum_grad(self, theta: Sequence[float]) -> np.ndarray:
        """The gradient of Σ_i e_i alone (the value's own lines are not run)."""
        return self._fns[3](self.theta(theta))

    def jtj_and_jtr(self, theta: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """JᵀJ and Jᵀr summed over the samples (r = e(θ), J its Jacobian): Gauss-Newton / LM pieces."""
        theta = self.theta(theta)
        jac, r = self._fns[2](theta), self._fns[0](theta)
        return jac.T @ jac, jac.T @ r

    def subset(self, index: Any) -> "BoundData":
        """The same program bound to the samples ``index`` selects (a mini-batch)."""
        first_table = len(self.program.data) + len(self.program.hoisted)
        arrays = []
        for k, a in enumerate(self.arrays):
            if k >= first_table and (k - first_table) % 2 == 0:
                arrays.append(np.ascontiguousarray(a[:, index]))  # Fᵀ tables: samples along axis 1
            else:
                arrays.append(a[index] if np.ndim(a) else a)
        n = len(np.arange(self.n)[index])
        return BoundData(self.program, tuple(arrays), n)


def _hoist(expr, params, data, hoisted: dict) -> sympy.Expr:
    """Replace maximal data-only subexpressions (not bare columns) by symbols h0, h1, ..."""
    found = {}
    walk = sympy.preorder_traversal(expr)
    for sub in walk:
        free = sub.free_symbols
        if free and free <= data:
            if not sub.is_Atom:
                found[sub] = hoisted.setdefault(sub, sympy.Symbol(f"h{len(hoisted)}"))
            walk.skip()
    return expr.xreplace(found) if found else expr


def _linear(sub, params) -> dict | None:
    """{param or 1: coefficient} when ``sub`` is a sum linear in params with param-free coefficients."""
    if not sub.is_Add:
        return None
    coeffs: dict = {}
    for term in sub.args:
        indep, dep = term.as_independent(*params, as_Add=False)
        if dep != 1 and dep not in params:
            return None
        coeffs[dep] = coeffs.get(dep, 0) + indep
    return coeffs if sum(1 for k in coeffs if k != 1) >= 2 else None


def _blocks(expr, params) -> tuple[sympy.Expr, list[Block]]:
    order = {p: i for i, p in enumerate(params)}
    blocks, found = [], {}
    walk = sympy.preorder_traversal(expr)
    for sub in walk:
        coeffs = _linear(sub, set(params))
        if coeffs is None:
            continue
        walk.skip()
        if sub in found:
            continue
        used = sorted((p for p in coeffs if p != 1), key=order.__getitem__)
        sym = sympy.Symbol(f"l{len(blocks)}")
        blocks.append(Block(sym, tuple(order[p] for p in used), tuple(coeffs[p] for p in used),
                            coeffs.get(1, sympy.S.Zero)))
        found[sub] = sym
    return (expr.xreplace(found) if found else expr), blocks


def _square_base(out_node) -> sympy.Symbol | None:
    """u when the output node is c·u² with u a node symbol."""
    if out_node is None:
        return None
    _, rest = out_node.expr.as_coeff_Mul()
    return rest.base if rest.is_Pow and rest.exp == 2 and rest.base.is_Symbol else None


def _reduction(value_expr: str, out_node, rename) -> str:
    """Σ over samples of the printed per-sample value: a dot product for c·u² outputs."""
    square = _square_base(out_node)
    if square is not None:
        return f"_dotn({float(out_node.expr.as_coeff_Mul()[0])!r}, {rename.get(square, square).name}, n)"
    return f"_red({value_expr}, n)"


def _printed(reduced, inputs, backend: str) -> dict[str, tuple[list[str], list[str]]]:
    """Bodies and outputs of the four functions: values, svg (value first), jacobian, grad."""
    if not inputs:
        return {"values": ([], [runtime.printer(backend).doprint(reduced)]), "svg": ([], ["_red(" + runtime.printer(
            backend).doprint(reduced) + ", n)"]), "jacobian": ([], []), "grad": ([], [])}
    graph = build_graph(reduced, inputs)
    program, value, grads = program_from_graph(graph)
    out_node = graph.node(graph.output) if graph.nodes else None
    square = _square_base(out_node)
    # a c·u² output is summed as c·(u·u): the per-sample squares are never formed
    full = program.prune((square if square is not None else value, *grads))
    rename = code_names(full, runtime.RESERVED | {"theta", "n", "make"})
    cache: dict = {}
    body, outs = render_body(full, backend, rename, cache)
    out = {"svg": (body, [_reduction(outs[0], out_node, rename), *outs[1:]])}
    out["values"] = render_body(program.prune((value,)), backend, rename, cache)
    out["jacobian"] = out["grad"] = render_body(program.prune(grads), backend, rename, cache)
    return out


def _source(reduced, params, data, hoisted, blocks, backend: str = "numpy") -> str:
    """Generated factory ``make(n, data..., hoisted..., F0, f0, ...)`` returning the functions values,
    sum_value_and_grad, jacobian and sum_grad (the gradient alone, for descent loops)."""
    p = len(params)
    direct = [q for q in params if q in reduced.free_symbols]
    parts = _printed(reduced, tuple(direct) + tuple(b.symbol for b in blocks), backend)
    args = ["n", *(d.name for d in data), *(h.name for h, _ in hoisted)]
    args += [f"{t}{k}" for k in range(len(blocks)) for t in "Ff"]
    theta = [f"{q.name} = theta[{params.index(q)}]" for q in direct]
    theta += [f"l{k} = {_select('theta', b, p)} @ F{k} + f{k}" for k, b in enumerate(blocks)]
    grad, jac = [f"_g = _zeros({p})"], [f"_j = _zeros(n, {p})"]
    for k, q in enumerate(direct):
        grad.append(f"_g[{params.index(q)}] = _red({{{k}}}, n)")
        jac.append(f"_j[:, {params.index(q)}] = {{{k}}}")
    for k, b in enumerate(blocks):
        grad.append(f"{_select('_g', b, p)} += _tdot(F{k}, {{{len(direct) + k}}})")
        jac.append(f"_j[:, {list(b.index)}] += _col({{{len(direct) + k}}}) * F{k}.T")

    def function(name: str, body: list[str], tail: list[str]) -> list[str]:
        return [f"    def {name}(theta):", *("        " + t for t in theta + body + tail)]
    vbody, vouts = parts["values"]
    sbody, souts = parts["svg"]
    lines = [f"def make({', '.join(args)}):", *function("values", vbody, [f"return _full({vouts[0]}, n)"])]
    lines += function("sum_value_and_grad", sbody, [g.format(*souts[1:]) for g in grad]
                      + [f"return {souts[0]}, _g"])
    lines += function("jacobian", parts["jacobian"][0], [j.format(*parts["jacobian"][1]) for j in jac]
                      + ["return _j"])
    lines += function("sum_grad", parts["grad"][0], [g.format(*parts["grad"][1]) for g in grad] + ["return _g"])
    lines.append("    return values, sum_value_and_grad, jacobian, sum_grad")
    return "\n".join(lines) + "\n"


def _select(name: str, block: Block, p: int) -> str:
    return name if block.index == tuple(range(p)) else f"{name}[{list(block.index)}]"


def _red(v, n):
    return float(np.sum(v)) if np.ndim(v) else float(v) * n


def _dotn(c, u, n):
    return c * float(u @ u) if np.ndim(u) else c * float(u * u) * n


def _full(v, n):
    return v if np.shape(v) == (n,) else np.full(n, v, dtype=float)


def _tdot(table, g):
    return table @ g if np.ndim(g) else g * table.sum(axis=1)


def _col(g):
    return g[:, None] if np.ndim(g) else g


#: The helpers generated NumPy code calls (bound_torch has the torch twins).
HELPERS = {"_red": _red, "_full": _full, "_tdot": _tdot, "_col": _col, "_dotn": _dotn,
           "_zeros": lambda *shape: np.zeros(shape)}


def compile_data(expr: sympy.Expr, params: Sequence[sympy.Symbol], data: Sequence[sympy.Symbol],
                 backend: str = "numpy") -> DataProgram:
    """Compile a per-sample expression with parameters ``params`` and data symbols ``data``."""
    expr = sympy.sympify(expr)
    params, data = tuple(params), tuple(data)
    unknown = expr.free_symbols - set(params) - set(data)
    if unknown:
        raise DataError(f"{', '.join(sorted(s.name for s in unknown))} is neither a parameter nor a data column")
    hoisted: dict = {}
    reduced = _hoist(expr, set(params), set(data), hoisted)
    reduced, blocks = _blocks(reduced, params)
    pairs = tuple((sym, e) for e, sym in hoisted.items())
    back = {sym: e for sym, e in pairs}
    features = [e for _, e in pairs]
    for b in blocks:
        features += [c.xreplace(back) for c in b.columns] + [b.offset.xreplace(back)]
    source = _hoist_source(data, features, "numpy") + "\n" + _source(reduced, params, data, pairs, blocks)
    ns = runtime.load(source, "numpy", extra=HELPERS)
    return DataProgram(expr, params, data, pairs, tuple(blocks), source, ns["hoist"], ns["make"],
                       _square_scale(reduced, params, blocks), reduced, tuple(features))


def _hoist_source(data, features, backend: str) -> str:
    printer = runtime.printer(backend)
    return (f"def hoist({', '.join(d.name for d in data)}):\n"
            f"    return ({''.join(printer.doprint(f) + ', ' for f in features)})\n")


def _square_scale(reduced: sympy.Expr, params, blocks) -> float | None:
    """c when ``reduced`` is c·l0² and block l0 reads every parameter, in order."""
    if len(blocks) != 1 or blocks[0].index != tuple(range(len(params))):
        return None
    c, rest = reduced.as_coeff_Mul()
    if rest == blocks[0].symbol ** 2 and c.is_Number:
        return float(c)
    return None
