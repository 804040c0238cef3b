"""The one graph: an expression as a DAG of elementary operations, differentiated in reverse mode.

``build_graph`` decomposes a sympy expression into nodes (shared subexpressions once: nodes are
hash-consed on the subexpression they compute, which is what ``sympy.cse`` does), computes each node's
local partial derivatives, and runs one backward sweep that gives every node's adjoint ∂output/∂node.
The same graph serves the chain-rule printout (``symgd.explain``), ``gradient``/``hessian`` and the code
generators in ``symgd.codegen`` — one implementation, not three.

Decomposition rules (chosen so the textbook example tanh(ln(1 + z·2x/sin(y))) reads a = 2x, b = sin(y),
c = a/b, d = z·c, g = ln(1 + d), f = tanh(g); the output is always f, and ``e`` is never a node name:
it is Euler's number in the language, see ``build_graph``):
- constants are never nodes; an additive constant folds into a function's or power's operand (ln(1 + d)),
  as does a numeric factor of a single term (sin(2x), (1 - x)**2);
- a sum is one node, with its terms' numeric coefficients folded in (x - 2*y);
- a product folds its numeric coefficient into its first factor (2x); with a denominator, the quotient
  (coefficient·first factor) / denominator is its own node, and the remaining factors multiply it;
- a function application or power is one node.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import sympy

from symgd.calculus.decompose import Builder, node_names
from symgd.calculus.evaluate import value_of
from symgd.calculus.partials import local_partials
from symgd.calculus.stable import stabilize
from symgd.calculus.variables import ordered_variables
from symgd.errors import DomainError
from symgd.parse.construct import product, total


@dataclass(frozen=True)
class Node:
    """One elementary operation (or an input variable) of the graph.

    ``expr`` is the definition in terms of the symbols of ``inputs``; ``partials[j]`` is ∂expr/∂inputs[j];
    ``adjoint`` is ∂output/∂node in node symbols; ``symbol`` is the node's own symbol and
    ``definition`` what the node computes in terms of the input variables.
    """

    name: str
    expr: sympy.Expr
    inputs: tuple[str, ...]
    partials: tuple[sympy.Expr, ...]
    adjoint: sympy.Expr
    kind: str
    symbol: sympy.Symbol
    definition: sympy.Expr


@dataclass(frozen=True)
class NodeValues:
    """A node's forward value, its adjoint, and the values of its local partials, at one point."""

    value: float
    adjoint: float
    partial_values: tuple[float, ...]


