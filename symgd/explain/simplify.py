"""The simplification of an assembled derivative, as named, verified rewrite steps.

The rules assemble a correct but raw result; each rewrite below is kept only when it makes the
expression smaller (sympy's ``count_ops``), and each kept one is checked to be an equality. Each rewrite
runs only within the budget (``budget.SimplifyBudget``): over it, the result stays as assembled (still
verified) and the derivation's note says why.
"""
from __future__ import annotations

import sympy

from symgd.explain.budget import MAX_SIMPLIFY_NODES, SimplifyBudget, tree_size
from symgd.explain.model import Step
from symgd.explain.verify import equal

# Cheap rewrites first; sympy.simplify only for results small enough to simplify quickly.
_REWRITES = (
    ("cancel common factors", sympy.cancel),
    ("collect common factors", sympy.factor_terms),
    ("trigonometric and hyperbolic identities", sympy.trigsimp),
    ("simplify", sympy.simplify),
)
_MAX_OPS = 60


def _size(expr: sympy.Expr) -> tuple[int, int]:
    """Smaller is simpler: fewer operations, then shorter to write."""
    return sympy.count_ops(expr), len(sympy.sstr(expr))


def simplification_steps(expr: sympy.Expr, wrt: sympy.Symbol,
                         budget: SimplifyBudget | None = None) -> tuple[tuple[Step, ...], str]:
    """Rewrite steps from ``expr`` to a simpler equal expression (empty when nothing helps), and a note:
    "" or why a rewrite was not tried (the result then stands as it is, verified)."""
    budget = budget or SimplifyBudget()
    found = []
    current = expr
    for name, rewrite in _REWRITES:
        if tree_size(current, MAX_SIMPLIFY_NODES) > MAX_SIMPLIFY_NODES or sympy.count_ops(current) > _MAX_OPS:
            break  # large results are left as assembled (count_ops on a huge tree is itself slow)
        why = budget.allows(current)
        if why is not None:
            return tuple(found), f"not simplified{' further' if found else ''}: {why}"
        candidate = rewrite(current)
        if _size(candidate) < _size(current) and equal(candidate, current):
            found.append(Step(name, current, wrt, candidate, kind="rewrite", key=f"rewrite:{name}"))
            current = candidate
    return tuple(found), ""
