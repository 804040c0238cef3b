"""How readable an expression is to a calculus student: sympy's ``count_ops`` plus penalties.

``count_ops`` alone prefers ``(-1 + 2/cos(x)**2)/cos(x)`` (6 operations) to ``(2 tan²x + 1) sec x``
(6 too) or ``sec x (tan²x + sec²x)`` (7), and ``(-x sin x - cos(x)/2)/x^(3/2)`` (9) to
``-(2x sin x + cos x)/(2x^(3/2))`` (10). A textbook avoids both: a fraction inside a fraction, a trig
function that the input wrote as sec/csc/cot turned into a negative power of cos/sin/tan, and a
polynomial factor left half multiplied out (``8x² + 10x(2x−3) + 8``). Each costs extra below; the
weights are the number of operations a student would accept to avoid it (judged on the textbook cases
in tests/test_textbook_simplify.py).
"""
from __future__ import annotations

import sympy

#: A fraction inside a fraction's numerator or denominator: read as two divisions and a grouping.
NESTED_FRACTION = 3
#: sin, cos, tan, sinh, ... to a negative power (1/cos(x)**2): textbooks write sec²x, or a denominator.
NEGATIVE_TRIG_POWER = 2
#: A polynomial factor of a product that is neither factored nor multiplied out (8x² + 10x(2x−3) + 8),
#: or that still holds a common number (28x² − 30x + 8 where 2(14x² − 15x + 4) is meant).
HALF_EXPANDED = 2

_TRIG = (sympy.sin, sympy.cos, sympy.tan, sympy.sinh, sympy.cosh, sympy.tanh)


def readability(expr: sympy.Expr) -> tuple[int, int]:
    """The cost of reading ``expr``, smaller is better: (operations + penalties, length of its text)."""
    return sympy.count_ops(expr) + penalty(expr), len(sympy.sstr(expr))


def penalty(expr: sympy.Expr) -> int:
    """The extra cost of ``expr`` beyond its operation count (see the module docstring)."""
    total = 0
    for node in sympy.preorder_traversal(expr):
        if node.is_Pow and node.exp.is_negative and isinstance(node.base, _TRIG):
            total += NEGATIVE_TRIG_POWER
        elif node.is_Mul:
            total += _nested_fractions(node) * NESTED_FRACTION + _half_expanded(node) * HALF_EXPANDED
    return total


def _has_denominator(expr: sympy.Expr) -> bool:
    if expr.is_Rational:
        return not expr.is_Integer
    return sympy.fraction(expr)[1] != 1


def _nested_fractions(product: sympy.Mul) -> int:
    """How many terms of this fraction's numerator or denominator are fractions themselves."""
    numer, denom = sympy.fraction(product)
    if denom == 1:
        return 0
    terms = [*sympy.Add.make_args(numer), *sympy.Add.make_args(denom)]
    return sum(1 for term in terms if _inner_fraction(term))


def _inner_fraction(term: sympy.Expr) -> bool:
    """Whether a term is a fraction (cos(x)/2, 2/cos(x)**2) or a product with a sum that holds one."""
    return _has_denominator(term) or any(
        arg.is_Add and any(_has_denominator(t) for t in arg.args) for arg in sympy.Mul.make_args(term))


def _half_expanded(product: sympy.Mul) -> int:
    """Polynomial factors of a product with a product of sums in a term (``10x(2x - 3)``) or a common
    number left in (``28x² - 30x + 8``)."""
    count = 0
    for factor in product.args:
        if factor.is_Add and factor.is_polynomial():
            inner = any(term.is_Mul and any(a.is_Add for a in term.args) for term in factor.args)
            count += inner + (abs(factor.as_content_primitive()[0]) != 1)
    return count
