"""Numerically stable forms of expressions, for the code path (issue 14 fills this in).

``stabilize`` rewrites an expression before its code graph is built (``build_graph(..., stable=True)``);
the symbolic results shown to users (gradients, chain-rule graphs) keep the user's own forms.
"""
from __future__ import annotations

import sympy


def stabilize(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with forms that overflow or cancel in floating point replaced by stable ones."""
    return expr
