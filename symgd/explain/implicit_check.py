"""Checking an implicit derivative: is the answer dy/dx (or d²y/dx²) on the curve, and if not, why?

An answer may use the equation (y² written as 25 - x²): it is then right on the curve and wrong off it,
so it is compared at points *on* the curve (``oncurve.curve_points``), after a symbolic try. A wrong
first derivative is compared with the result rebuilt with one typical slip: a y-term without its
chain-rule factor y', a product-rule term dropped, a rule slip inside one term's derivative (the rows of
``mistakes.SLIPS``, as ``check`` uses), the minus sign lost or the fraction upside down when solving.
A match names the term of the equation whose derivative went wrong.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

import sympy

from symgd.errors import DomainError, VariableError
from symgd.explain.budget import expandable, simplifiable
from symgd.explain.implicit import ImplicitResult, implicit
from symgd.explain.mistakes import slips_for
from symgd.explain.oncurve import agree_on, agreement, curve_points, others
from symgd.explain.steps import Deriver
from symgd.explain.worked import prime
from symgd.parse import program_parts
from symgd.parse.equation import Equation

_MAX_SLIPS = 300
#: Rebuilt answers compared at the points of the curve (each costs one 30-digit evaluation per point).
_MAX_CANDIDATES = 400
_SIMPLIFY_OPS = 80


@dataclass(frozen=True)
class ImplicitCheck:
    """The verdict on ``answer`` as the derivative in ``result`` (an ImplicitResult): ``correct``, a
    ``message`` saying why, how it was decided (``method``: "symbolic" or "on the curve", with the
    number of ``points`` used), and for a wrong answer the ``rule`` and the equation's ``term`` whose
    derivative went wrong, when found."""

    correct: bool
    message: str
    result: ImplicitResult
    answer: sympy.Expr
    method: str
    points: int = 0
    rule: str | None = None
    term: sympy.Expr | None = None

    @property
    def expected(self) -> sympy.Expr:
        return self.result.result

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return self.message


def _terms(res: ImplicitResult):
    """(sign, term) of each term of lhs - rhs."""
    eq = res.equation
    return [(1, t) for t in sympy.Add.make_args(eq.lhs)] + [(-1, t) for t in sympy.Add.make_args(eq.rhs)]


def _rule_slips(t: sympy.Expr, v: sympy.Symbol, limit: int):
    """(message, key, wrong ∂t/∂v) for each typical slip at each step of ∂t/∂v, at most ``limit``."""
    names = {s.name for s in t.free_symbols}
    correct = Deriver(names, verify=False)
    correct.derive(t, v)
    for n, step in sorted(correct.visited.items()):
        for slip in slips_for(step):
            if limit <= 0:
                return
            limit -= 1
            yield slip.message(step), step.key, Deriver(names, mistake=(n, slip.wrong)).derive(t, v).result


def _candidates(res: ImplicitResult):
    """(message, rule, term, wrong y') for each typical slip."""
    x, y, p = res.independent, res.dependent, prime(res.dependent)
    a = sum((s * sympy.diff(t, x) for s, t in _terms(res)), sympy.S.Zero)
    b = sum((s * sympy.diff(t, y) for s, t in _terms(res)), sympy.S.Zero)
    yield "the minus sign was lost when solving for " + str(p), "solve", None, a / b
    yield "the fraction is upside down: " + f"{p} = -(terms without {p})/(factor of {p})", "solve", None, -b / a
    rhs = res.equation.rhs
    if rhs.has(x) or rhs.has(y):
        ra, rb = sympy.diff(rhs, x), sympy.diff(rhs, y)
        yield "the right side was not differentiated", "sides", rhs, -(a + ra) / (b + rb)
    budget = _MAX_SLIPS
    for s, t in _terms(res):
        tx, ty = sympy.diff(t, x), sympy.diff(t, y)
        where = f"in d/d{x}[{sympy.sstr(t)}]"
        if ty != 0:
            yield (f"{where} the chain-rule factor {p} is missing ({y} = {y}({x}): "
                   f"d/d{x}[{sympy.sstr(t)}] has {sympy.sstr(ty)}·{p})"), "chain", t, -(a + s * ty) / (b - s * ty)
            what = ("product rule: the term" if t.is_Mul and tx != 0 else
                    f"{y} was treated as a constant: the term" if tx == 0 else
                    f"chain rule on {y}({x}): the term")
            key = "product" if t.is_Mul and tx != 0 else "chain"
            yield f"{where} {what} {sympy.sstr(ty)}·{p} is missing", key, t, -a / (b - s * ty)
        if tx != 0 and ty != 0:
            yield f"{where} product rule: the term {sympy.sstr(tx)} is missing", "product", t, -(a - s * tx) / b
        for v, right in ((x, tx), (y, ty)):
            if right == 0:
                continue
            for why, key, wrong in _rule_slips(t, v, budget):
                budget -= 1
                a2, b2 = (a - s * right + s * wrong, b) if v == x else (a, b - s * right + s * wrong)
                yield f"{where}, ∂/∂{v}: {why}", key, t, -a2 / b2


def _second_candidates(res: ImplicitResult):
    """(message, rule, term, wrong y'') for the typical slips of the second derivative."""
    x, y, g = res.independent, res.dependent, res.derivative
    p = prime(y)
    gx, gy = sympy.diff(g, x), sympy.diff(g, y)
    yield (f"{y} was treated as a constant when differentiating {p} = {sympy.sstr(g)}: the chain-rule term "
           f"∂{p}/∂{y}·{p} is missing"), "chain", g, gx
    yield f"the term ∂{p}/∂{x} of d/d{x}[{p}] is missing", "sum", g, gy * g
    yield f"the chain-rule factor {p} is missing from ∂{p}/∂{y}·{p} (with {p} = {sympy.sstr(g)})", "chain", g, gx + gy
    yield "the sign is wrong", "sign", None, -(gx + gy * g)


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    difference = a - b
    if difference == 0 or (expandable(difference) and sympy.expand(difference) == 0):
        return True
    return (simplifiable(difference) and sympy.count_ops(difference) <= _SIMPLIFY_OPS
            and sympy.simplify(difference) == 0)


def _read_answer(answer: str | sympy.Expr, res: ImplicitResult) -> sympy.Expr:
    names = frozenset(s.name for s in res.equation.free_symbols if len(s.name) == 1)
    given = program_parts(answer, names)[0] if isinstance(answer, str) else sympy.sympify(answer)
    allowed = {s.name for s in res.equation.free_symbols}
    extra = sorted(s.name for s in given.free_symbols if s.name not in allowed)
    if extra:
        raise VariableError(f"the answer uses {', '.join(extra)}, which the equation does not "
                            f"(its variables: {', '.join(sorted(allowed))})")
    return given


def _at(point: dict) -> str:
    return ", ".join(f"{s} = {float(v):.6g}" for s, v in sorted(point.items(), key=lambda kv: kv[0].name))


def check_implicit(equation: str | Equation | sympy.Equality, answer: str | sympy.Expr, dependent: str = "y",
                   independent: str | None = "x", order: int = 1) -> ImplicitCheck:
    """Check ``answer`` as dy/dx (``order`` 2: d²y/dx²) of ``equation``, with ``dependent`` a function
    of ``independent``; equal on the curve is right (an answer may use the equation)."""
    res = implicit(equation, dependent, independent, order)
    given = _read_answer(answer, res)
    x, y = res.independent, res.dependent
    name = f"d{y}/d{x}" if order == 1 else f"d²{y}/d{x}²"
    truth = f"{name} = {sympy.sstr(res.result)}"
    if _same(given, res.result):
        return ImplicitCheck(True, f"correct: {sympy.sstr(given)} equals {truth} (symbolic check)",
                             res, given, "symbolic")
    points = curve_points(res.equation.zero_form, y, others(res.equation, y))
    verdict, where = agree_on(given, res.result, points)
    if verdict is None:
        raise DomainError(f"cannot check the answer: too few points of the curve {res.equation} were found "
                          "where both it and the derivative are defined",
                          exprs=(res.equation.lhs, res.equation.rhs))
    if verdict:
        return ImplicitCheck(True, f"correct on the curve: {sympy.sstr(given)} equals {truth} at "
                             f"{len(points)} points of {res.equation} (it differs off the curve, which is "
                             "fine: it uses the equation)", res, given, "on the curve", len(points))
    candidates = _candidates(res) if order == 1 else _second_candidates(res)
    for why, rule, term, wrong in islice(candidates, _MAX_CANDIDATES):
        if agree_on(given, wrong, points)[0]:
            return ImplicitCheck(False, f"not correct: {why}. The derivative is {truth}", res, given,
                                 "on the curve", len(points), rule, term)
    same, differ = agreement(given, res.result, points)
    if len(same) >= 2:  # right on part of the curve: typically y solved explicitly with one sign of a root
        return ImplicitCheck(False, f"not correct on the whole curve: your answer equals {name} at {len(same)} "
                             f"of {len(same) + len(differ)} points of {res.equation}, such as ({_at(same[0])}), "
                             f"but not at ({_at(differ[0])}): it holds on one part (branch) of the curve only, "
                             f"as when {y} is solved for with one sign of a root. The derivative is {truth}",
                             res, given, "on the curve", len(points), "branch")
    at = _at(where)
    return ImplicitCheck(False, f"not correct: at the point ({at}) of the curve your answer gives "
                         f"{sympy.sstr(given.xreplace(where).evalf(8))}, {name} is "
                         f"{sympy.sstr(res.result.xreplace(where).evalf(8))}. The derivative is {truth}",
                         res, given, "on the curve", len(points))
