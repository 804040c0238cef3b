"""Critical points of f(x, y, ...): solve ∇f = 0 and classify each point by the Hessian, the work shown.

The gradient comes from the step engine (each partial with its verified derivation); ∇f = 0 is solved
by sympy within a budget (``solving``), or numerically from many starts in a box when sympy cannot,
misses points, or f has trigonometric terms (sympy lists one period of solutions), saying so.
Each point is checked: the gradient vanishes there. Classification: f'' (one variable), the
determinant D = f_xx·f_yy − f_xy² (two), the Hessian's eigenvalues (more); "inconclusive" when the
test says nothing (D = 0).

>>> [p.kind for p in critical_points("x^2 - y^2").points]
['saddle point']
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sympy

from symgd.calculus.variables import ordered_variables
from symgd.errors import VariableError
from symgd.explain.budget import check_step_work
from symgd.explain.solving import (exact_guess, in_box, missed, near_zero, numeric_roots, real_solutions,
                                   solve_in_time, within_budget)
from symgd.explain.steps import derive
from symgd.explain.verify import equal
from symgd.explain.worked import WorkError, WorkStep
from symgd.parse import parse_program
from symgd.parse.together import one_letter_names

_PERIODIC = (sympy.sin, sympy.cos, sympy.tan, sympy.cot, sympy.sec, sympy.csc)
_DEFAULT_BOX = (-5.0, 5.0)
_ZERO = 1e-9
MAX_POINTS = 200


@dataclass(frozen=True)
class CriticalPoint:
    """A point where ∇f = 0: its coordinates, f there, the Hessian there, and its ``kind`` ("local
    minimum", "local maximum", "saddle point" or "inconclusive") with the ``test`` that decided it."""

    point: tuple[sympy.Expr, ...]
    value: sympy.Expr
    kind: str
    hessian: sympy.ImmutableMatrix
    test: str
    exact: bool = True


@dataclass(frozen=True)
class CriticalResult:
    """The critical points of ``expr`` in ``variables`` (inside ``box`` when given), found by
    ``method`` ("symbolic" or "numeric"), with the worked ``steps`` and ``notes``."""

    expr: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    gradient: tuple[sympy.Expr, ...]
    hessian: sympy.ImmutableMatrix
    points: tuple[CriticalPoint, ...]
    method: str
    steps: tuple[WorkStep, ...]
    notes: tuple[str, ...] = ()
    box: tuple[tuple[float, float], ...] | None = None
    #: How ``expr`` was read (the parser's notes, e.g. "`xy` read as the product x·y").
    reading: tuple[str, ...] = ()

    def __str__(self) -> str:
        from symgd.report.calculus_b import render_critical
        return render_critical(self, "text")

    def _repr_markdown_(self) -> str:
        from symgd.report.calculus_b import render_critical
        return render_critical(self, "markdown")


def _sign(value: sympy.Expr) -> int:
    """-1, 0 or 1: exactly where sympy can tell, else from 30 digits (|v| < 1e-9 counts as 0)."""
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    v = complex(value.evalf(30)).real
    return 0 if abs(v) < _ZERO else (1 if v > 0 else -1)


def classify(h: sympy.Matrix, names: tuple[str, ...]) -> tuple[str, str]:
    """(kind, the test's work) for the Hessian ``h`` at a critical point."""
    n = h.shape[0]
    if n == 1:
        s = _sign(h[0, 0])
        kind = {1: "local minimum", -1: "local maximum", 0: "inconclusive"}[s]
        rest = {1: " > 0", -1: " < 0", 0: ": the second-derivative test says nothing"}[s]
        return kind, f"f'' = {sympy.sstr(h[0, 0])}{rest}"
    if n == 2:
        d = sympy.nsimplify(h[0, 0] * h[1, 1] - h[0, 1] ** 2) if all(e.is_Rational for e in h) else \
            sympy.simplify(h[0, 0] * h[1, 1] - h[0, 1] ** 2)
        sd, sa = _sign(d), _sign(h[0, 0])
        head = f"D = f_{names[0]}{names[0]}·f_{names[1]}{names[1]} − f_{names[0]}{names[1]}² = {sympy.sstr(d)}"
        if sd < 0:
            return "saddle point", f"{head} < 0"
        if sd == 0:
            return "inconclusive", f"{head}: the second-derivative test says nothing"
        kind = "local minimum" if sa > 0 else "local maximum"
        return kind, f"{head} > 0 and f_{names[0]}{names[0]} = {sympy.sstr(h[0, 0])} {'>' if sa > 0 else '<'} 0"
    values = np.linalg.eigvalsh(np.array(h.evalf(30).tolist(), dtype=float))
    signs = [0 if abs(v) < _ZERO * max(1.0, float(np.max(np.abs(values)))) else (1 if v > 0 else -1) for v in values]
    shown = ", ".join(f"{v:.6g}" for v in values)
    if 1 in signs and -1 in signs:
        return "saddle point", f"Hessian eigenvalues {shown}: of both signs"
    if 0 in signs:
        return "inconclusive", f"Hessian eigenvalues {shown}: one is 0, the test says nothing"
    kind = "local minimum" if signs[0] > 0 else "local maximum"
    return kind, f"Hessian eigenvalues {shown}: all {'positive' if signs[0] > 0 else 'negative'}"


def _gradient(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...]):
    derivations = tuple(derive(expr, v) for v in variables)
    grad = tuple(d.result for d in derivations)
    step = WorkStep("the gradient (each partial derivative's steps verified)", tuple(
        sympy.Derivative(expr, v) for v in variables), grad, "each step equals sympy.diff", derivations)
    return grad, step


