"""The gradient's geometry at a point: directional derivative, steepest ascent, tangent line or plane to
the level set, and the linearisation, each as verified lines of work after the gradient's derivation.

Every number is checked by a computation that does not use the gradient: a directional derivative
D_u f(P) is compared with d/dt f(P + t·u) at t = 0 (one variable, sympy.diff), each gradient component
with the same along a coordinate axis, a tangent line's slope with sympy's implicit derivative (idiff).

>>> directional("x^2 y", "x=1,y=2", "3,4").value
16/5
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy

from symgd.calculus.variables import ordered_variables
from symgd.errors import DomainError, VariableError
from symgd.explain.atpoint import (Line, Rendered, exact_point, exact_vector, same_number, tidy, value_at,
                                  vector)
from symgd.explain.budget import SimplifyBudget, tree_size
from symgd.explain.model import GradientDerivation
from symgd.explain.steps import StepError, derive
from symgd.explain.verify import realify
from symgd.parse import program_parts

Point = str | Mapping[str, object]
#: Nodes of the largest f whose tangent slope is also checked by sympy.idiff.
MAX_IDIFF_NODES = 150
_ALONG_AXIS = "equals d/dt f(P + t e_i) at t = 0, computed without the gradient"


@dataclass(frozen=True)
class Directional(Rendered):
    """D_u f(P) = ∇f(P)·u with u = v/|v|, and the steepest ascent direction and rate |∇f(P)|."""

    KIND = "directional"

    f: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    point: tuple[sympy.Expr, ...]
    gradient: GradientDerivation
    gradient_at: tuple[sympy.Expr, ...]
    direction: tuple[sympy.Expr, ...]
    unit: tuple[sympy.Expr, ...]
    value: sympy.Expr
    steepest: tuple[sympy.Expr, ...] | None
    rate: sympy.Expr
    lines: tuple[Line, ...]

    @property
    def result(self) -> sympy.Expr:
        return self.value


@dataclass(frozen=True)
class Tangent(Rendered):
    """The tangent line (2 variables), plane (3) or hyperplane to the level set f = f(P) through P."""

    KIND = "tangent"

    f: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    point: tuple[sympy.Expr, ...]
    gradient: GradientDerivation
    level: sympy.Expr
    normal: tuple[sympy.Expr, ...]
    equation: sympy.Eq
    kind: str
    lines: tuple[Line, ...]

    @property
    def result(self) -> sympy.Eq:
        return self.equation


@dataclass(frozen=True)
class Linearization(Rendered):
    """L(x) = f(P) + ∇f(P)·(x − P): the tangent line (1 variable) or plane (2) of the graph of f."""

    KIND = "linearization"

    f: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    point: tuple[sympy.Expr, ...]
    gradient: GradientDerivation
    value: sympy.Expr
    gradient_at: tuple[sympy.Expr, ...]
    expr: sympy.Expr
    lines: tuple[Line, ...]

    @property
    def result(self) -> sympy.Expr:
        return self.expr


def _along(expr: sympy.Expr, variables, point, direction) -> sympy.Expr:
    """d/dt f(P + t·direction) at t = 0: the oracle that never forms the gradient."""
    t = sympy.Dummy("t", real=True)
    (expr,), mapping = realify((expr,))  # real variables, as everywhere in symgd: d|x|/dx = sign(x)
    line = expr.xreplace({mapping.get(v, v): p + t * d for v, p, d in zip(variables, point, direction)})
    return sympy.diff(line, t).xreplace({t: sympy.S.Zero})


def _verify(ok: bool, what: str) -> None:
    if not ok:
        raise StepError(f"a bug in symgd: {what} failed its check",
                        hint="please report it to the symgd maintainers with the expression")


def _setup(f: str | sympy.Expr, at: Point, known: GradientDerivation | None = None):
    """(expr, variables, exact point, verified gradient derivation, ∇f(P), the lines so far); ``known``, a
    gradient derivation of the same f already made (by another of these functions), is used again."""
    expr, definitions = program_parts(f)
    variables = ordered_variables(expr)
    if not variables:
        raise VariableError("the expression has no variables")
    point = exact_point(at, variables)
    gradient = known
    if gradient is None or gradient.f != expr or gradient.variables != variables:
        budget = SimplifyBudget()
        gradient = GradientDerivation(expr, variables, tuple(
            derive(expr, v, definitions, budget=budget) for v in variables))
    value_at(expr, variables, point, "f")
    grad_at = []
    for i, d in enumerate(gradient.derivations):
        component = value_at(d.result, variables, point, f"∂f/∂{d.wrt.name}")
        axis = [sympy.S.One if j == i else sympy.S.Zero for j in range(len(variables))]
        _verify(same_number(component, _along(expr, variables, point, axis)), f"∂f/∂{d.wrt.name} at P")
        grad_at.append(component)
    lines = (Line("the point", vector(point), symbol="P"),
             Line("the gradient", vector(gradient.gradient), "each partial derived step by step, "
                  "every step checked against sympy.diff", symbol="∇f", tex=r"\nabla f"),
             Line("the gradient at the point", vector(grad_at), _ALONG_AXIS,
                  symbol="∇f(P)", tex=r"\nabla f(P)"))
    return expr, variables, point, gradient, tuple(grad_at), lines


def _offsets(coefficients, variables, point, constant=sympy.S.Zero) -> sympy.Expr:
    """constant + Σ cᵢ·(xᵢ − pᵢ) as the textbook writes it (SymPy would distribute 6·(x − 3) into
    6x − 18)."""
    terms = [constant] if constant != 0 else []
    terms += [sympy.Mul(c, v - p, evaluate=False) if c != 1 else v - p
              for c, v, p in zip(coefficients, variables, point) if c != 0]
    return sympy.Add(*terms, evaluate=False) if len(terms) > 1 else (terms[0] if terms else sympy.S.Zero)


def _norm(vector: Sequence[sympy.Expr]) -> sympy.Expr:
    return tidy(sympy.sqrt(sum(c ** 2 for c in vector)))


def directional(f: str | sympy.Expr, at: Point, direction: str | Sequence[object], *,
                gradient: GradientDerivation | None = None) -> Directional:
    """The directional derivative of ``f`` at ``at`` along ``direction`` (normalised; the zero vector
    is an error), with the steepest ascent direction ∇f(P)/|∇f(P)| and its rate |∇f(P)|."""
    expr, variables, point, gradient, grad_at, lines = _setup(f, at, gradient)
    v = exact_vector(direction, len(variables))
    length = _norm(v)
    if length == 0:
        raise VariableError("--direction is the zero vector, which has no direction",
                            hint="give a nonzero vector, e.g. --direction " + ",".join(["1"] * len(v)))
    u = tuple(tidy(c / length) for c in v)
    _verify(same_number(sum(c ** 2 for c in u), 1), "the unit vector")
    value = tidy(sum(g * c for g, c in zip(grad_at, u)))
    _verify(same_number(value, _along(expr, variables, point, u)), "the directional derivative")
    rate = _norm(grad_at)
    steepest = None if rate == 0 else tuple(tidy(g / rate) for g in grad_at)
    if steepest is not None:
        _verify(same_number(rate, _along(expr, variables, point, steepest)), "the steepest ascent rate")
    lines += (Line("the direction", vector(v), symbol="v"),
              Line("its length", length, symbol="|v|"),
              Line("the unit vector", vector(u), "|u| = 1", symbol="u = v/|v|", tex=r"u = v/|v|"),
              Line("the directional derivative", value, "equals d/dt f(P + t u) at t = 0, "
                   "computed without the gradient", symbol="D_u f(P) = ∇f(P)·u", tex=r"D_u f(P) = \nabla f(P)\cdot u"))
    if steepest is None:
        lines += (Line("no direction of steepest ascent: the gradient is zero at P", sympy.S.Zero,
                       symbol="|∇f(P)|", tex=r"|\nabla f(P)|"),)
    else:
        lines += (Line("the direction of steepest ascent", vector(steepest), symbol="∇f(P)/|∇f(P)|",
                       tex=r"\nabla f(P)/|\nabla f(P)|"),
                  Line("its rate, the largest directional derivative", rate, "equals d/dt f(P + t u) at t = 0 "
                       "along that direction", symbol="|∇f(P)|", tex=r"|\nabla f(P)|"))
    return Directional(expr, variables, point, gradient, grad_at, v, u, value, steepest, rate, lines)


def _kind(n: int) -> str:
    return {2: "tangent line", 3: "tangent plane"}.get(n, "tangent hyperplane")


def tangent(f: str | sympy.Expr, at: Point, *, gradient: GradientDerivation | None = None) -> Tangent:
    """The tangent line (2 variables) or plane (3) to the level set f = f(P) through P:
    ∇f(P)·(x − P) = 0, and the normal line P + t∇f(P)."""
    expr, variables, point, gradient, normal, lines = _setup(f, at, gradient)
    if len(variables) < 2:
        raise VariableError("a level set's tangent needs 2 or more variables",
                            hint="for the tangent line of the graph y = f(x), use --linearize")
    if all(n == 0 for n in normal):
        raise DomainError("the gradient is zero at the point: the level set has no tangent there "
                          "(a singular or critical point)", hint="choose a point where ∇f ≠ 0")
    level = value_at(expr, variables, point, "f")
    left = _offsets(normal, variables, point)
    equation = sympy.Eq(sympy.expand(sum(n * v for n, v in zip(normal, variables))),
                        sympy.expand(sum(n * p for n, p in zip(normal, point))))
    _verify(sympy.expand(left.xreplace(dict(zip(variables, point)))) == 0, "the point on the tangent")
    t = sympy.Symbol("t")
    kind = _kind(len(variables))
    lines += (Line("the level of the level set through P", level, symbol="c = f(P)"),
              Line(f"the {kind} (point-normal form)", sympy.Eq(left, 0), "P lies on it; its normal is the gradient at P"),
              Line(f"the {kind}, expanded", equation),
              Line("the normal line", vector((p + t * n for p, n in zip(point, normal))),
                   symbol="P + t ∇f(P)", tex=r"P + t\,\nabla f(P)"))
    if len(variables) == 2 and normal[1] != 0:
        x, y = variables
        slope = tidy(-normal[0] / normal[1])
        check = "its slope is -f_x/f_y at P, each checked above"
        if tree_size(expr, MAX_IDIFF_NODES) <= MAX_IDIFF_NODES:  # idiff took 5 s on a 9-term sum of sin·exp
            implicit = sympy.idiff(expr - level, y, x).xreplace(dict(zip(variables, point)))
            _verify(same_number(slope, implicit), "the tangent line's slope")
            check = "its slope equals dy/dx by implicit differentiation (sympy.idiff)"
        lines += (Line("as y = ...", sympy.Eq(y, sympy.expand(point[1] + slope * (x - point[0]))), check),)
    return Tangent(expr, variables, point, gradient, level, normal, equation, kind, lines)


def linearize(f: str | sympy.Expr, at: Point, *, gradient: GradientDerivation | None = None) -> Linearization:
    """The linearisation L(x) = f(P) + ∇f(P)·(x − P) of ``f`` at ``at`` (the tangent line or plane of
    the graph of f), checked: L(P) = f(P) and each ∂L/∂xᵢ equals ∂f/∂xᵢ at P."""
    expr, variables, point, gradient, grad_at, lines = _setup(f, at, gradient)
    value = value_at(expr, variables, point, "f")
    form = _offsets(grad_at, variables, point, value)
    expanded = sympy.expand(form)
    _verify(same_number(expanded.xreplace(dict(zip(variables, point))), value), "L(P) = f(P)")
    for i, v in enumerate(variables):
        axis = [sympy.S.One if j == i else sympy.S.Zero for j in range(len(variables))]
        _verify(same_number(sympy.diff(expanded, v), _along(expr, variables, point, axis)), f"∂L/∂{v.name}")
    names = ", ".join(v.name for v in variables)
    lines += (Line("the value at the point", value, symbol="f(P)"),
              Line("the linearisation", form, "L(P) = f(P); each partial of L " + _ALONG_AXIS,
                   symbol=f"L({names})"),
              Line("expanded", expanded, symbol=f"L({names})"))
    graph = {1: ("the tangent line of the graph", "y"), 2: ("the tangent plane of the graph", "z")}.get(len(variables))
    if graph is not None:
        height = graph[1] if graph[1] not in names.split(", ") else "f"
        lines += (Line(graph[0], sympy.Eq(sympy.Symbol(height), expanded)),)
    return Linearization(expr, variables, point, gradient, value, grad_at, expanded, lines)
