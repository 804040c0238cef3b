"""gradient / hessian: the reverse sweep over the one graph (sympy.diff is only the tests' oracle)."""
from __future__ import annotations

from collections.abc import Iterable

import sympy

from symgd.calculus.graph import build_graph
from symgd.calculus.variables import ordered_variables


def as_expr(f: str | sympy.Expr) -> sympy.Expr:
    """``f`` as a sympy expression: text goes through symgd's parser (never sympify)."""
    if isinstance(f, str):
        from symgd.parse import parse
        return parse(f)
    return sympy.sympify(f)


def gradient(f: str | sympy.Expr, wrt: Iterable[sympy.Symbol | str] | str | None = None
             ) -> tuple[sympy.Expr, ...]:
    """The gradient of ``f``, one component per variable of ``ordered_variables(f, wrt)``.

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> gradient(x**2 * y)
    (2*x*y, x**2)
    """
    return build_graph(as_expr(f), wrt).gradient()


def hessian(f: str | sympy.Expr, wrt: Iterable[sympy.Symbol | str] | str | None = None) -> sympy.Matrix:
    """The Hessian of ``f``: reverse mode over each gradient component (exactly symmetric).

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> hessian(x**2 * y)
    Matrix([
    [2*y, 2*x],
    [2*x,   0]])
    """
    expr = as_expr(f)
    variables = ordered_variables(expr, wrt)
    n = len(variables)
    rows = [[sympy.S.Zero] * n for _ in range(n)]
    for i, g in enumerate(build_graph(expr, variables).gradient()):
        present = [v for v in variables[i:] if v in g.free_symbols]
        if not present:
            continue
        second = dict(zip(present, build_graph(g, present).gradient()))
        for j in range(i, n):
            rows[i][j] = rows[j][i] = second.get(variables[j], sympy.S.Zero)
    return sympy.Matrix(rows)
