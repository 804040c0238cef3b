"""Implicit differentiation: dy/dx (and d²y/dx²) of an equation F(x, y) = G(x, y), with the work shown.

Each side is differentiated with y standing for y(x): d/dx[S(x, y(x))] = ∂S/∂x + ∂S/∂y · y' (the
chain rule on y(x)); both partials come from the step engine, each with its verified derivation. The
y' terms are collected and solved for; the result is checked against ``sympy.idiff``. The second
derivative differentiates y' the same way, substitutes y', and is rewritten with the relation where
that is shorter (checked on points of the curve, where alone the two forms agree).

>>> implicit("x^2 + y^2 = 25").derivative
-x/y
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from symgd.errors import VariableError
from symgd.explain.budget import check_step_work, expandable, simplifiable
from symgd.explain.oncurve import agree_on, curve_points, others
from symgd.explain.steps import derive
from symgd.explain.worked import WorkError, WorkStep, prime, shortest, verified
from symgd.parse.equation import Equation, parse_equation

_SIMPLIFY_OPS = 40


@dataclass(frozen=True)
class ImplicitResult:
    """dy/dx (``derivative``) and, for ``order`` 2, d²y/dx² (``second``) of ``equation``, both in x
    and y; ``steps`` the worked lines, every one verified; ``notes`` what the reader should know of the
    result (how the equation was read is in ``equation.notes``)."""

    equation: Equation
    dependent: sympy.Symbol
    independent: sympy.Symbol
    order: int
    derivative: sympy.Expr
    second: sympy.Expr | None
    steps: tuple[WorkStep, ...]
    notes: tuple[str, ...] = ()

    @property
    def result(self) -> sympy.Expr:
        return self.second if self.order == 2 else self.derivative

    def __str__(self) -> str:
        from symgd.report.calculus_b import render_implicit
        return render_implicit(self, "text")

    def _repr_markdown_(self) -> str:
        from symgd.report.calculus_b import render_implicit
        return render_implicit(self, "markdown")


def dependent_name(text: str) -> tuple[str, str | None]:
    """("y", "x") from "y(x)", ("y", None) from "y": the --implicit option's two spellings."""
    text = text.strip()
    if text.endswith(")") and "(" in text:
        name, _, inner = text[:-1].partition("(")
        return name.strip(), inner.strip()
    return text, None


def _symbols(eq: Equation, dependent: str, independent: str | None) -> tuple[sympy.Symbol, sympy.Symbol]:
    free = {s.name: s for s in eq.free_symbols}
    if dependent not in free:
        raise VariableError(f"{dependent or '(empty)'} does not occur in the equation "
                            f"(its variables: {', '.join(sorted(free)) or 'none'})",
                            hint="name the dependent variable with --implicit y(x)")
    rest = sorted(n for n in free if n != dependent)
    if independent is None or (independent == "x" and "x" not in free and len(rest) == 1):
        independent = "x" if "x" in rest else (rest[0] if len(rest) == 1 else None)
        if independent is None:
            raise VariableError(f"say which variable {dependent} depends on: --implicit {dependent}(x)")
    if independent == dependent:
        raise VariableError(f"{dependent} cannot depend on itself")
    if independent not in free:
        raise VariableError(f"{independent} does not occur in the equation (its variables: "
                            f"{', '.join(sorted(free))})", hint=f"write --implicit {dependent}(t) for another variable")
    return free[dependent], free[independent]


def _side_derivative(side: sympy.Expr, x: sympy.Symbol, y: sympy.Symbol, where: str,
                     simplify: bool = True) -> tuple[sympy.Expr, WorkStep]:
    """d/dx[side] = ∂/∂x + ∂/∂y · y', with both partials' derivations; checked against sympy.diff of
    side(x, y(x))."""
    p = prime(y)
    derivations = tuple(derive(side, v, simplify=simplify) for v in (x, y) if side.has(v))
    parts = {d.wrt: d.result for d in derivations}
    total = parts.get(x, sympy.S.Zero) + parts.get(y, sympy.S.Zero) * p
    yx = sympy.Function(y.name)(x)
    truth = sympy.diff(side.xreplace({y: yx}), x).subs(sympy.Derivative(yx, x), p).xreplace({yx: y})
    verified(total, truth, f"d/d{x} of the {where} side")
    title = (f"differentiate the {where} side; {y} = {y}({x}), so each {y}-term gets the chain-rule factor "
             f"{p} (d/d{x}[g({y})] = g'({y})·{p})" if side.has(y) else f"differentiate the {where} side")
    return total, WorkStep(title, sympy.Derivative(side, x), total, "equals sympy.diff with y = y(x)",
                           derivations)


def _solve_for(total: sympy.Expr, p: sympy.Symbol, y: sympy.Symbol) -> tuple[sympy.Expr, sympy.Expr]:
    """(a, b) of total = a + b·p (linear in p, since every term got p from the chain rule once)."""
    b = sympy.diff(total, p)
    a = total.xreplace({p: 0})
    if b == 0 or (expandable(b) and sympy.expand(b) == 0):
        raise VariableError(f"the equation does not involve {y} where it can be solved for {p}: "
                            f"the {p} terms cancel")
    return a, b


def _tidy(expr: sympy.Expr) -> sympy.Expr:
    """The shortest of cancel, factor and (on small expressions: trigsimp takes seconds on large ones)
    simplify."""
    if not expandable(expr):  # cancel and factor multiply out: over the budget the result stands as it is
        return expr
    candidates = [expr, sympy.cancel(expr), sympy.factor(expr), -sympy.factor(-expr)]
    if sympy.count_ops(expr) <= _SIMPLIFY_OPS and simplifiable(expr):
        candidates.append(sympy.simplify(expr))
    return shortest(candidates)


