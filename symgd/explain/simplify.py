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

from symgd.explain.budget import (MAX_SIMPLIFY_NODES, MAX_SIMPLIFY_TERMS, SimplifyBudget, expanded_terms,
                                  tree_size)
from symgd.explain.model import Step
from symgd.explain.readability import readability
from symgd.explain.verify import equal

_MAX_OPS = 60
_ROUNDS = 3
#: Rewrites that never multiply out, tried even on results whose expansion is over the budget: they
#: take the common powers out of (x²+3)⁴/(2x−1)³'s derivative, after which the rest fits.
_CHEAP = ("factor out common powers", "combine into one fraction")


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


def _half_expanded(node: sympy.Basic) -> bool:
    return bool(node.is_Add and node.is_polynomial() and any(
        term.is_Mul and any(a.is_Add for a in term.args) for term in node.args))


def _common_powers(expr: sympy.Expr) -> sympy.Expr:
    """Common powers factored out, and the factor left multiplied out (its common number out too): as
    textbooks write 2(x²+1)⁴(2x−3)³(14x²−15x+4), where factor_terms leaves (4x² + 5x(2x−3) + 4) and
    sympy.factor splits the last factor into (2x−1)(7x−4)."""
    return sympy.factor_terms(expr).replace(
        _half_expanded, lambda node: sympy.factor_terms(sympy.expand(node)))


def _factor(expr: sympy.Expr) -> sympy.Expr:
    """sympy.factor, leaving whole each polynomial factor of a product that is already clean (fully
    multiplied out, no common number): textbooks keep 2(x²+3)³(5x²−4x−9)/(2x−1)⁴ rather than split
    the last factor into (x+1)(5x−9)."""
    clean = {} if not expr.is_Mul else {
        f: sympy.Dummy() for f in expr.args
        if f.is_Add and f.is_polynomial() and not _half_expanded(f) and f.as_content_primitive()[0] == 1}
    return sympy.factor(expr.xreplace(clean)).xreplace({d: f for f, d in clean.items()})


def _rewrites(wrt: sympy.Symbol) -> tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...]:
    """The candidate rewrites, by the name each step is shown with."""
    return (
        ("factor out common powers", _common_powers),
        ("factor", _factor),
        ("cancel common factors", sympy.cancel),
        ("combine into one fraction", sympy.together),
        ("multiply out", sympy.expand),
        (f"collect powers of {wrt}", lambda e: sympy.collect(e, wrt)),
        ("trigonometric and hyperbolic identities", sympy.trigsimp),
        ("Pythagorean identities", _pythagorean),
        ("simplify", sympy.simplify),
    )


def _best_rewrite(expr: sympy.Expr, wrt: sympy.Symbol, cheap: bool = False) -> tuple[str, sympy.Expr] | None:
    """The most readable verified rewrite of ``expr`` that beats it and has no more operations (among
    the _CHEAP ones only when ``cheap``)."""
    score, ops = readability(expr), sympy.count_ops(expr)
    ranked = []
    for order, (name, rewrite) in enumerate(_rewrites(wrt)):
        if cheap and name not in _CHEAP:
            continue
        try:
            candidate = rewrite(expr)
        except PolynomialError:  # factor/cancel refuse some non-polynomial generators: not a candidate
            continue
        better = readability(candidate)
        if better[0] < score[0] and sympy.count_ops(candidate) <= ops:
            ranked.append((better, order, name, candidate))
    # Equal scores go to the earlier rewrite (common powers first), not to the shorter text:
    # x²(x²+1)(7x²+3) rather than 7x⁶ + 10x⁴ + 3x², as textbooks factor out common powers.
    for _, _, name, candidate in sorted(ranked, key=lambda r: (r[0][0], r[1])):
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
        cheap = why is not None and expanded_terms(current, MAX_SIMPLIFY_TERMS) > MAX_SIMPLIFY_TERMS
        best = _best_rewrite(current, wrt, cheap) if why is None or cheap else None
        if why is not None and best is None:
            return tuple(found), f"not simplified{' further' if found else ''}: {why}"
        if best is None:
            break
        name, candidate = best
        found.append(Step(name, current, wrt, candidate, kind="rewrite", key=f"rewrite:{name}"))
        current = candidate
    return tuple(found), ""