def _hessian(grad: tuple[sympy.Expr, ...], variables: tuple[sympy.Symbol, ...]
             ) -> tuple[sympy.ImmutableMatrix, WorkStep]:
    h = sympy.ImmutableMatrix([[sympy.diff(g, v) for v in variables] for g in grad])
    if any(not equal(h[i, j], h[j, i]) for i in range(len(grad)) for j in range(i)):
        raise WorkError("a bug in symgd: the Hessian is not symmetric (Clairaut)")
    names = [v.name for v in variables]
    lhs = tuple(sympy.Symbol(f"f_{a}{b}") for i, a in enumerate(names) for b in names[i:])
    rhs = tuple(h[i, j] for i in range(len(names)) for j in range(i, len(names)))
    return h, WorkStep("the second partial derivatives (f_xy = f_yx by Clairaut's theorem, checked)", lhs, rhs,
                       "differentiating the verified gradient; symmetric")


def _numeric(grad, variables, box, why: str) -> tuple[list[tuple], list[bool], str]:
    bounds = box or tuple(_DEFAULT_BOX for _ in variables)
    roots = numeric_roots(grad, variables, bounds)
    points, exact = [], []
    for r in roots:
        guess = exact_guess(r, grad, variables)
        points.append(guess if guess is not None else tuple(sympy.Float(v, 15) for v in r))
        exact.append(guess is not None)
    where = "the box " + ", ".join(f"{v}∈[{lo:g}, {hi:g}]" for v, (lo, hi) in zip(variables, bounds))
    note = (f"{why}: solved numerically from many starts in {where}"
            + ("" if box else " (give --box to search elsewhere)")
            + "; points shown exactly where an exact value was recognised and checked")
    return points, exact, note