def first_derivative(eq: Equation, x: sympy.Symbol, y: sympy.Symbol) -> tuple[sympy.Expr, list[WorkStep], tuple]:
    """y' with its worked lines, and the (a, b) of d/dx[lhs - rhs] = a + b·y'."""
    p = prime(y)
    steps = [WorkStep(f"treat {y} as a function of {x}: {y} = {y}({x}), {p} = d{y}/d{x}", eq.lhs, eq.rhs)]
    d_lhs, s_lhs = _side_derivative(eq.lhs, x, y, "left")
    d_rhs, s_rhs = _side_derivative(eq.rhs, x, y, "right")
    steps += [s_lhs, s_rhs, WorkStep("the derivatives of the two sides are equal", d_lhs, d_rhs)]
    a, b = _solve_for(d_lhs - d_rhs, p, y)
    steps.append(WorkStep(f"collect the {p} terms on the left, the rest on the right", _tidy(b) * p, -_tidy(a),
                          "expands to the line above"))
    verified((d_lhs - d_rhs), a + b * p, "collect the y' terms")
    result = _tidy(-a / b)
    truth = sympy.idiff(eq.zero_form, y, x)
    verified(result, truth, f"solve for {p}")
    steps.append(WorkStep(f"divide by the factor of {p}", p, result, "equals sympy.idiff"))
    return result, steps, (a, b)


def _with_relation(expr: sympy.Expr, eq: Equation, x: sympy.Symbol, y: sympy.Symbol) -> sympy.Expr | None:
    """``expr`` rewritten with F = 0 (its numerator reduced modulo F's), when that is shorter."""
    num, den = sympy.fraction(sympy.together(expr))
    relation = sympy.numer(sympy.together(eq.zero_form))
    try:
        if not (num.is_polynomial(x, y) and relation.is_polynomial(x, y)):
            return None
        candidates = [sympy.factor(sympy.reduced(num, [relation], *gens, order="lex")[1] / den)
                      for gens in ((y, x), (x, y))]
    except (sympy.PolynomialError, sympy.polys.polyerrors.PolificationFailed, ValueError):
        return None
    best = shortest(candidates)
    return best if sympy.count_ops(best) < sympy.count_ops(expr) else None


def second_derivative(eq: Equation, x: sympy.Symbol, y: sympy.Symbol, first: sympy.Expr
                      ) -> tuple[sympy.Expr, list[WorkStep], list[str]]:
    """y'' with its worked lines: d/dx of y'(x, y(x)), y' substituted, then the relation used."""
    p, pp = prime(y), prime(y, 2)
    total, step = _side_derivative(first, x, y, "first derivative's", simplify=False)
    steps = [WorkStep(f"differentiate {p} = {sympy.sstr(first)} again, {y} = {y}({x}) as before",
                      step.lhs, step.rhs, step.check, step.derivations)]
    plain = _tidy(total.xreplace({p: first}))
    truth = sympy.idiff(eq.zero_form, y, x, 2)
    verified(plain, truth, f"substitute {p}")
    steps.append(WorkStep(f"substitute {p} = {sympy.sstr(first)} and simplify", pp, plain, "equals sympy.idiff"))
    notes: list[str] = []
    shorter = _with_relation(plain, eq, x, y)
    if shorter is not None:
        points = curve_points(eq.zero_form, y, others(eq, y))
        verdict, _ = agree_on(shorter, plain, points)
        if verdict is False:
            raise WorkError("a bug in symgd: the rewrite with the relation failed its check on the curve")
        if verdict:
            steps.append(WorkStep(f"use the equation {eq} to shorten it", pp, shorter,
                                  f"equal at {len(points)} points of the curve"))
            notes.append(f"the last form holds on the curve {eq} only (it used the equation)")
            plain = shorter
    return plain, steps, notes


def implicit(equation: str | Equation | sympy.Equality, dependent: str = "y", independent: str | None = "x",
             order: int = 1) -> ImplicitResult:
    """dy/dx (``order`` 1) or also d²y/dx² (``order`` 2) of ``equation`` with ``dependent`` a function of
    ``independent`` (None: the equation's other variable), as an ImplicitResult with verified steps."""
    if order not in (1, 2):
        raise VariableError(f"implicit differentiation gives order 1 or 2, not {order}")
    dependent, inner = dependent_name(dependent) if isinstance(dependent, str) else (dependent, None)
    if inner is not None and independent not in (None, "x", inner):
        raise VariableError(f"{dependent}({inner}) depends on {inner}, not {independent}")
    eq = equation if isinstance(equation, Equation) else parse_equation(equation, frozenset("xyz"))
    y, x = _symbols(eq, dependent, inner or independent)
    check_step_work(eq.zero_form, (x, y))
    first, steps, _ = first_derivative(eq, x, y)
    second, notes = None, []
    if order == 2:
        second, more, notes = second_derivative(eq, x, y, first)
        steps += more
    held = [s.name for s in others(eq, y) if s != x]
    if held:  # a surface: the other variables stay fixed, as OpenStax's ∂z/∂x = -F_x/F_z
        notes.append(f"{', '.join(held)} held constant: this is the partial derivative ∂{y}/∂{x}")
    return ImplicitResult(eq, y, x, order, first, second, tuple(steps), tuple(notes))
