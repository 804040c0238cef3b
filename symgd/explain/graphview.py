"""The chain-rule graph at a point: the one graph of ``symgd.calculus.graph`` with numbers on it.

``graph(f, at)`` builds that graph (named by the user's definitions where given) and evaluates it:
each node gets its forward value, the value of its local partial on each incoming edge, and its
adjoint ∂f/∂node from the backward sweep. The inputs' adjoints are the gradient. Rendering (text,
DOT, SVG/PNG, Markdown, JSON) lives in ``symgd.report.graph``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy

from symgd.calculus.graph import Graph, build_graph
from symgd.errors import VariableError
from symgd.parse import program_parts


@dataclass(frozen=True)
class NodeView:
    """One node at the point: ``expr`` in the symbols of ``inputs``, ``definition`` in the variables,
    ``partials[j]`` = ∂expr/∂inputs[j] (with ``partial_values``), forward ``value``, ``adjoint`` = ∂f/∂node
    (``adjoint_expr`` symbolically, in node symbols)."""

    name: str
    expr: sympy.Expr
    definition: sympy.Expr
    inputs: tuple[str, ...]
    partials: tuple[sympy.Expr, ...]
    partial_values: tuple[float, ...]
    value: float
    adjoint: float
    adjoint_expr: sympy.Expr
    kind: str

    @property
    def is_input(self) -> bool:
        return self.kind == "input"


@dataclass(frozen=True)
class GraphView:
    """The graph of ``f`` with forward values and adjoints at ``point``; nodes in evaluation order."""

    f: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    point: dict[str, float]
    nodes: tuple[NodeView, ...]
    output: str
    graph: Graph

    def node(self, name: str) -> NodeView:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    @property
    def value(self) -> float:
        return self.node(self.output).value if self.output else float(self.f)

    @property
    def gradient(self) -> tuple[float, ...]:
        """The inputs' adjoints, in variable order: ∇f at the point."""
        return tuple(self.node(v.name).adjoint if self.output else 0.0 for v in self.variables)

    def render(self, fmt: str = "text", **options) -> str:
        """The graph in ``fmt`` (see ``symgd.report.graph.render_graph``); dot and svg take
        ``rankdir="LR"`` (default "AUTO": the layout closest to a 16:9 slide) and ``size`` (default: at
        most a 16:9 slide)."""
        from symgd.report.graph import render_graph
        return render_graph(self, fmt, **options)

    def __str__(self) -> str:
        return self.render("text")

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def _repr_latex_(self) -> str:
        return self.render("latex")

    def _repr_svg_(self) -> str | None:
        from symgd.report.graph import graphviz_available
        return self.render("svg") if graphviz_available() else None


def definition_names(definitions: Mapping[str, tuple[tuple, sympy.Expr]]) -> dict[str, sympy.Expr]:
    """The user's named values (``u = ...``, not functions) as name -> subexpression, fully expanded."""
    names: dict[str, sympy.Expr] = {}
    expand: dict[sympy.Symbol, sympy.Expr] = {}
    for name, (params, body) in definitions.items():
        if params:
            continue
        full = sympy.sympify(body).xreplace(expand)
        names[name] = full
        expand[sympy.Symbol(name)] = full
    return names


def _point(at, variables: Sequence[sympy.Symbol], expr: sympy.Expr) -> dict[str, float]:
    if at is None:
        raise VariableError("graph needs a point: at={" + ", ".join(f"'{v.name}': 1.0" for v in variables) + "}")
    if isinstance(at, str):
        from symgd.parse.points import parse_point
        at = parse_point(at, "at")
    if not isinstance(at, Mapping):
        values = list(at)
        if len(values) != len(variables):
            raise VariableError(f"at: {len(values)} values for {len(variables)} variables")
        at = {v.name: x for v, x in zip(variables, values)}
    point = {}
    for name, value in at.items():
        try:
            point[str(name)] = float(value)
        except (TypeError, ValueError) as exc:
            raise VariableError(f"at {name}: {value!r} is not a number") from exc
        if not math.isfinite(point[str(name)]):
            raise VariableError(f"at {name}: {value!r} is not a finite number")
    missing = sorted(s.name for s in expr.free_symbols if s.name not in point)
    if missing:
        raise VariableError(f"the point gives no value for {', '.join(missing)}")
    return point


def graph(f: str | sympy.Expr, at: Mapping[str, float] | Sequence[float] | str | None = None,
          wrt: str | Iterable[str | sympy.Symbol] | None = None) -> GraphView:
    """The chain-rule graph of ``f`` evaluated at ``at`` (a dict name -> value, values in variable
    order, or text "x=1,y=2"); ``wrt`` picks the inputs (default: every variable)."""
    expr, definitions = program_parts(f)
    g = build_graph(expr, wrt, names=definition_names(definitions))
    point = _point(at, g.inputs, expr)
    if not g.nodes:
        return GraphView(expr, g.inputs, point, (), "", g)
    values = g.evaluate(point)
    nodes = tuple(NodeView(n.name, n.expr, n.definition, n.inputs, n.partials, values[n.name].partial_values,
                           values[n.name].value, values[n.name].adjoint, n.adjoint, n.kind) for n in g.nodes)
    return GraphView(expr, g.inputs, point, nodes, g.output, g)
