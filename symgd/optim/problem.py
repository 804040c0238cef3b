"""The problem a descent runs on: value, gradient and Hessian of one expression on ``(starts, n)`` arrays.

Built on ``symgd.compile`` (numpy or torch backend, which broadcast over array arguments), so one
call evaluates every start at once. The Hessian is compiled on first use only (Newton, diagnostics).
"""
from __future__ import annotations

import functools
from typing import Any

import sympy

from symgd.codegen import backends
from symgd.optim import arrays


def hessian_matrix(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...]) -> sympy.Matrix:
    """The exact Hessian of ``expr``: symgd's calculus stage when present, sympy's otherwise."""
    try:
        from symgd.calculus.gradient import hessian
    except ImportError:
        return sympy.hessian(expr, variables)
    return sympy.Matrix(hessian(expr, variables))


class Problem:
    """``expr`` over ``variables``, evaluated row-wise on ``(starts, n)`` NumPy arrays or torch tensors."""

    def __init__(self, expr: sympy.Expr, variables: tuple[sympy.Symbol, ...], backend: str = "numpy",
                 device: Any = None, dtype: Any = None) -> None:
        from symgd.codegen.api import compile as compile_expr
        self.expr, self.variables, self.backend = expr, variables, backend
        self.compiled = compile_expr(expr, variables, backend=backend, device=device, dtype=dtype)

    def _columns(self, x: Any) -> list[Any]:
        return [x[:, i] for i in range(x.shape[1])]

    def value_and_grad(self, x: Any) -> tuple[Any, Any]:
        """``f`` of each row, shape ``(starts,)``, and its gradient, shape ``(starts, n)``."""
        value, grad = self.compiled.value_and_grad(*self._columns(x))
        rows = x.shape[0]
        return arrays.stack_columns([value], rows, x)[:, 0], arrays.stack_columns(grad, rows, x)

    def value(self, x: Any) -> Any:
        return arrays.stack_columns([self.compiled.value(*self._columns(x))], x.shape[0], x)[:, 0]

    @functools.cached_property
    def hessian_expr(self) -> sympy.Matrix:
        return hessian_matrix(self.expr, self.variables)

    @functools.cached_property
    def _hessian_fn(self) -> Any:
        return sympy.lambdify(self.variables, list(self.hessian_expr), modules=backends.array_library(self.backend),
                              cse=True)

    def hessian(self, x: Any) -> Any:
        """The Hessian of each row, shape ``(starts, n, n)``."""
        n = len(self.variables)
        flat = arrays.stack_columns(self._hessian_fn(*self._columns(x)), x.shape[0], x)
        return flat.reshape(x.shape[0], n, n)
