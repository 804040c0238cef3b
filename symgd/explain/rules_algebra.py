"""Rules for the algebraic kinds of expression: variable, sum, constant multiple, product, quotient,
powers (power rule, exponential with a constant base, general power f^g) and logarithms to a base.

A mixin of ``steps.Deriver``: one ``_step_<SympyClass>`` method per kind, dispatched along the MRO.
"""
from __future__ import annotations

import sympy
from sympy import Add, Mul, Pow, log

from symgd.explain.model import Step


def _is_denominator(factor: sympy.Expr) -> bool:
    """``b**-n`` with a negative number as exponent: how sympy stores the b in a/b."""
    return factor.is_Pow and factor.exp.is_number and bool(factor.exp.is_negative)


def _log_base(factor: sympy.Expr) -> sympy.Expr | None:
    """b when ``factor`` is 1/log(b) for a number b: how sympy stores log(x, b) = log(x)/log(b)."""
    if factor.is_Pow and factor.exp == -1 and isinstance(factor.base, log):
        b = factor.base.args[0]
        return b if b.is_number else None
    return None


class AlgebraRules:
    """Variable, sum, product, quotient, constant multiple, powers, logarithm base b."""

    def _step_Symbol(self, expr: sympy.Symbol, wrt: sympy.Symbol) -> Step:
        return self._make("variable rule", expr, wrt, sympy.S.One, key="variable")

    def _step_Add(self, expr: Add, wrt: sympy.Symbol) -> Step:
        subs = tuple(self.derive(term, wrt) for term in expr.args)
        result = Add(*(s.result for s in subs))
        minus = any(term.could_extract_minus_sign() for term in expr.args)
        terms = tuple((f"d/d{wrt}[{sympy.sstr(s.expr)}]", s.result) for s in subs)
        return self._make("sum and difference rule" if minus else "sum rule", expr, wrt, result, subs,
                          key="sum", terms=terms)

    def _step_Mul(self, expr: Mul, wrt: sympy.Symbol) -> Step:
        const = [a for a in expr.args if not a.has(wrt)]
        dep = [a for a in expr.args if a.has(wrt)]
        bases = [f for f in const if _log_base(f) is not None]
        if bases and len(dep) == 1 and isinstance(dep[0], log):
            rest = [f for f in const if f is not bases[0]]
            if not rest:
                return self._logarithm_base(expr, wrt, dep[0].args[0], _log_base(bases[0]))
            return self._constant_multiple(expr, wrt, Mul(*rest), Mul(bases[0], dep[0]))
        if const:
            return self._constant_multiple(expr, wrt, Mul(*const), Mul(*dep))
        den = [Pow(f.base, -f.exp) for f in dep if _is_denominator(f)]
        num = [f for f in dep if not _is_denominator(f)]
        if den and num:
            return self._quotient(expr, wrt, Mul(*num), Mul(*den))
        return self._product(expr, wrt, dep[0], Mul(*dep[1:]))

    def _constant_multiple(self, expr, wrt, c, g) -> Step:
        sub = self.derive(g, wrt)
        rule = "constant multiple rule (a minus sign)" if c == -1 else "constant multiple rule"
        return self._make(rule, expr, wrt, c * sub.result, (sub,), key="constant multiple",
                          terms=(("c", c), ("g′", sub.result)))

    def _product(self, expr, wrt, f, g) -> Step:
        df, dg = self.derive(f, wrt), self.derive(g, wrt)
        terms = (("f′·g", df.result * g), ("f·g′", f * dg.result))
        return self._make("product rule", expr, wrt, terms[0][1] + terms[1][1], (df, dg),
                          key="product", terms=terms)

    def _quotient(self, expr, wrt, f, g) -> Step:
        df, dg = self.derive(f, wrt), self.derive(g, wrt)
        result = (df.result * g - f * dg.result) / g ** 2
        terms = (("f′·g/g²", df.result * g / g ** 2), ("−f·g′/g²", -f * dg.result / g ** 2))
        return self._make("quotient rule", expr, wrt, result, (df, dg), key="quotient", terms=terms)

    def _logarithm_base(self, expr, wrt, u, b) -> Step:
        if u != wrt:
            return self._compose(expr, wrt, u, lambda v: log(v) / log(b))
        return self._make(f"logarithm to base {b}", expr, wrt, 1 / (wrt * log(b)),
                          key="logarithm base b")

    def _step_Pow(self, expr: Pow, wrt: sympy.Symbol) -> Step:
        base, exponent = expr.args
        if not exponent.has(wrt):
            if base != wrt:
                return self._compose(expr, wrt, base, lambda v: v ** exponent)
            return self._make("power rule", expr, wrt, exponent * wrt ** (exponent - 1), key="power",
                              terms=(("n", exponent), ("xⁿ⁻¹", wrt ** (exponent - 1))))
        if not base.has(wrt):
            if exponent != wrt:
                return self._compose(expr, wrt, exponent, lambda v: base ** v)
            return self._make(f"exponential rule (base {sympy.sstr(base)})", expr, wrt,
                              base ** wrt * log(base), key="exponential base a",
                              terms=(("aˣ", base ** wrt), ("ln a", log(base))))
        return self._general_power(expr, wrt, base, exponent)

    def _general_power(self, expr, wrt, f, g) -> Step:
        df, dg = self.derive(f, wrt), self.derive(g, wrt)
        terms = (("f^g·g′·ln f", expr * dg.result * log(f)), ("f^g·g·f′/f", expr * g * df.result / f))
        return self._make("general power rule (f^g = e^(g·ln f))", expr, wrt, terms[0][1] + terms[1][1],
                          (df, dg), key="general power", terms=terms)
