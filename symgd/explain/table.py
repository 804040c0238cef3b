"""The rule table for functions of one argument: one row per sympy function class.

Each row gives the rule's name and d/du f(u) for a bare argument u; the chain rule (in
``rules_functions``) wraps every row for a composite argument. Adding a function is adding a row.
The derivatives are written in their textbook form; each is checked against ``sympy.diff`` whenever a
step uses it, and a test runs every row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy
from sympy import (Abs, cos, cosh, cot, coth, csc, csch, exp, log, pi, sec, sech, sign, sin, sinh, sqrt,
                   tan, tanh)


@dataclass(frozen=True)
class UnaryRule:
    """d/du f(u) = ``derivative(u)``, named ``rule``; ``latex`` is the rule as a formula."""

    rule: str
    derivative: Callable[[sympy.Expr], sympy.Expr]
    note: str = ""


def _row(rule: str, derivative: Callable[[sympy.Expr], sympy.Expr], note: str = "") -> UnaryRule:
    return UnaryRule(rule, derivative, note)


# Keyed by sympy class name, simple to complex. `note` states a domain where the formula needs one.
UNARY: dict[str, UnaryRule] = {
    "exp": _row("exponential rule", lambda u: exp(u)),
    "log": _row("natural logarithm rule", lambda u: 1 / u, "for u > 0"),
    "sin": _row("derivative of sine", lambda u: cos(u)),
    "cos": _row("derivative of cosine", lambda u: -sin(u)),
    "tan": _row("derivative of tangent", lambda u: sec(u) ** 2),
    "sec": _row("derivative of secant", lambda u: sec(u) * tan(u)),
    "csc": _row("derivative of cosecant", lambda u: -csc(u) * cot(u)),
    "cot": _row("derivative of cotangent", lambda u: -csc(u) ** 2),
    "asin": _row("derivative of arcsine", lambda u: 1 / sqrt(1 - u ** 2), "for |u| < 1"),
    "acos": _row("derivative of arccosine", lambda u: -1 / sqrt(1 - u ** 2), "for |u| < 1"),
    "atan": _row("derivative of arctangent", lambda u: 1 / (1 + u ** 2)),
    "acot": _row("derivative of arccotangent", lambda u: -1 / (1 + u ** 2)),
    "asec": _row("derivative of arcsecant", lambda u: 1 / (Abs(u) * sqrt(u ** 2 - 1)), "for |u| > 1"),
    "acsc": _row("derivative of arccosecant", lambda u: -1 / (Abs(u) * sqrt(u ** 2 - 1)), "for |u| > 1"),
    "sinh": _row("derivative of hyperbolic sine", lambda u: cosh(u)),
    "cosh": _row("derivative of hyperbolic cosine", lambda u: sinh(u)),
    "tanh": _row("derivative of hyperbolic tangent", lambda u: 1 - tanh(u) ** 2),
    "sech": _row("derivative of hyperbolic secant", lambda u: -sech(u) * tanh(u)),
    "csch": _row("derivative of hyperbolic cosecant", lambda u: -csch(u) * coth(u)),
    "coth": _row("derivative of hyperbolic cotangent", lambda u: -csch(u) ** 2),
    "asinh": _row("derivative of inverse hyperbolic sine", lambda u: 1 / sqrt(u ** 2 + 1)),
    "acosh": _row("derivative of inverse hyperbolic cosine", lambda u: 1 / sqrt(u ** 2 - 1), "for u > 1"),
    "atanh": _row("derivative of inverse hyperbolic tangent", lambda u: 1 / (1 - u ** 2), "for |u| < 1"),
    "acoth": _row("derivative of inverse hyperbolic cotangent", lambda u: 1 / (1 - u ** 2), "for |u| > 1"),
    "asech": _row("derivative of inverse hyperbolic secant",
                  lambda u: -1 / (u * sqrt(1 - u ** 2)), "for 0 < u < 1"),
    "acsch": _row("derivative of inverse hyperbolic cosecant",
                  lambda u: -1 / (Abs(u) * sqrt(1 + u ** 2)), "for u ≠ 0"),
    "erf": _row("derivative of the error function", lambda u: 2 / sqrt(pi) * exp(-u ** 2)),
    "Abs": _row("derivative of the absolute value", lambda u: sign(u), "for u ≠ 0"),
    "sign": _row("derivative of the sign function", lambda u: sympy.S.Zero,
                 "for u ≠ 0 (sign is constant on each side of 0)"),
}


def unary_rule(expr: sympy.Expr) -> tuple[str, UnaryRule] | None:
    """The row for ``expr``'s function class, looked up along its MRO like sympy's printers."""
    for cls in type(expr).__mro__:
        row = UNARY.get(cls.__name__)
        if row is not None:
            return cls.__name__, row
    return None


# The structural rules' formulas, as text and as LaTeX, keyed like Step.key.
FORMULAS: dict[str, tuple[str, str]] = {
    "constant": ("d/dx c = 0", r"\frac{d}{dx} c = 0"),
    "variable": ("d/dx x = 1", r"\frac{d}{dx} x = 1"),
    "constant multiple": ("d/dx [c·g] = c·g′", r"\frac{d}{dx}\left[c\,g\right] = c\,g'"),
    "sum": ("d/dx [f + g] = f′ + g′", r"\frac{d}{dx}\left[f + g\right] = f' + g'"),
    "power": ("d/dx xⁿ = n·xⁿ⁻¹", r"\frac{d}{dx} x^{n} = n\,x^{n-1}"),
    "exponential base a": ("d/dx aˣ = aˣ·ln a", r"\frac{d}{dx} a^{x} = a^{x}\ln a"),
    "logarithm base b": ("d/dx log_b x = 1/(x·ln b)", r"\frac{d}{dx}\log_b x = \frac{1}{x\ln b}"),
    "product": ("d/dx [f·g] = f′·g + f·g′", r"\frac{d}{dx}\left[f\,g\right] = f'\,g + f\,g'"),
    "quotient": ("d/dx [f/g] = (f′·g − f·g′)/g²",
                 r"\frac{d}{dx}\frac{f}{g} = \frac{f'\,g - f\,g'}{g^{2}}"),
    "chain": ("d/dx f(u) = f′(u)·du/dx", r"\frac{d}{dx} f(u) = f'(u)\,\frac{du}{dx}"),
    "general power": ("d/dx f^g = f^g·(g′·ln f + g·f′/f)",
                      r"\frac{d}{dx} f^{g} = f^{g}\left(g'\ln f + \frac{g\,f'}{f}\right)"),
    "atan2": ("d/dx atan2(y, x) = (x·y′ − y·x′)/(x² + y²)",
              r"\frac{d}{dx}\operatorname{atan2}(y, x) = \frac{x\,y' - y\,x'}{x^{2} + y^{2}}"),
    "Max": ("d/dx max(f, g) = f′ where f is largest, g′ where g is (away from ties)",
            r"\frac{d}{dx}\max(f, g) = f'\,[f > g] + g'\,[g > f]"),
    "Min": ("d/dx min(f, g) = f′ where f is smallest, g′ where g is (away from ties)",
            r"\frac{d}{dx}\min(f, g) = f'\,[f < g] + g'\,[g < f]"),
    "definition": ("a name you defined: differentiate its definition", r"\text{your definition}"),
    "Function": ("derivative of a function (sympy's rule)", r"\frac{d}{du} f(u) = f'(u)"),
}
