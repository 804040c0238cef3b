"""``Compiled``: a value-and-gradient pair of generated functions, whatever backend made them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import sympy

from symgd.calculus.graph import Graph


@dataclass(frozen=True)
class Compiled:
    """A compiled value-and-gradient pair; positional arguments follow ``variables``."""

    variables: tuple[sympy.Symbol, ...]
    backend: str
    source: str
    _value_and_grad: Callable[..., Any]
    _value: Callable[..., Any] | None = None
    _grad: Callable[..., Any] | None = None
    graph: Graph | None = field(default=None, compare=False, repr=False)

    def value_and_grad(self, *args: Any) -> tuple[Any, tuple[Any, ...]]:
        """The value and the gradient (a tuple, one entry per variable) at ``args``."""
        return self._value_and_grad(*args)

    def value(self, *args: Any) -> Any:
        """The value alone (only the forward pass runs)."""
        return self._value(*args) if self._value is not None else self._value_and_grad(*args)[0]

    def grad(self, *args: Any) -> tuple[Any, ...]:
        """The gradient alone (the value is computed only where the gradient needs it)."""
        return self._grad(*args) if self._grad is not None else self._value_and_grad(*args)[1]
