"""Expressions at a point, as float64 numbers: each term checked, or a DomainError naming the term.

Evaluating a whole expression at once with SymPy (``sympy.N``) can take minutes or all memory before
it answers (``x^x^x^x^x`` at x = 3 is 3^(3^7625597484987): mpmath computes exponents exactly), and
it answers ``zoo`` or a complex number where a float64 program would raise or give nan. Here every
subexpression is evaluated from its arguments' values, bottom up, and checked at once: a term that
divides by zero, takes the log or a fractional power of a negative number, or leaves float64's range
stops the evaluation with that term named. Each term's arguments are then finite float64 numbers,
so no single step can run away (mpmath keeps any exponent of such a result exactly and cheaply).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import mpmath
import sympy

from symgd.errors import DomainError, VariableError
from symgd.parse.walk import fold

#: Digits SymPy evaluates each term to: a float64 answer (15-17 digits) with room for cancellation.
DIGITS = 30
FLOAT_MAX = 1.7976931348623157e308
_UNDEFINED = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
_INVERSE_TRIG = (sympy.asin, sympy.acos, sympy.atanh, sympy.acoth, sympy.asec, sympy.acsc, sympy.acosh)


def shown(expr: sympy.Basic, limit: int = 60) -> str:
    """``expr`` as text, cut to ``limit`` characters (messages stay one short line)."""
    text = sympy.sstr(expr, full_prec=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def point_text(point: Mapping[sympy.Symbol, float]) -> str:
    """``(x=0, y=1.5)``; at most five coordinates, then "…"."""
    items = [f"{s.name}={float(v):.6g}" for s, v in sorted(point.items(), key=lambda kv: kv[0].name)[:5]]
    return "(" + ", ".join(items) + (", …" if len(point) > 5 else "") + ")"


def problem(value: sympy.Expr) -> str | None:
    """What is wrong with ``value`` (a computed number) as a float64, as a phrase after the term
    ("is undefined: log of zero", "overflows float64: about 10^19,728"), or None when nothing is."""
    if not isinstance(value, sympy.Expr):
        return None
    if value.is_Float:  # the common case, checked without SymPy's assumptions
        return _float_problem(mpmath.mpf(value._mpf_))
    if not value.is_number:
        return "is not a number"
    if value.has(*_UNDEFINED):
        return "is undefined: infinite or not a number"
    if value.has(sympy.I) or value.is_extended_real is False:
        return f"is not a real number ({shown(value)})"
    number = sympy.Float(value, DIGITS) if value.is_Rational else value.evalf(DIGITS)
    if not number.is_Float:
        return f"is not a real number ({shown(number)})"
    return _float_problem(mpmath.mpf(number._mpf_))


def _float_problem(number: mpmath.mpf) -> str | None:
    """``problem`` for an mpmath number: infinite, nan, or beyond float64's largest value."""
    if not mpmath.isfinite(number):
        return "is undefined: infinite or not a number"
    magnitude = abs(number)
    if magnitude > FLOAT_MAX:
        digits = mpmath.floor(mpmath.log10(magnitude))
        size = f"{int(digits):,}" if digits < 1e15 else f"({mpmath.nstr(digits, 3)})"
        return f"overflows float64: about 10^{size}"
    return None


def why(term: sympy.Expr, args: Sequence[sympy.Basic], found: str) -> str:
    """``found``, or the reason ``term`` is undefined in words given its arguments' values."""
    if isinstance(term, sympy.log) and args[0].is_number:
        return "is undefined: log of zero" if args[0].is_zero else \
            f"is undefined: log of a negative number ({float(args[0]):.6g})"
    if term.is_Pow and args[0].is_number and args[1].is_number:
        base, exponent = args
        if base.is_zero and exponent.is_negative:
            return "is undefined: division by zero"
        if base.is_negative and not exponent.is_integer:
            root = "square root" if exponent == sympy.Rational(1, 2) else "fractional power"
            return f"is undefined: {root} of a negative number ({float(base):.6g})"
    if isinstance(term, _INVERSE_TRIG) and args[0].is_number:
        return f"is undefined: {type(term).__name__} of {float(args[0]):.6g} is outside its domain"
    return found


