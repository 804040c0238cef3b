"""gradient / hessian: the reverse sweep over the one graph (sympy.diff is only the tests' oracle)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import sympy

from symgd.calculus.graph import build_graph
from symgd.calculus.indexed import analyse, has_indexed, indexed_gradient, unroll
from symgd.calculus.variables import ordered_variables
from symgd.errors import BudgetError, VariableError
from symgd.parse import parse

#: Entries of the largest Hessian built (1,000 variables).
MAX_HESSIAN_ENTRIES = 1_000_000


def gradient(f: str | sympy.Expr, wrt: Iterable[sympy.Symbol | str] | str | None = None,
             sizes: Mapping[str, int] | None = None) -> tuple[sympy.Expr, ...]:
    """The gradient of ``f``, one component per variable of ``ordered_variables(f, wrt)``.

    With indexed sums (``sum(..., i, 0, n-2)`` over vectors ``x[i]``): without ``sizes``, one entry per
    variable, a vector x's entry being ``Lambda(j, ∂f/∂x[j])`` (Piecewise over the windows reading
    x[j]); with ``sizes`` (e.g. ``{"n": 4}``), the sums unrolled and one entry per element x[0], x[1], ...

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> gradient(x**2 * y)
    (2*x*y, x**2)
    """
    expr = parse(f)
    if has_indexed(expr):
        if sizes is not None:
            written, elements = unroll(expr, sizes)
            return build_graph(written, elements).gradient()
        if wrt is not None:
            raise VariableError("wrt is not supported with indexed sums; every vector and scalar is a variable")
        return indexed_gradient(analyse(expr))
    return build_graph(expr, wrt).gradient()


def hessian(f: str | sympy.Expr, wrt: Iterable[sympy.Symbol | str] | str | None = None) -> sympy.Matrix:
    """The Hessian of ``f``: reverse mode over each gradient component (exactly symmetric).

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> hessian(x**2 * y)
    Matrix([
    [2*y, 2*x],
    [2*x,   0]])
    """
    expr = parse(f)
    variables = ordered_variables(expr, wrt)
    n = len(variables)
    if n * n > MAX_HESSIAN_ENTRIES:  # refused before n^2 entries are allocated (10,000 names: 10^8)
        raise BudgetError(f"the Hessian of {n:,} variables has {n * n:,} entries (limit "
                          f"{MAX_HESSIAN_ENTRIES:,}, {math.isqrt(MAX_HESSIAN_ENTRIES):,} variables)",
                          hint="choose the variables with wrt (--wrt)")
    rows = [[sympy.S.Zero] * n for _ in range(n)]
    for i, g in enumerate(build_graph(expr, variables).gradient()):
        present = [v for v in variables[i:] if v in g.free_symbols]
        if not present:
            continue
        second = dict(zip(present, build_graph(g, present).gradient()))
        for j in range(i, n):
            rows[i][j] = rows[j][i] = second.get(variables[j], sympy.S.Zero)
    return sympy.Matrix(rows)
