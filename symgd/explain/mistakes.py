"""Typical student slips, one table row per rule: how each changes a step's result and how to say so.

Answer checking rebuilds a derivation with one slip applied at one step and compares the outcome
with the student's answer; a match names the rule and the term that went wrong. Each row is
``Slip(wrong(step) -> Expr, message(step, wrt) -> str)``, keyed like ``Step.key``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy
from sympy import log

from symgd.explain.model import Step
from symgd.explain.table import UNARY
from symgd.parse.echo import term_order


@dataclass(frozen=True)
class Slip:
    wrong: Callable[[Step], sympy.Expr]
    message: Callable[[Step], str]


def s(expr: sympy.Expr) -> str:
    return sympy.sstr(expr, order=term_order(expr))  # a long sum prints unsorted: sorting costs its square


def _fg(step: Step) -> str:
    f, g = step.substeps
    return f"f = {s(f.expr)}, g = {s(g.expr)}"


def _term(step: Step, i: int) -> sympy.Expr:
    return step.terms[i][1]


def _outer_name(step: Step) -> str:
    outer = step.substeps[0].expr
    if isinstance(outer, sympy.Pow):
        return f"the power {s(outer)}"
    return type(outer).__name__ if isinstance(outer, sympy.Function) else s(outer)


def _chain_missing(step: Step) -> str:
    (u, inner), = step.let
    du, x = step.substeps[1].result, step.wrt
    head = f"d/d{x} ln(u) = u′/u, not 1/u: " if isinstance(step.substeps[0].expr, log) else ""
    return (f"{head}missing chain-rule factor {s(du)} from d/d{x} of {s(inner)} inside "
            f"{_outer_name(step)} (let {u} = {s(inner)}; d/d{x} f({u}) = f′({u})·d{u}/d{x})")


def _chain_unsubstituted(step: Step) -> sympy.Expr:
    (u, _), = step.let
    return step.substeps[0].result.xreplace({u: step.wrt}) * step.substeps[1].result


def _power_parts(step: Step):
    base, n = step.expr.args
    return base, n


def _sum_drop(i: int) -> Slip:
    return Slip(lambda st: sympy.Add(*(t for j, (_, t) in enumerate(st.terms) if j != i)),
                lambda st: (f"the sum rule's term d/d{st.wrt}[{s(st.substeps[i].expr)}] = "
                            f"{s(st.substeps[i].result)} is missing"))


def _sign_flip(key: str) -> Slip:
    name = UNARY[key].rule.removeprefix("derivative of ")
    return Slip(lambda st: -st.result,
                lambda st: f"sign error in the derivative of {name}: d/d{st.wrt} {s(st.expr)} = {s(st.result)}")


SLIPS: dict[str, tuple[Slip, ...]] = {
    "product": (
        Slip(lambda st: _term(st, 0), lambda st: f"the product rule's f·g′ term is missing ({_fg(st)}: "
             f"f·g′ = {s(_term(st, 1))}); d/d{st.wrt}[f·g] = f′·g + f·g′"),
        Slip(lambda st: _term(st, 1), lambda st: f"the product rule's f′·g term is missing ({_fg(st)}: "
             f"f′·g = {s(_term(st, 0))}); d/d{st.wrt}[f·g] = f′·g + f·g′"),
        Slip(lambda st: st.substeps[0].result * st.substeps[1].result,
             lambda st: f"the derivative of a product is not the product of the derivatives: the product "
             f"rule gives f′·g + f·g′ ({_fg(st)})"),
    ),
    "quotient": (
        Slip(lambda st: -st.result, lambda st: f"sign error in the quotient rule numerator: it is "
             f"f′·g − f·g′, not f·g′ − f′·g ({_fg(st)})"),
        Slip(lambda st: st.result * st.substeps[1].expr, lambda st: f"the quotient rule's denominator is "
             f"g² = ({s(st.substeps[1].expr)})², not g"),
        Slip(lambda st: _term(st, 0), lambda st: f"the quotient rule's −f·g′/g² term is missing ({_fg(st)}: "
             f"−f·g′/g² = {s(_term(st, 1))})"),
        Slip(lambda st: st.substeps[0].result / st.substeps[1].result,
             lambda st: f"the derivative of a quotient is not the quotient of the derivatives: the quotient "
             f"rule gives (f′·g − f·g′)/g² ({_fg(st)})"),
    ),
    "chain": (
        Slip(lambda st: st.terms[0][1], _chain_missing),
        Slip(_chain_unsubstituted, lambda st: f"chain rule: the outer derivative must be evaluated at the "
             f"inner function, f′(u) with u = {s(st.let[0][1])}, not at {st.wrt}"),
    ),
    "power": (
        Slip(lambda st: _power_parts(st)[1] * st.expr,
             lambda st: f"power rule off by one: d/d{st.wrt} {st.wrt}^n = n·{st.wrt}^(n−1), the exponent "
             f"drops by one: d/d{st.wrt} {s(st.expr)} = {s(st.result)}"),
        Slip(lambda st: _power_parts(st)[1] * _power_parts(st)[0] ** (_power_parts(st)[1] + 1),
             lambda st: f"power rule off by one: the exponent drops by one, it does not grow: "
             f"d/d{st.wrt} {s(st.expr)} = {s(st.result)}"),
        Slip(lambda st: _power_parts(st)[0] ** (_power_parts(st)[1] - 1),
             lambda st: f"power rule: the factor n = {s(_power_parts(st)[1])} in front is missing: "
             f"d/d{st.wrt} {s(st.expr)} = {s(st.result)}"),
    ),
    "exponential base a": (
        Slip(lambda st: st.expr, lambda st: f"the exponential rule's factor ln({s(st.expr.base)}) is missing: "
             f"d/d{st.wrt} a^{st.wrt} = a^{st.wrt}·ln a"),
        Slip(lambda st: st.wrt * st.expr.base ** (st.wrt - 1),
             lambda st: f"the power rule does not apply to {s(st.expr)} (the variable is in the exponent): "
             f"d/d{st.wrt} a^{st.wrt} = a^{st.wrt}·ln a"),
    ),
    "logarithm base b": (
        Slip(lambda st: 1 / st.wrt, lambda st: "the factor 1/ln(b) of the logarithm-to-base rule is missing: "
             f"d/d{st.wrt} log_b {st.wrt} = 1/({st.wrt}·ln b)"),
    ),
    "general power": (
        Slip(lambda st: _term(st, 1), lambda st: "the general power rule's f^g·g′·ln f term is missing: the "
             f"power rule alone does not apply when the exponent depends on {st.wrt}"),
        Slip(lambda st: _term(st, 0), lambda st: "the general power rule's f^g·g·f′/f term is missing: the "
             f"exponential rule alone does not apply when the base depends on {st.wrt}"),
    ),
    "constant multiple": (
        Slip(lambda st: st.substeps[0].result, lambda st: f"the constant factor {s(st.terms[0][1])} is "
             f"missing (constant multiple rule: d/d{st.wrt}[c·g] = c·g′)"),
    ),
    **{key: (_sign_flip(key),) for key in ("sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh",
                                            "asin", "acos", "atan", "acot", "sech", "csch", "coth")},
}


def sum_slips(step: Step) -> tuple[Slip, ...]:
    """The sum rule's slips: leaving out one term (there are as many as the sum has terms)."""
    return tuple(_sum_drop(i) for i in range(len(step.terms)))


def slips_for(step: Step) -> tuple[Slip, ...]:
    if step.key == "sum":
        return sum_slips(step)
    return SLIPS.get(step.key, ())
