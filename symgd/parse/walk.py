"""One iterative, memoised post-order fold over a SymPy expression's distinct subexpressions.

SymPy's ``postorder_traversal`` recurses and revisits shared subexpressions; the budget, the echo's cost
count and point evaluation need each distinct node once (a DAG with heavy sharing unfolds to an
exponential tree) and no recursion (expressions may be deep).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy


def fold(expr: sympy.Basic, combine: Callable[[sympy.Basic, tuple], Any], memo: dict | None = None) -> Any:
    """``combine(node, values of its args)`` for every distinct node, arguments first; the value of
    ``expr``. ``memo`` (node -> value) may be shared between calls."""
    memo = {} if memo is None else memo
    stack = [expr]
    while stack:
        node = stack[-1]
        if node in memo:
            stack.pop()
            continue
        args = node.args
        pending = [a for a in args if a not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        memo[node] = combine(node, tuple(memo[a] for a in args))
    return memo[expr]
