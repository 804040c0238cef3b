"""Lagrange multipliers: the extreme values of f subject to one or two equations g = c (h = d).

The system ∇f = λ∇g (+ μ∇h), g = c (, h = d) is built from verified gradients, solved by sympy within
a budget (``solving``; numerically from many starts when sympy cannot, saying so), and each real
solution is checked to satisfy every equation. The values of f there are compared: the largest is the
maximum and the smallest the minimum when the constraint set is closed and bounded (a circle, an
ellipse); otherwise they are only the candidates, and the note says so. For one constraint, points
where ∇g = 0 on the curve are listed too, since the method cannot see them.

>>> r = extremum("x y", ["x^2 + y^2 = 8"])
>>> r.maximum, r.minimum
(4, -4)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from symgd.errors import VariableError
from symgd.explain.budget import check_step_work
from symgd.explain.solving import (MAX_UNKNOWNS, exact_guess, missed, near_zero, numeric_roots, real_solutions,
                                   solve_in_time, within_budget)
from symgd.explain.steps import derive
from symgd.explain.worked import WorkError, WorkStep
from symgd.parse import Program
from symgd.parse.equation import Equation
from symgd.parse.together import read_with_equations

MULTIPLIERS = ("lambda", "mu")
_BOX = (-10.0, 10.0)


@dataclass(frozen=True)
class Candidate:
    """A solution of the Lagrange system: the ``point``, its ``multipliers`` and f there (``value``); or a
    point of the constraint where ∇g = 0 (``singular``, no multipliers), which the system cannot see."""

    point: tuple[sympy.Expr, ...]
    multipliers: tuple[sympy.Expr, ...]
    value: sympy.Expr
    exact: bool = True
    singular: bool = False


@dataclass(frozen=True)
class ExtremumResult:
    """The candidates of f on the ``constraints``, the ``maximum``/``minimum`` among their values (None
    without candidates), how they were found (``method``) and the worked ``steps``."""

    expr: sympy.Expr
    constraints: tuple[Equation, ...]
    variables: tuple[sympy.Symbol, ...]
    multipliers: tuple[sympy.Symbol, ...]
    system: tuple[sympy.Equality, ...]
    candidates: tuple[Candidate, ...]
    maximum: sympy.Expr | None
    minimum: sympy.Expr | None
    method: str
    steps: tuple[WorkStep, ...]
    notes: tuple[str, ...] = ()
    singular: tuple[tuple[sympy.Expr, ...], ...] = ()
    #: How f was read (the parser's notes, e.g. "`xy` read as the product x·y"); each constraint's
    #: reading is in its Equation's ``notes``.
    reading: tuple[str, ...] = ()

    def __str__(self) -> str:
        from symgd.report.calculus_b import render_extremum
        return render_extremum(self, "text")

    def _repr_markdown_(self) -> str:
        from symgd.report.calculus_b import render_extremum
        return render_extremum(self, "markdown")


def _gradient(expr: sympy.Expr, variables, what: str) -> tuple[tuple[sympy.Expr, ...], WorkStep]:
    derivations = tuple(derive(expr, v) for v in variables if expr.has(v))
    parts = {d.wrt: d.result for d in derivations}
    grad = tuple(parts.get(v, sympy.S.Zero) for v in variables)
    return grad, WorkStep(f"the gradient of {what}", tuple(sympy.Derivative(expr, v) for v in variables), grad,
                          "each partial's steps verified", derivations)


def _system(grad_f, grads, constraints, multipliers) -> list[sympy.Equality]:
    eqs = [sympy.Eq(gf, sum((m * g[i] for m, g in zip(multipliers, grads)), sympy.S.Zero), evaluate=False)
           for i, gf in enumerate(grad_f)]
    return eqs + [sympy.Eq(c.lhs, c.rhs, evaluate=False) for c in constraints]


def _solve(system, unknowns, n: int) -> tuple[list[tuple], list[bool], str, list[str]]:
    """(points, which are exact, method, notes) of the system in ``unknowns``, the first ``n`` the
    variables (kept within the search box when solved numerically), the rest the multipliers."""
    zeros = [e.lhs - e.rhs for e in system]
    roots = None
    why = within_budget(zeros, unknowns)
    if why is None:
        solutions, why = solve_in_time(zeros, unknowns)
        if solutions is not None:
            points, families = real_solutions(solutions, unknowns)
            notes = ["the system also has a family of solutions (a curve, not points): " + "; ".join(
                ", ".join(f"{k} = {sympy.sstr(v)}" for k, v in s.items()) for s in families[:3])] if families else []
            roots = numeric_roots(zeros, unknowns, [_BOX] * len(unknowns), starts=400, free=len(unknowns) - n)
            lost = missed(points, roots, families, unknowns)
            if not lost:
                return points, [True] * len(points), "symbolic", notes
            why = f"sympy.solve missed {len(lost)} solution(s) that a numeric search found"
    if roots is None:
        roots = numeric_roots(zeros, unknowns, [_BOX] * len(unknowns), starts=400, free=len(unknowns) - n)
    points, exact = [], []
    for r in roots:
        guess = exact_guess(r, zeros, unknowns)
        points.append(guess if guess is not None else tuple(sympy.Float(v, 15) for v in r))
        exact.append(guess is not None)
    return points, exact, "numeric", [f"{why}: solved numerically from many starts with every variable in "
                                      f"[{_BOX[0]:g}, {_BOX[1]:g}]; solutions outside would be missed"]


def _check(system, unknowns, point, exact: bool) -> None:
    at = dict(zip(unknowns, point))
    for e in system:
        value = (e.lhs - e.rhs).xreplace(at)
        if not (sympy.simplify(value) == 0 if exact else near_zero(e.lhs - e.rhs, at)):
            raise WorkError(f"a bug in symgd: the Lagrange solution {point} fails {e}")


def _singular(constraint: Equation, grad_g, variables) -> list[tuple]:
    """Points of the constraint where ∇g = 0 (the method does not see them)."""
    zeros = [g for g in grad_g if g != 0] + [constraint.zero_form]
    if within_budget(zeros, variables) is not None:
        return []
    solutions, _ = solve_in_time(zeros, variables)
    return real_solutions(solutions or [], variables)[0]


def _read(expr, constraints) -> tuple[Program, tuple[Equation, ...], tuple[sympy.Symbol, ...]]:
    """(f's reading, the constraint equations, the variables sorted by name), refusing what cannot be
    solved. f and the constraints are one input: ``xy`` subject to ``x + y = 1`` is x·y (together.py)."""
    if not 1 <= len(constraints) <= 2:
        raise VariableError(f"extremum takes one or two constraints, not {len(constraints)}")
    program, eqs = read_with_equations(expr, constraints)
    f = program.expr
    free = set(f.free_symbols).union(*(e.free_symbols for e in eqs))
    variables = tuple(sorted(free, key=lambda s: s.name))
    taken = {v.name for v in variables} & set(MULTIPLIERS)
    if taken:
        raise VariableError(f"{', '.join(sorted(taken))} is the name of a multiplier; rename that variable")
    if len(variables) + len(eqs) > MAX_UNKNOWNS:
        raise VariableError(f"{len(variables)} variables and {len(eqs)} multiplier(s) are more unknowns than "
                            f"symgd solves for ({MAX_UNKNOWNS})")
    if len(variables) <= len(eqs):
        raise VariableError(f"{len(eqs)} constraint(s) on {len(variables)} variable(s) leave nothing to vary")
    check_step_work(f, variables)
    return program, eqs, variables


def _setup(f, eqs, variables, mults) -> tuple[list, list[WorkStep], list[sympy.Equality]]:
    """(the constraints' gradients, the steps so far, the Lagrange system)."""
    grad_f, step_f = _gradient(f, variables, "f")
    grads, steps = [], [step_f]
    for c in eqs:
        g, step = _gradient(c.zero_form, variables, f"the constraint {c}")
        grads.append(g)
        steps.append(step)
    system = _system(grad_f, grads, eqs, mults)
    steps.append(WorkStep("the Lagrange system: ∇f = " + " + ".join(f"{m}∇{'gh'[i]}" for i, m in enumerate(mults))
                          + " and the constraints", tuple(e.lhs for e in system), tuple(e.rhs for e in system)))
    return grads, steps, system


def extremum(expr: str | sympy.Expr, subject_to: str | sympy.Equality | Sequence[str | sympy.Equality]
             ) -> ExtremumResult:
    """The extreme values of ``expr`` subject to one or two constraints ("g = c", alone or in a list) by
    Lagrange multipliers, as an ExtremumResult with verified steps.

    >>> extremum("xy", subject_to="x + y = 1").maximum
    1/4
    """
    one = not isinstance(subject_to, (list, tuple))  # one equation, or a list of one or two
    program, eqs, variables = _read(expr, [subject_to] if one else list(subject_to))
    f = program.expr
    mults = tuple(sympy.Symbol(m) for m in MULTIPLIERS[:len(eqs)])
    grads, steps, system = _setup(f, eqs, variables, mults)
    unknowns = (*variables, *mults)
    points, exact, method, notes = _solve(system, unknowns, len(variables))
    for p, e in zip(points, exact):
        _check(system, unknowns, p, e)
    n = len(variables)
    singular = tuple(_singular(eqs[0], grads[0], variables)) if len(eqs) == 1 else ()
    found = tuple(Candidate(p[:n], p[n:], _value(f, variables, p[:n], e), e) for p, e in zip(points, exact))
    found += tuple(Candidate(p, (), _value(f, variables, p, True), True, True) for p in singular
                   if all(c.point != p for c in found))
    if not found and method == "numeric":
        raise VariableError(f"no solution of the Lagrange system was found ({notes[-1]})")
    if not found:
        raise VariableError("the Lagrange system has no real solution: the constraint(s) "
                            + ", ".join(str(c) for c in eqs) + " may have no real points",
                            hint="check the constraint, e.g. x^2 + y^2 = -1 has no real points",
                            exprs=tuple(side for c in eqs for side in (c.lhs, c.rhs)))
    values = [c.value for c in found]
    steps += [WorkStep(f"solve it ({'sympy.solve' if method == 'symbolic' else 'numerically'}): "
                       f"{len(points)} real solution(s)", unknowns, tuple(points), "every equation checked at each"),
              WorkStep("compare the values of f at the solutions",
                       tuple(sympy.Function("f")(*c.point) for c in found), tuple(values), "f evaluated at each")]
    notes.append("the largest and smallest values are the maximum and minimum when the constraint set is "
                 "closed and bounded (a circle, an ellipse, a sphere); otherwise only candidates")
    if singular:
        notes.append("∇g = 0 at " + ", ".join(str(p) for p in singular) + " on the constraint, where the "
                     "method does not apply: those points are candidates too")
    return ExtremumResult(f, eqs, variables, mults, tuple(system), found, max(values, key=_num),
                          min(values, key=_num), method, tuple(steps), tuple(notes), singular,
                          tuple(program.notes))


def _value(f, variables, point, exact: bool) -> sympy.Expr:
    value = f.xreplace(dict(zip(variables, point)))
    return sympy.simplify(value) if exact else value.evalf(15)


def _num(value: sympy.Expr) -> float:
    return float(sympy.re(value.evalf(30)))