def _leaf(node: sympy.Basic, point: Mapping[sympy.Symbol, float]) -> sympy.Basic:
    if node in point:
        return sympy.Float(point[node], DIGITS)
    if isinstance(node, sympy.NumberSymbol):
        return node.evalf(DIGITS)
    return node  # exact numbers stay exact (x**2 keeps an integer exponent); other symbols stay


def _term_value(node: sympy.Basic, args: tuple) -> sympy.Basic:
    value = node.func(*args)
    if isinstance(value, sympy.Expr) and value.is_number and not value.is_Rational and not value.is_Float:
        value = value.evalf(DIGITS)
    return value


def values_at(exprs: Sequence[sympy.Expr], point: Mapping[sympy.Symbol, float],
              labels: Sequence[str] | None = None) -> list[float]:
    """``exprs`` at ``point`` as floats, evaluated term by term (shared terms once).

    Raises DomainError naming the first term that is undefined, complex or beyond float64's range
    there, e.g. "∂f/∂x = 1/(2*sqrt(x)) is undefined at (x=0) (1/sqrt(x): division by zero)".
    """
    bad = sorted(s.name for s, v in point.items() if not math.isfinite(float(v)))
    if bad:
        raise VariableError(f"the point gives {', '.join(bad)} no finite value: {point_text(point)}")
    memo: dict[sympy.Basic, sympy.Basic] = {}
    where = f"at {point_text(point)}"
    return [float(value_of(expr, point, where, labels[k] if labels else "", memo))
            for k, expr in enumerate(exprs)]


def value_of(expr: sympy.Basic, point: Mapping[sympy.Symbol, float], where: str, label: str = "",
             memo: dict | None = None) -> sympy.Basic:
    """The value of ``expr`` at ``point`` (``where`` says it in words: "at (x=0)", "there"), a post-order walk
    with each term checked as it is computed; ``memo`` carries values between calls."""
    expr = _taken(expr, point)

    def combine(node: sympy.Basic, args: tuple) -> sympy.Basic:
        value = _term_value(node, args) if node.args else _leaf(node, point)
        found = problem(value) if isinstance(node, sympy.Expr) else None
        if found is not None:
            raise _undefined(expr, node, args, found, where, label)
        return value
    return fold(expr, combine, memo)


def _taken(expr: sympy.Basic, point: Mapping[sympy.Symbol, float]) -> sympy.Basic:
    """``expr`` with each Piecewise replaced by the branch it takes at ``point``, so an untaken branch is
    never evaluated: where(x > 0, 1/x, 0) is 0 at x = 0, not "undefined"."""
    if not expr.has(sympy.Piecewise):
        return expr
    at = {s: _leaf(s, point) for s in expr.free_symbols if s in point}

    def pick(pw: sympy.Piecewise) -> sympy.Basic:
        for value, cond in pw.args:
            truth = cond.xreplace(at)
            if truth is sympy.true:
                return value
            if truth is not sympy.false:
                return pw  # undecided (a symbol without a value): evaluated whole, as before
        return sympy.nan
    return expr.replace(lambda e: isinstance(e, sympy.Piecewise), pick)


def _undefined(expr: sympy.Basic, node: sympy.Basic, args: tuple, found: str, where: str,
               label: str) -> DomainError:
    """"f = log(x) is undefined at (x=0): log of zero"; for a term inside ``expr``, "∂f/∂x =
    1/(2*sqrt(x)) is undefined at (x=0) (1/sqrt(x): division by zero)"."""
    verb, _, detail = why(node, args, found).partition(": ")
    head = f"{label} = " if label else ""
    if node == expr:
        return DomainError(f"{head}{shown(node)} {verb} {where}" + (f": {detail}" if detail else ""))
    if verb.startswith("overflows"):
        return DomainError(f"{head}{shown(expr)} {verb} {where} ({shown(node, 40)} is {detail})")
    inner = f"{shown(node, 40)}: {detail}" if verb == "is undefined" and detail else \
        f"{shown(node, 40)} {verb}" + (f": {detail}" if detail else "")
    return DomainError(f"{head}{shown(expr)} is undefined {where} ({inner})")