def _solve(grad, variables, box, periodic: bool) -> tuple[list[tuple], list[bool], str, list[str]]:
    """(points, which are exact, method, notes)."""
    notes: list[str] = []
    why = ("f has trigonometric terms, for which sympy lists one period of the solutions at most" if periodic
           else within_budget(grad, variables))
    if why is None:
        solutions, why = solve_in_time(grad, variables)
        if solutions is not None:
            points, families = real_solutions(solutions, variables)
            if families:
                notes.append("∇f = 0 also holds along a curve (not isolated points): " + "; ".join(
                    ", ".join(f"{k} = {sympy.sstr(v)}" for k, v in sol.items()) for sol in families[:3]))
            points = [p for p in points if in_box(p, box)]
            lost = missed(points, numeric_roots(grad, variables, box or [_DEFAULT_BOX] * len(variables)),
                          families, variables)
            if not lost:
                return points, [True] * len(points), "symbolic", notes
            why = f"sympy.solve missed {len(lost)} solution(s) that a numeric search found"
    points, exact, note = _numeric(grad, variables, box, why)
    return points, exact, "numeric", [note]


def critical_points(expr: str | sympy.Expr, box: Mapping[str, tuple[float, float]] | None = None
                    ) -> CriticalResult:
    """The critical points of ``expr`` (inside ``box``, {"x": (lo, hi), ...}, when given), each
    classified by the second-derivative test, as a CriticalResult with verified steps. The box's names are
    part of the input: ``xy`` with a box in x and y is x·y (a run of their letters, together.py)."""
    program = parse_program(expr, one_letter_names(box or ()))
    expr = program.expr
    variables = ordered_variables(expr)
    if not variables:
        raise VariableError("the expression has no variables: it has no critical points")
    if len(variables) > 6:
        raise VariableError(f"critical points of {len(variables)} variables are beyond symgd (at most 6)")
    bounds = _bounds(box, variables)
    check_step_work(expr, variables)
    grad, grad_step = _gradient(expr, variables)
    hessian, hess_step = _hessian(grad, variables)
    periodic = any(expr.has(f) for f in _PERIODIC)
    points, exact, method, notes = _solve(grad, variables, bounds, periodic)
    if len(points) > MAX_POINTS:
        raise VariableError(f"{len(points)} critical points: more than {MAX_POINTS}; give a smaller --box")
    names = tuple(v.name for v in variables)
    found = tuple(_point(expr, grad, hessian, variables, p, e, names) for p, e in zip(points, exact))
    steps = (grad_step, WorkStep("set every partial derivative to 0", grad, tuple(0 for _ in grad)),
             WorkStep(f"solve the system ({'sympy.solve' if method == 'symbolic' else 'numerically'}): "
                      f"{len(found)} real solution(s)", tuple(variables), tuple(p.point for p in found),
                      "∇f = 0 checked at each"), hess_step)
    return CriticalResult(expr, variables, grad, hessian, found, method, steps, tuple(notes), bounds,
                          tuple(program.notes))


def _point(expr, grad, hessian, variables, point, exact: bool, names) -> CriticalPoint:
    at = dict(zip(variables, point))
    for g in grad:
        value = g.xreplace(at)
        ok = sympy.simplify(value) == 0 if exact else near_zero(g, at)
        if not ok:
            raise WorkError(f"a bug in symgd: ∇f is not 0 at the critical point {point}")
    h = hessian.xreplace(at)
    h = sympy.ImmutableMatrix(h.applyfunc(sympy.simplify) if exact else h.evalf(15))
    kind, test = classify(h, names)
    value = sympy.simplify(expr.xreplace(at)) if exact else expr.xreplace(at).evalf(15)
    return CriticalPoint(tuple(point), value, kind, h, test, exact)


def _bounds(box, variables) -> tuple[tuple[float, float], ...] | None:
    if box is None:
        return None
    names = {v.name for v in variables}
    unknown = sorted(set(box) - names)
    if unknown:
        raise VariableError(f"--box names {', '.join(unknown)}, which the expression does not have "
                            f"(its variables: {', '.join(sorted(names))})")
    for name, (lo, hi) in box.items():
        if not lo < hi:
            raise VariableError(f"--box {name}={lo:g}:{hi:g} is empty: the lower end must be below the upper")
    return tuple(tuple(float(b) for b in box.get(v.name, _DEFAULT_BOX)) for v in variables)
