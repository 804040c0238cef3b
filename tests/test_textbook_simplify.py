"""Issue 15, simplify like a textbook: 46 derivatives of the kind OpenStax Calculus vol. 1 ch. 3 sets
(product, quotient and chain rules, trig, exp/log, roots).

For each: the final form equals sympy.diff (the oracle); every printed line has no more operations
(``count_ops``) than the line before and is strictly more readable; the final form has no more
operations than sympy.simplify of sympy.diff, except three cases named below, where simplify's shorter
form holds a fraction inside a fraction or a negative power of sin, and the textbook's form costs one
operation more; and where a textbook form is given (written from the math, not from symgd's output,
and checked equal to the oracle here), the final form is exactly it.
"""
from __future__ import annotations

import pytest
import sympy
from sympy import Rational, asin, atan, cos, cosh, cot, csc, exp, log, sec, sin, sinh, sqrt, tan

from symgd.explain.readability import penalty, readability
from symgd.explain.steps import check_step, steps

x = sympy.Symbol("x")

#: (f, the textbook's form of f' or None where textbooks differ in how they write it)
CASES = [
    ((x**2 + 1)**5 * (2*x - 3)**4, 2*(x**2 + 1)**4*(2*x - 3)**3*(14*x**2 - 15*x + 4)),
    (tan(x)*sec(x), sec(x)*(2*tan(x)**2 + 1)),  # sec x tan²x + sec³x with sec² = 1 + tan²
    (cos(x)/sqrt(x), (2*x*sin(x) + cos(x))/x**Rational(3, 2)*Rational(-1, 2)),  # sympy would distribute -(…)
    (x**2*exp(x), x*(x + 2)*exp(x)),
    (x*exp(-x), (1 - x)*exp(-x)),
    (sin(x)/(1 + cos(x)), 1/(1 + cos(x))),
    (x/(x**2 + 1), (1 - x**2)/(x**2 + 1)**2),
    (sqrt(x**2 + 1), x/sqrt(x**2 + 1)),
    ((3*x**2 + 1)**3, 18*x*(3*x**2 + 1)**2),
    (x**3*(x**2 + 1)**2, x**2*(x**2 + 1)*(7*x**2 + 3)),
    ((2*x + 1)/(x - 3), -7/(x - 3)**2),
    ((x**2 - 1)/(x**2 + 1), 4*x/(x**2 + 1)**2),
    (sin(x)**3, 3*sin(x)**2*cos(x)),
    (cos(x**2), -2*x*sin(x**2)),
    (exp(x**2), 2*x*exp(x**2)),
    (log(x**2 + 1), 2*x/(x**2 + 1)),
    (x*log(x), log(x) + 1),
    (log(x)/x, (1 - log(x))/x**2),
    (exp(x)*sin(x), exp(x)*(sin(x) + cos(x))),
    (exp(x)*cos(x), exp(x)*(cos(x) - sin(x))),
    (1/(x**2 + 1)**2, -4*x/(x**2 + 1)**3),
    (x*sqrt(2*x + 1), (3*x + 1)/sqrt(2*x + 1)),
    (x/sqrt(x**2 + 1), 1/(x**2 + 1)**Rational(3, 2)),
    (tan(x)**2, 2*tan(x)*sec(x)**2),
    (sec(x)**2, 2*sec(x)**2*tan(x)),
    (x**2*tan(x), None),  # 2x tan x + x² sec²x, or x(x sec²x + 2 tan x)
    (csc(x)*cot(x), -csc(x)*(2*cot(x)**2 + 1)),  # -csc x cot²x - csc³x with csc² = 1 + cot²
    (sin(2*x)*cos(3*x), None),
    (exp(-x**2/2), -x*exp(-x**2/2)),
    (1/(1 + exp(-x)), None),  # e^-x/(1 + e^-x)², or e^x/(e^x + 1)²
    (atan(x**2), 2*x/(1 + x**4)),
    (asin(2*x), 2/sqrt(1 - 4*x**2)),
    (log(cos(x)), -tan(x)),
    (log(sec(x) + tan(x)), sec(x)),
    (sqrt(x)*exp(x), exp(x)*(2*x + 1)/(2*sqrt(x))),
    (x**3*exp(2*x), x**2*(2*x + 3)*exp(2*x)),
    ((x + 1)**2*(x - 1)**3, (x + 1)*(x - 1)**2*(5*x + 1)),
    (sinh(x)**2, None),  # 2 sinh x cosh x = sinh 2x
    (cosh(x)*sinh(x), None),  # cosh²x + sinh²x = cosh 2x
    (2**x*x, 2**x*(x*log(2) + 1)),
    (log(x)**2, 2*log(x)/x),
    (x**Rational(2, 3)*(x - 5), (x - 2)/x**Rational(1, 3)*Rational(5, 3)),  # 5(x − 2)/(3∛x)
    ((x**2 + 3)**4/(2*x - 1)**3, 2*(x**2 + 3)**3*(5*x**2 - 4*x - 9)/(2*x - 1)**4),  # not (x+1)(5x−9)
    (sin(x)*cos(x), None),  # cos²x − sin²x = cos 2x
    (x*sin(x) + cos(x), x*cos(x)),
    (sin(sqrt(x)), cos(sqrt(x))/(2*sqrt(x))),
]

