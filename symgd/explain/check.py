"""Answer checking: is a student's derivative right, and if not, which rule's term went wrong.

The comparison is symbolic (the difference simplifies to 0) or else numeric at random real points.
A wrong answer is compared with the derivation rebuilt with one typical slip (``mistakes.SLIPS``) at
each step; a match names the slip. Otherwise the answer's terms are compared with the right ones,
and each missing term is traced to the rule step that produces it.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from symgd.errors import VariableError
from symgd.explain.budget import expandable, simplifiable, step_work
from symgd.explain.mistakes import slips_for
from symgd.explain.model import Derivation, Step
from symgd.explain.steps import Deriver, derive
from symgd.explain.verify import numerically_equal, realify
from symgd.parse.echo import term_order
from symgd.parse import program_parts

_MAX_CANDIDATES = 400
#: Rebuilt derivations x their step work: the slips tried stop here (each rebuild is a derivation).
_MAX_SLIP_WORK = 200_000
#: Terms compared pairwise (answer x derivative) and missing terms traced to their steps.
_MAX_TERM_PAIRS = 2_500
_MAX_TRACED = 4
_SIMPLIFY_OPS = 80


@dataclass(frozen=True)
class CheckResult:
    """The verdict on ``answer`` for d(f)/d(wrt): ``correct``, a ``message`` saying why, the right
    ``expected`` derivative, how it was decided (``method``: "symbolic" or "numeric") and, for a wrong
    answer, the ``rule`` whose step went wrong (a Step.key) and the ``term`` involved, when found."""

    correct: bool
    message: str
    f: sympy.Expr
    wrt: sympy.Symbol
    answer: sympy.Expr
    expected: sympy.Expr
    method: str
    rule: str | None = None
    term: sympy.Expr | None = None
    derivation: Derivation | None = None

    def __bool__(self) -> bool:
        return self.correct

    def _repr_markdown_(self) -> str:
        from symgd.report.check import render_check
        return render_check(self, "markdown")

    def _repr_latex_(self) -> str:
        from symgd.report.check import render_check
        return render_check(self, "latex-inline")

    def __str__(self) -> str:
        return self.message


def _same(a: sympy.Expr, b: sympy.Expr) -> str | None:
    """"symbolic" or "numeric" when a == b as real functions, else None."""
    (a, b), _ = realify((a, b))
    difference = a - b
    if difference == 0 or (expandable(difference) and sympy.expand(difference) == 0):
        return "symbolic"
    if simplifiable(difference) and sympy.count_ops(difference) <= _SIMPLIFY_OPS and \
            sympy.simplify(difference) == 0:
        return "symbolic"
    return "numeric" if numerically_equal(a, b, need=4) else None


def _find_slip(expr, wrt, definitions, answer) -> tuple[Step, str] | None:
    """The first step (outermost first) at which one typical slip turns the derivation into ``answer``."""
    names = {s.name for s in expr.free_symbols}
    correct = Deriver(names, definitions, verify=False)
    correct.derive(expr, wrt)
    limit = min(_MAX_CANDIDATES, _MAX_SLIP_WORK // max(step_work(expr, (wrt,)), 1))
    tried = 0
    for n, step in sorted(correct.visited.items()):
        for slip in slips_for(step):
            tried += 1
            if tried > limit:
                return None
            wrong = Deriver(names, definitions, mistake=(n, slip.wrong)).derive(expr, wrt).result
            if numerically_equal(wrong, answer, need=4):
                return step, slip.message(step)
    return None


def _producer(term: sympy.Expr, derivation: Derivation) -> tuple[Step, str] | None:
    """The smallest labelled term of a rule step (in ``wrt``) whose expansion contains ``term``."""
    best = None
    for step in derivation.root.walk():
        if step.wrt != derivation.wrt:
            continue
        for label, value in step.terms:
            if not expandable(value):
                continue
            parts = sympy.Add.make_args(sympy.expand(value))
            if any(sympy.expand(p - term) == 0 for p in parts):
                size = sympy.count_ops(value)
                if best is None or size < best[0]:
                    best = (size, step, label, value)
    return None if best is None else (best[1], best[2])


def _term_report(derivation: Derivation, answer: sympy.Expr) -> tuple[str, str | None, sympy.Expr | None]:
    if not expandable(derivation.result, answer):
        return "the answer differs from the derivative", None, None
    right = sympy.Add.make_args(sympy.expand(derivation.result))
    given = sympy.Add.make_args(sympy.expand(answer))
    if len(right) * len(given) > _MAX_TERM_PAIRS:
        return "the answer differs from the derivative", None, None
    missing = [t for t in right if not any(sympy.expand(t - g) == 0 for g in given)]
    extra = [g for g in given if not any(sympy.expand(t - g) == 0 for t in right)]
    lines, rule, term = [], None, None
    for t in missing[:_MAX_TRACED]:
        found = _producer(t, derivation)
        where = (f" — it comes from the {found[0].rule}'s {found[1]} term in "
                 f"d/d{derivation.wrt}[{sympy.sstr(found[0].expr)}]") if found else ""
        if found and rule is None:
            rule, term = found[0].key, t
        lines.append(f"the term {sympy.sstr(t)} is missing or wrong{where}")
    if extra and len(extra) <= 4:
        lines.append("your answer has term(s) that do not belong: " + ", ".join(sympy.sstr(g) for g in extra))
    return "; ".join(lines) or "the answer differs from the derivative", rule, term


def check(f: str | sympy.Expr, wrt: str | sympy.Symbol, answer: str | sympy.Expr) -> CheckResult:
    """Check ``answer`` as d(f)/d(wrt); the result's ``.correct`` and ``.message`` say how it stands."""
    from symgd.calculus.variables import ordered_variables
    expr, definitions = program_parts(f)
    variables = ordered_variables(expr, [wrt] if isinstance(wrt, sympy.Symbol) else wrt)
    if len(variables) != 1:
        raise VariableError(f"check takes one variable to differentiate by, not {len(variables)} "
                            f"({', '.join(v.name for v in variables[:5])}{', ...' * (len(variables) > 5)})")
    (x,) = variables
    known = frozenset(s.name for s in expr.free_symbols | {x} if len(s.name) == 1)  # "2xy" = 2·x·y
    given = program_parts(answer, known)[0] if isinstance(answer, str) else sympy.sympify(answer)
    derivation = derive(expr, x, definitions, simplify=False)
    expected = derivation.result
    method = _same(given, expected)
    order = term_order(expr, expected, given)  # long sums print unsorted (sorting costs their square)

    def s(e: sympy.Expr) -> str:
        return sympy.sstr(e, order=order)
    d = f"d/d{x}[{s(expr)}]"
    if method is not None:
        return CheckResult(True, f"correct: {s(given)} equals {d} = {s(expected)} ({method} check)", expr, x,
                           given, expected, method, derivation=derivation)
    slip = _find_slip(expr, x, definitions, given)
    if slip is not None:
        step, why = slip
        message = f"not correct: {why}. The derivative is {d} = {s(expected)}"
        return CheckResult(False, message, expr, x, given, expected, "numeric", step.key, step.expr,
                           derivation)
    report, rule, term = _term_report(derivation, given)
    message = f"not correct: {report}. The derivative is {d} = {s(expected)}"
    return CheckResult(False, message, expr, x, given, expected, "numeric", rule, term, derivation)
