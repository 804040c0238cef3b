"""Taylor polynomials of one or several variables at a point, to a chosen order, with the remainder's order.

T_n(x) = Σ_{|α| ≤ n} D^α f(a) / α! · (x − a)^α. Each needed partial derivative is taken from the one of
one lower order, evaluated exactly at a, and divided by α!. Each D^α f(a) is then checked by a computation
that shares none of that: mpmath's numerical derivative of f at a (40 digits); where mpmath cannot evaluate
f, the polynomial is compared with ``sympy.series`` (in several variables, the series in t of
g(t) = f(a + t·(x − a)) at t = 1, the same polynomial by the chain rule). The tests compare with both.

>>> taylor("exp(x)", "x=0", 3).polynomial
x**3/6 + x**2/2 + x + 1
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations_with_replacement

import sympy

from symgd.calculus.variables import ordered_variables
from symgd.errors import BudgetError, VariableError
from symgd.explain.atpoint import Line, Rendered, exact_point, tidy, value_at, vector
from symgd.explain.budget import tree_size
from symgd.explain.steps import StepError
from symgd.explain.verify import equal, realify
from symgd.parse import program_parts

#: The highest order, and the most terms (multi-indices) a Taylor polynomial may have.
MAX_ORDER = 20
MAX_TERMS = 300
#: Nodes one derivative, and all of them together, may have: unsimplified derivatives grow fast (the 19th
#: of tan(x) has 376,413 nodes and took 4 minutes; the 10th, 2,015 nodes, 2 s).
MAX_DERIVATIVE_NODES = 2_500
MAX_TOTAL_NODES = 25_000


@dataclass(frozen=True)
class TaylorTerm:
    """One multi-index α: the derivative D^α f, its value at a, the coefficient D^α f(a)/α!, the term."""

    powers: tuple[int, ...]
    derivative: sympy.Expr
    value: sympy.Expr
    coefficient: sympy.Expr
    term: sympy.Expr


@dataclass(frozen=True)
class TaylorPolynomial(Rendered):
    """T_n of ``f`` at ``point``; the remainder is O(|x − a|^(order + 1)). ``check`` names the oracle."""

    KIND = "taylor"

    f: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    point: tuple[sympy.Expr, ...]
    order: int
    terms: tuple[TaylorTerm, ...]
    polynomial: sympy.Expr
    check: str
    lines: tuple[Line, ...]

    @property
    def result(self) -> sympy.Expr:
        return self.polynomial

    @property
    def expanded(self) -> sympy.Expr:
        return sympy.expand(self.polynomial)

    @property
    def remainder_order(self) -> int:
        return self.order + 1


def _indices(k: int, order: int):
    """Multi-indices α of k variables with |α| ≤ order, by total degree, then in variable order."""
    for degree in range(order + 1):
        for combo in combinations_with_replacement(range(k), degree):
            yield tuple(combo.count(i) for i in range(k))


def _series(expr, variables, point, order) -> sympy.Expr:
    """The polynomial from sympy.series (1 variable) or the series of f(a + t(x − a)) in t at t = 1."""
    if len(variables) == 1:
        (x,), (a,) = variables, point
        return sympy.series(expr, x, a, order + 1).removeO()
    t = sympy.Dummy("t")
    line = expr.xreplace({v: a + t * (v - a) for v, a in zip(variables, point)})
    return sympy.series(line, t, 0, order + 1).removeO().xreplace({t: sympy.S.One})


def _numeric_check(expr, variables, point, terms) -> bool | None:
    """Whether every term's D^α f(a) equals mpmath's numerical derivative (40 digits; mpmath.diff raises
    its own precision for high orders); None where mpmath cannot evaluate f. Its cost is bounded, unlike
    sympy.series (exp(sin(x)) to order 20 did not finish in 2 minutes)."""
    import mpmath
    tol = 1e-12 if expr.has(sympy.Float) else 1e-20
    try:
        fn = sympy.lambdify(variables, expr, "mpmath")
        with mpmath.workdps(40):
            a = [mpmath.mpf(str(sympy.N(p, 45))) for p in point]
            for t in terms:
                numeric = mpmath.diff(fn, a, t.powers)
                exact = complex(sympy.N(t.value, 30))
                if abs(complex(numeric) - exact) > tol * max(1.0, abs(exact)):
                    return False
    except (TypeError, ValueError, ZeroDivisionError, NameError, OverflowError, AttributeError):
        return None
    return True


def _verify(expr, variables, point, order, terms, polynomial) -> str:
    """Check the polynomial by mpmath's numerical derivatives, or by sympy.series where mpmath cannot
    evaluate f; return the sentence naming the check."""
    verdict = _numeric_check(expr, variables, point, terms)
    how = "each D^a f(a) equals mpmath's numerical derivative (40 digits)"
    if verdict is None:
        how = "equals sympy.series" + (" of f(a + t(x - a)) in t, at t = 1" if len(variables) > 1 else "")
        verdict = equal(polynomial, _series(expr, variables, point, order))
    if not verdict:
        raise StepError("a bug in symgd: the Taylor polynomial failed its check (" + how + ")",
                        hint="please report it to the symgd maintainers with the expression")
    return how


def _count(k: int, order: int) -> int:
    return math.comb(order + k, k)


def taylor(f: str | sympy.Expr, at: str | Mapping[str, object] | None = None, order: int = 2) -> TaylorPolynomial:
    """The Taylor polynomial of ``f`` of degree ``order`` at ``at`` (default: 0 for every variable),
    each term's derivative shown, every coefficient checked against mpmath's numerical derivative."""
    expr, _ = program_parts(f)
    variables = ordered_variables(expr)
    if not variables:
        raise VariableError("the expression has no variables")
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise VariableError(f"the order must be a whole number from 1 to {MAX_ORDER}, got {order!r}")
    if _count(len(variables), order) > MAX_TERMS:
        raise BudgetError(f"a Taylor polynomial of order {order} in {len(variables)} variables has "
                          f"{_count(len(variables), order):,} terms; symgd gives at most {MAX_TERMS}",
                          hint="lower --order")
    at = at if at is not None else {v.name: 0 for v in variables}
    point = exact_point(at, variables)
    (real,), mapping = realify((expr,))  # symgd's variables are real: d|x|/dx = sign(x), not re/im parts
    derivatives = {(0,) * len(variables): real}
    real_vars = tuple(mapping.get(v, v) for v in variables)
    terms, total = [], 0
    for powers in _indices(len(variables), order):
        derivative = derivatives.get(powers)
        if derivative is None:  # one more derivative of a lower one: by the first variable it raises
            i = next(i for i, p in enumerate(powers) if p)
            lower = powers[:i] + (powers[i] - 1,) + powers[i + 1:]
            derivative = derivatives[powers] = sympy.diff(derivatives[lower], real_vars[i])
            total += _size(derivative, powers, variables, total)
        value = value_at(derivative, real_vars, point, _name(powers, variables))
        coefficient = tidy(value / math.prod(math.factorial(p) for p in powers))
        monomial = sympy.Mul(*((v - a) ** p for v, a, p in zip(variables, point, powers)))
        back = {v: k for k, v in mapping.items()}
        terms.append(TaylorTerm(powers, derivative.xreplace(back), value, coefficient, coefficient * monomial))
    # unevaluated: SymPy would merge the term (x - 1) with the constant, losing the powers of (x - a)
    polynomial = sympy.Add(*(t.term for t in terms if t.term != 0), evaluate=False) if any(point) else \
        sympy.Add(*(t.term for t in terms))
    how = _verify(expr, variables, point, order, terms, polynomial)
    lines = _lines(variables, point, order, tuple(terms), polynomial, how)
    return TaylorPolynomial(expr, variables, point, order, tuple(terms), polynomial, how, lines)


def _size(derivative: sympy.Expr, powers: tuple[int, ...], variables, total: int) -> int:
    """The nodes of ``derivative``, or a BudgetError once it or the running ``total`` is too large."""
    size = tree_size(derivative, MAX_DERIVATIVE_NODES)
    if size > MAX_DERIVATIVE_NODES or total + size > MAX_TOTAL_NODES:
        raise BudgetError(f"the derivatives grow too large by {_name(powers, variables)} (order {sum(powers)}): "
                          f"over {MAX_DERIVATIVE_NODES:,} nodes each or {MAX_TOTAL_NODES:,} in all",
                          hint="lower --order")
    return size


def _name(powers: tuple[int, ...], variables) -> str:
    """"∂³f/∂x²∂y" for powers (2, 1); "f" for the zero index."""
    degree = sum(powers)
    if degree == 0:
        return "f"
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    parts = "".join(f"∂{v.name}" + (str(p).translate(sup) if p > 1 else "")
                    for v, p in zip(variables, powers) if p)
    head = "∂" + (str(degree).translate(sup) if degree > 1 else "")
    return f"{head}f/{parts}"


def _tex_name(powers: tuple[int, ...], variables) -> str:
    degree = sum(powers)
    if degree == 0:
        return "f"
    parts = " ".join(f"\\partial {sympy.latex(v)}" + (f"^{{{p}}}" if p > 1 else "")
                     for v, p in zip(variables, powers) if p)
    return f"\\frac{{\\partial{'^{%d}' % degree if degree > 1 else ''} f}}{{{parts}}}"


def _lines(variables, point, order, terms, polynomial, how) -> tuple[Line, ...]:
    lines = [Line("the point", vector(point), symbol="a")]
    for t in terms:
        name, tex = _name(t.powers, variables), _tex_name(t.powers, variables)
        factorial = math.prod(math.factorial(p) for p in t.powers)
        if sum(t.powers):
            lines.append(Line(f"order {sum(t.powers)}", t.derivative, "from the one of order "
                              f"{sum(t.powers) - 1} by sympy.diff", symbol=name, tex=tex))
        lines.append(Line("its value at a", t.value, symbol=f"{name}(a)", tex=f"{tex}(a)"))
        lines.append(Line(f"the term: the value / {factorial} times the power of (x - a)" if factorial > 1
                          else "the term: the value times the power of (x - a)", t.term))
    lines.append(Line(f"the Taylor polynomial of order {order}", polynomial, how,
                      symbol=f"T{order}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")),
                      tex=f"T_{{{order}}}"))
    return tuple(lines)