@dataclass(frozen=True)
class Graph:
    """The DAG of elementary operations; nodes in evaluation order (inputs first, output last)."""

    inputs: tuple[sympy.Symbol, ...]
    nodes: tuple[Node, ...]
    output: str
    expr: sympy.Expr

    def node(self, name: str) -> Node:
        """The node called ``name``."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def symbols(self) -> dict[sympy.Symbol, Node]:
        """Map each node symbol to its node."""
        return {node.symbol: node for node in self.nodes}

    def gradient(self) -> tuple[sympy.Expr, ...]:
        """∂output/∂input for each input, expanded back into the input variables."""
        back = {node.symbol: node.definition for node in self.nodes if node.kind == "op"}
        by_name = {node.name: node for node in self.nodes}
        return tuple(by_name[v.name].adjoint.xreplace(back) if v.name in by_name else sympy.S.Zero
                     for v in self.inputs)  # no nodes: a constant such as DiracDelta(x) (0 a.e.)

    def evaluate(self, point: Mapping[str, float]) -> dict[str, NodeValues]:
        """Forward values and backward adjoints of every node at ``point`` (numbers, float64)."""
        values: dict[sympy.Symbol, sympy.Float] = {}
        free = set().union(*(n.expr.free_symbols for n in self.nodes)) if self.nodes else set()
        for sym in free:
            if sym.name in point:
                values[sym] = sympy.Float(point[sym.name], 30)
        missing = sorted(v.name for v in self.inputs if v.name not in point)
        if missing:
            raise KeyError(f"no value given for {', '.join(missing)}")
        where = "at (" + ", ".join(f"{v.name}={float(point[v.name]):.6g}" for v in self.inputs[:5]) + \
            (", …)" if len(self.inputs) > 5 else ")")
        partial_values: dict[str, tuple[float, ...]] = {}
        memo: dict = {}
        for node in self.nodes:  # term by term, each checked: no runaway exact powers (x^x^x^x^x)
            if node.kind == "op":
                values[node.symbol] = value_of(node.expr, values, where, f"node {node.name}", memo)
            partial_values[node.name] = tuple(
                float(value_of(p, values, where, f"∂{node.name}/∂{name}", memo))
                for name, p in zip(node.inputs, node.partials))
        adjoint = {node.name: 0.0 for node in self.nodes}
        adjoint[self.output] = 1.0
        for node in reversed(self.nodes):
            for name, pv in zip(node.inputs, partial_values[node.name]):
                adjoint[name] += adjoint[node.name] * pv
            if not math.isfinite(adjoint[node.name]):
                raise DomainError(f"the adjoint ∂{self.output}/∂{node.name} overflows float64 {where}")
        return {node.name: NodeValues(float(values[node.symbol]), adjoint[node.name],
                                      partial_values[node.name]) for node in self.nodes}

def build_graph(expr: sympy.Expr, wrt=None, names: Mapping[str, sympy.Expr] | None = None,
                stable: bool = False) -> Graph:
    """Build the graph of ``expr`` with inputs ``ordered_variables(expr, wrt)`` and run the reverse sweep.

    ``names`` maps a user's definition name to the subexpression it stands for; a node computing that
    subexpression takes the name. The output node is ``f`` (``out`` when a variable or definition is
    called f), the others a, b, c, d, g, h, ... in evaluation order (f, taken names and the language's
    constants e, E, I, pi skipped, so ``1/(e + 1)`` never shows a node where Euler's number is meant).
    Other variables of ``expr`` (outside ``wrt``) are constants. ``stable``: build the graph of the
    numerically stable form (``symgd.calculus.stable``), as every code generator does.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> g = build_graph(sympy.sin(x**2 + y**2))
    >>> [(n.name, str(n.expr)) for n in g.nodes]
    [('x', 'x'), ('y', 'y'), ('a', 'x**2'), ('b', 'y**2'), ('c', 'a + b'), ('f', 'sin(c)')]
    >>> g.gradient()
    (2*x*cos(x**2 + y**2), 2*y*cos(x**2 + y**2))
    """
    expr = sympy.sympify(expr)
    inputs = ordered_variables(expr, wrt)
    if stable:
        expr = stabilize(expr)
    by_definition = {sympy.sympify(v): k for k, v in (names or {}).items()}
    taken = {s.name for s in expr.free_symbols} | set(by_definition.values())
    out_name = next(n for n in ("f", "out", "f_out") if n not in taken)  # the conventional name first
    auto = node_names(None, taken | {"f", out_name})

    def namer(definition: sympy.Expr) -> str:
        user = by_definition.get(definition)
        if user is not None:
            return user
        return out_name if definition == expr else next(auto)
    kept = tuple(sorted(by_definition, key=lambda d: (-len(d.args), sympy.default_sort_key(d))))
    builder = Builder(inputs, namer, kept)
    out_sym = builder.node(expr)  # a number (constant f: no nodes) or the input itself (f = x) stay so
    return _assemble(inputs, builder.protos, out_sym, expr)


def _assemble(inputs, protos, out_sym, expr) -> Graph:
    """Take the nodes' local partials and run the symbolic backward sweep once."""
    rank = {v: i for i, v in enumerate(inputs)}
    rank.update({sym: len(inputs) + i for i, (sym, _, _) in enumerate(protos)})
    ops = []
    for sym, body, definition in protos:
        # a node's inputs in evaluation order, so partials line up with a stable order
        ins = tuple(sorted((s for s in body.free_symbols if s in rank), key=rank.__getitem__))
        ops.append((sym, body, ins, local_partials(body, ins), definition))
    contributions: dict[sympy.Symbol, list[sympy.Expr]] = {}
    output = out_sym
    if output.is_number:
        return Graph(tuple(inputs), (), "", expr)
    adjoint: dict[sympy.Symbol, sympy.Expr] = {output: sympy.S.One}
    if output in set(inputs):
        contributions[output] = [sympy.S.One]  # f = x: the output is an input node
    for sym, body, ins, parts, _ in reversed(ops):
        adj = adjoint.get(sym)
        if adj is None:
            adj = adjoint[sym] = total(contributions.pop(sym, []))
        for s, p in zip(ins, parts):
            contributions.setdefault(s, []).append(adj if p == 1 else p if adj == 1 else product([adj, p]))
    nodes = [Node(v.name, v, (), (), total(contributions.get(v, [])), "input", v, v) for v in inputs]
    nodes += [Node(sym.name, body, tuple(s.name for s in ins), parts, adjoint[sym], "op", sym, definition)
              for sym, body, ins, parts, definition in ops]
    return Graph(tuple(inputs), tuple(nodes), output.name, expr)
