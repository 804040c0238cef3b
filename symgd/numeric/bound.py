"""Per-sample expressions over data: compiled once, bound to data arrays, reduced numerically.

First version (lambdify with cse); the performance work hoists data-only subexpressions at bind time
and turns reductions into dot products, keeping this API.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy

from symgd.errors import DataError


@dataclass(frozen=True)
class DataProgram:
    """A per-sample expression e(theta; data) and its gradient in theta, compiled for NumPy."""

    expr: sympy.Expr
    params: tuple[sympy.Symbol, ...]
    data: tuple[sympy.Symbol, ...]
    _value: Callable[..., Any]
    _jac: Callable[..., Any]

    def bind(self, arrays: Mapping[str, Any]) -> "BoundData":
        """Bind data columns (by symbol name) once; returns the callable on parameters alone."""
        missing = [d.name for d in self.data if d.name not in arrays]
        if missing:
            raise DataError(f"missing data column(s): {', '.join(missing)}")
        cols = tuple(np.asarray(arrays[d.name], dtype=float) for d in self.data)
        n = len(cols[0]) if cols else 1
        return BoundData(self, cols, n)


@dataclass(frozen=True)
class BoundData:
    """A ``DataProgram`` with its data bound: per-sample values, Jacobian and summed value/gradient."""

    program: DataProgram
    columns: tuple[np.ndarray, ...]
    n: int

    def sample_values(self, theta: Sequence[float]) -> np.ndarray:
        out = self.program._value(*theta, *self.columns)
        return np.broadcast_to(np.asarray(out, dtype=float), (self.n,))

    def sample_jacobian(self, theta: Sequence[float]) -> np.ndarray:
        cols = self.program._jac(*theta, *self.columns)
        return np.stack([np.broadcast_to(np.asarray(c, dtype=float), (self.n,)) for c in cols], axis=1)

    def sum_value_and_grad(self, theta: Sequence[float]) -> tuple[float, np.ndarray]:
        return float(self.sample_values(theta).sum()), self.sample_jacobian(theta).sum(axis=0)

    def subset(self, index: Any) -> "BoundData":
        cols = tuple(c[index] for c in self.columns)
        return BoundData(self.program, cols, len(cols[0]) if cols else 1)


def compile_data(expr: sympy.Expr, params: Sequence[sympy.Symbol], data: Sequence[sympy.Symbol],
                 backend: str = "numpy") -> DataProgram:
    """Compile a per-sample expression with parameters ``params`` and data symbols ``data``."""
    params, data = tuple(params), tuple(data)
    args = params + data
    value = sympy.lambdify(args, expr, modules="numpy", cse=True)
    jac = sympy.lambdify(args, [sympy.diff(expr, p) for p in params], modules="numpy", cse=True)
    return DataProgram(expr, params, data, value, jac)