#: simplify's form is one operation shorter but nested or in 1/sin²: (-x sin x - cos(x)/2)/x^(3/2),
#: (1 - 2/sin²x) csc x, (x + 1/2) e^x/√x.
TEXTBOOK_OVER_SHORTEST = {cos(x)/sqrt(x), csc(x)*cot(x), sqrt(x)*exp(x)}


def _lines(d) -> list[sympy.Expr]:
    return [step.result for step in d.steps]


def test_forty_cases_or_more():
    assert len(CASES) >= 40 and len({f for f, _ in CASES}) == len(CASES)
    assert sum(form is not None for _, form in CASES) >= 35


@pytest.mark.parametrize("f, form", CASES, ids=[str(f) for f, _ in CASES])
def test_final_form_is_right_and_no_longer(f, form):
    d = steps(f, "x")
    oracle = sympy.diff(f, x)
    assert sympy.simplify(d.result - oracle) == 0
    for point in (0.37, 0.81, 1.9):
        assert complex(d.result.subs(x, point).evalf()) == pytest.approx(complex(oracle.subs(x, point).evalf()),
                                                                         rel=1e-12)
    shortest = sympy.simplify(oracle)
    ops = sympy.count_ops(d.result)
    if f in TEXTBOOK_OVER_SHORTEST:
        assert penalty(shortest) > 0 and penalty(d.result) == 0 and ops <= sympy.count_ops(shortest) + 1
        assert readability(d.result) < readability(shortest)
    else:
        assert ops <= sympy.count_ops(shortest), (d.result, shortest)
    if form is not None:
        assert sympy.simplify(form - oracle) == 0  # the textbook form itself is right
        assert d.result == form, (d.result, form)


@pytest.mark.parametrize("f", [f for f, _ in CASES], ids=[str(f) for f, _ in CASES])
def test_no_line_uglier_than_the_one_before(f):
    d = steps(f, "x")
    lines = _lines(d)
    for before, after in zip(lines, lines[1:]):
        assert sympy.count_ops(after) <= sympy.count_ops(before)
        assert readability(after)[0] < readability(before)[0]
    for step in d.steps[1:]:
        assert step.kind == "rewrite"
        check_step(step)  # each rewrite is checked to be an equality
        assert sympy.simplify(step.result - step.expr) == 0


def test_the_issues_three_cases():
    """(x²+1)⁵(2x−3)⁴ ended at (2x−3)³(x²+1)⁴(8x² + 10x(2x−3) + 8); tan x sec x at
    (−1 + 2/cos²x)/cos x; cos(x)/√x at (−x sin x − cos(x)/2)/x^(3/2)."""
    worse = {(x**2 + 1)**5 * (2*x - 3)**4: (2*x - 3)**3*(x**2 + 1)**4*(8*x**2 + 10*x*(2*x - 3) + 8),
             tan(x)*sec(x): (-1 + 2/cos(x)**2)/cos(x),
             cos(x)/sqrt(x): (-x*sin(x) - cos(x)/2)/x**Rational(3, 2)}
    for f, old in worse.items():
        assert sympy.simplify(old - sympy.diff(f, x)) == 0
        d = steps(f, "x")
        assert readability(d.result) < readability(old) and penalty(d.result) == 0 < penalty(old)


def test_large_expansion_still_factors_common_powers():
    """Multiplying out (x²+3)⁴/(2x−1)³'s derivative is over the simplification budget's term estimate;
    the rewrites that never multiply out still run, and then the rest."""
    f = (x**2 + 3)**4/(2*x - 1)**3
    d = steps(f, "x")
    assert d.note == "" and len(d.steps) > 1
    assert sympy.count_ops(d.result) < sympy.count_ops(d.assembled)
    assert sympy.count_ops(d.result) <= sympy.count_ops(sympy.simplify(sympy.diff(f, x)))
    assert sympy.fraction(sympy.factor(d.result))[1] == (2*x - 1)**4  # common power cancelled


def test_simplify_off_keeps_the_assembled_form():
    d = steps((x**2 + 1)**5 * (2*x - 3)**4, "x", simplify=False)
    assert len(d.steps) == 1 and d.result == d.assembled


@pytest.mark.parametrize("expr, extra", [
    ((-x*sin(x) - cos(x)/2)/x**Rational(3, 2), 3),      # a fraction in the numerator of a fraction
    ((-1 + 2/cos(x)**2)*sec(x), 2),                     # 1/cos²x
    ((-1 + 2/cos(x)**2)/cos(x), 3 + 2 + 2),             # nested, and two negative powers of cos
    (x*(8*x**2 + 10*x*(2*x - 3) + 8), 2 + 2),           # half multiplied out, and a common 2 left in
    (x*(28*x**2 - 30*x + 8), 2),                        # a common 2 left in
])
def test_readability_penalties(expr, extra):
    assert penalty(expr) == extra
    assert readability(expr)[0] == sympy.count_ops(expr) + extra


@pytest.mark.parametrize("expr", [
    -(2*x*sin(x) + cos(x))/(2*x**Rational(3, 2)), (2*tan(x)**2 + 1)*sec(x),
    2*(x**2 + 1)**4*(2*x - 3)**3*(14*x**2 - 15*x + 4), x/2 + 1, cos(x)/2, (x + 1)/(x - 1),
])
def test_textbook_forms_have_no_penalty(expr):
    assert penalty(expr) == 0
