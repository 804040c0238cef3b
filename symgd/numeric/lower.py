"""compile(): an expression's value and gradient as callables on a chosen backend.

First version: sympy's lambdify with cse. (The performance work replaces the internals with code
generated from the one reverse-mode graph; this module's API stays.)
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable

import sympy

from symgd.calculus.variables import ordered_variables
from symgd.errors import BackendUnavailableError, CompileError

BACKENDS = ("numpy", "python", "torch")


@dataclass(frozen=True)
class Compiled:
    """A compiled value-and-gradient pair; positional arguments follow ``variables``."""

    variables: tuple[sympy.Symbol, ...]
    backend: str
    source: str
    _value_and_grad: Callable[..., Any]

    def value_and_grad(self, *args: Any) -> tuple[Any, tuple[Any, ...]]:
        value, grad = self._value_and_grad(*args)
        return value, tuple(grad)

    def value(self, *args: Any) -> Any:
        return self._value_and_grad(*args)[0]

    def grad(self, *args: Any) -> tuple[Any, ...]:
        return tuple(self._value_and_grad(*args)[1])


def compile(f: str | sympy.Expr, wrt: Iterable[sympy.Symbol | str] | str | None = None,
            backend: str = "numpy", device: Any = None, dtype: Any = None) -> Compiled:
    """Compile ``f`` and its gradient for ``backend`` ("numpy", "python" or "torch")."""
    from symgd.parse import parse
    expr = parse(f) if isinstance(f, str) else sympy.sympify(f)
    if backend not in BACKENDS:
        raise CompileError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    variables = ordered_variables(expr, wrt)
    grad = [sympy.diff(expr, v) for v in variables]
    modules = {"numpy": "numpy", "python": "math", "torch": "torch"}[backend]
    if backend == "torch":
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            raise BackendUnavailableError("the torch backend needs PyTorch: pip install 'symgd[torch]'") from exc
    fn = sympy.lambdify(variables, [expr, grad], modules=modules, cse=True)
    import inspect
    return Compiled(variables, backend, inspect.getsource(fn), fn)
