"""Rules for functions: the table rows of ``table.UNARY`` with the chain rule around them, atan2,
max/min, any other function through sympy's own derivative, and the user's definitions.

A mixin of ``steps.Deriver``; ``_compose`` is the chain rule every composite argument goes through.
"""
from __future__ import annotations

from typing import Callable

import sympy
from sympy import Heaviside, Mul

from symgd.explain.model import Step
from symgd.explain.table import unary_rule
from symgd.explain.verify import real_diff


class FunctionRules:
    """f(u) for the table's functions, atan2, Max, Min, user definitions, and the chain rule."""

    def _compose(self, expr: sympy.Expr, wrt: sympy.Symbol, inner: sympy.Expr,
                 outer: Callable[[sympy.Symbol], sympy.Expr], rule: str = "chain rule") -> Step:
        """The chain rule: let u = inner; d/du outer(u); du/dx; substitute back and multiply."""
        u = self._name_for(inner)
        outer_step = self.derive(outer(u), u)
        inner_step = self.derive(inner, wrt)
        outer_value = outer_step.result.xreplace({u: inner})
        return self._make(rule, expr, wrt, outer_value * inner_step.result, (outer_step, inner_step),
                          key="chain", let=((u, inner),),
                          terms=(("f′(u)", outer_value), (f"d{u}/d{wrt}", inner_step.result)))

    def _step_Function(self, expr: sympy.Expr, wrt: sympy.Symbol) -> Step:
        found = unary_rule(expr) if len(expr.args) == 1 else None
        if found is None:
            return self._any_function(expr, wrt)
        key, row = found
        (arg,) = expr.args
        if arg != wrt:
            return self._compose(expr, wrt, arg, expr.func)
        return self._make(row.rule, expr, wrt, row.derivative(wrt), key=key, note=row.note)

    def _any_function(self, expr: sympy.Expr, wrt: sympy.Symbol) -> Step:
        """A function with no row: sympy's derivative of it (still verified, and chained if needed)."""
        name = type(expr).__name__
        if len(expr.args) == 1 and expr.args[0] != wrt:
            return self._compose(expr, wrt, expr.args[0], expr.func)
        return self._make(f"derivative of {name}", expr, wrt, real_diff(expr, wrt), key="Function")

    def _step_atan2(self, expr: sympy.Expr, wrt: sympy.Symbol) -> Step:
        y, x = expr.args
        dy, dx = self.derive(y, wrt), self.derive(x, wrt)
        result = (x * dy.result - y * dx.result) / (x ** 2 + y ** 2)
        return self._make("two-argument arctangent rule", expr, wrt, result, (dy, dx), key="atan2",
                          terms=(("x·y′/(x²+y²)", x * dy.result / (x ** 2 + y ** 2)),
                                 ("−y·x′/(x²+y²)", -y * dx.result / (x ** 2 + y ** 2))))

    def _extremum(self, expr: sympy.Expr, wrt: sympy.Symbol, sign: int, key: str, rule: str) -> Step:
        subs = tuple(self.derive(a, wrt) for a in expr.args)
        terms = []
        for i, sub in enumerate(subs):
            chosen = Mul(*(Heaviside(sign * (sub.expr - other.expr)) for j, other in enumerate(subs) if j != i))
            terms.append((f"[{sympy.sstr(sub.expr)} is chosen]·d/d{wrt}", chosen * sub.result))
        return self._make(rule, expr, wrt, sympy.Add(*(t for _, t in terms)), subs, key=key,
                          terms=tuple(terms), note="away from ties, where it is not differentiable")

    def _step_Max(self, expr: sympy.Expr, wrt: sympy.Symbol) -> Step:
        return self._extremum(expr, wrt, 1, "Max", "maximum rule")

    def _step_Min(self, expr: sympy.Expr, wrt: sympy.Symbol) -> Step:
        return self._extremum(expr, wrt, -1, "Min", "minimum rule")

    def _definition(self, expr: sympy.Expr, wrt: sympy.Symbol, name: str) -> Step:
        """``name = expr`` from the user's input: differentiate its definition."""
        sub = self.derive(expr, wrt, named=False)
        return self._make(f"your definition {name}", expr, wrt, sub.result, (sub,), key="definition",
                          let=((sympy.Symbol(name), expr),))

    def _user_function(self, expr: sympy.Expr, wrt: sympy.Symbol, name: str, param: sympy.Symbol,
                       body: sympy.Expr, arg: sympy.Expr) -> Step:
        """``name(param) = body`` applied to ``arg``: its own derivation, then the chain rule."""
        if arg != wrt:
            return self._compose(expr, wrt, arg, lambda u: body.xreplace({param: u}),
                                 rule=f"chain rule through your function {name}")
        own = self.derive(body.xreplace({param: wrt}), wrt, named=False)
        call = sympy.Symbol(f"{name}({wrt})")
        return self._make(f"your function {name}", expr, wrt, own.result, (own,), key="definition",
                          let=((call, own.expr),))
