"""The simplification of an assembled derivative, as named, verified rewrite steps.

The rules assemble a correct but raw result. Each round tries every rewrite below on the current
expression and keeps the most readable candidate (``readability.readability``: operations plus
penalties for what textbooks avoid) when it is strictly more readable, has no more operations
(``count_ops``) than the line before, and is checked to be an equality; so no printed line is uglier
than the one before it. Each round runs only within the budget (``budget.SimplifyBudget``): over it,
the result stays as it is (still verified) and the derivation's note says why.
"""
from __future__ import annotations

from collections.abc import Callable

import sympy
from sympy.polys.polyerrors import PolynomialError

from symgd.explain.budget import MAX_SIMPLIFY_NODES, SimplifyBudget, tree_size
from symgd.explain.model import Step
from symgd.explain.readability import readability
from symgd.explain.verify import equal

_MAX_OPS = 60
_ROUNDS = 3


def _pythagorean(expr: sympy.Expr) -> sympy.Expr:
    """sec²u = 1 + tan²u and csc²u = 1 + cot²u (in any power from 2 up), then common factors out:
    ``tan²x sec x + sec³x`` becomes (2tan²x + 1) sec x this way, where sympy's trigsimp rewrites it
    into cos, shorter in operations but not to read."""
    def split(power: sympy.Pow) -> sympy.Expr:
        base, arg = power.base, power.base.args[0]
        partner = sympy.tan(arg) if isinstance(base, sympy.sec) else sympy.cot(arg)
        return base ** (power.exp - 2) * (1 + partner ** 2)

    def match(node: sympy.Basic) -> bool:
        return (node.is_Pow and isinstance(node.base, (sympy.sec, sympy.csc))
                and node.exp.is_Integer and node.exp >= 2)

    swapped = expr.replace(match, split)
    return sympy.factor_terms(sympy.expand(swapped)) if swapped != expr else expr


def _textbook_product(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with, in each product, its first-power polynomial factors multiplied out: textbooks
    factor out common powers, 2(x²+1)⁴(2x−3)³(14x²−15x+4), and leave the remaining factor as one
    polynomial where sympy.factor splits it into (2x−1)(7x−4)."""
    if not expr.args:
        return expr
    args = [_textbook_product(a) for a in expr.args]
    if expr.is_Mul:
        linear = [a for a in args if a.is_Add and a.is_polynomial()]
        if len(linear) > 1:
            rest = [a for a in args if not (a.is_Add and a.is_polynomial())]
            return sympy.Mul(*rest, sympy.expand(sympy.Mul(*linear)))
    return expr.func(*args)


def _rewrites(wrt: sympy.Symbol) -> tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...]:
    """The candidate rewrites, by the name each step is shown with."""
    return (
        ("factor out common factors", sympy.factor_terms),
        ("factor", lambda e: _textbook_product(sympy.factor(e))),
        ("cancel common factors", sympy.cancel),
        ("combine into one fraction", sympy.together),
        ("multiply out", sympy.expand),
        (f"collect powers of {wrt}", lambda e: sympy.collect(e, wrt)),
        ("trigonometric and hyperbolic identities", sympy.trigsimp),
        ("Pythagorean identities", _pythagorean),
        ("simplify", lambda e: _textbook_product(sympy.simplify(e))),
    )


def _best_rewrite(expr: sympy.Expr, wrt: sympy.Symbol) -> tuple[str, sympy.Expr] | None:
    """The most readable verified rewrite of ``expr`` that beats it and has no more operations."""
    score, ops = readability(expr), sympy.count_ops(expr)
    ranked = []
    for order, (name, rewrite) in enumerate(_rewrites(wrt)):
        try:
            candidate = rewrite(expr)
        except PolynomialError:  # factor/cancel refuse some non-polynomial generators: not a candidate
            continue
        better = readability(candidate)
        if better < score and sympy.count_ops(candidate) <= ops:
            ranked.append((better, order, name, candidate))
    for _, _, name, candidate in sorted(ranked, key=lambda r: r[:2]):
        if equal(candidate, expr):
            return name, candidate
    return None


def simplification_steps(expr: sympy.Expr, wrt: sympy.Symbol,
                         budget: SimplifyBudget | None = None) -> tuple[tuple[Step, ...], str]:
    """Rewrite steps from ``expr`` to a more readable equal expression (empty when nothing helps), and
    a note: "" or why a rewrite was not tried (the result then stands as it is, verified)."""
    budget = budget or SimplifyBudget()
    found = []
    current = expr
    for _ in range(_ROUNDS):
        if tree_size(current, MAX_SIMPLIFY_NODES) > MAX_SIMPLIFY_NODES or sympy.count_ops(current) > _MAX_OPS:
            break  # large results are left as assembled (count_ops on a huge tree is itself slow)
        why = budget.allows(current)
        if why is not None:
            return tuple(found), f"not simplified{' further' if found else ''}: {why}"
        best = _best_rewrite(current, wrt)
        if best is None:
            break
        name, candidate = best
        found.append(Step(name, current, wrt, candidate, kind="rewrite", key=f"rewrite:{name}"))
        current = candidate
    return tuple(found), ""
