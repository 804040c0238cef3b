"""``Compiled``: a value-and-gradient pair of generated functions, whatever backend made them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import sympy

from symgd.calculus.graph import Graph
from symgd.errors import CompileError


@dataclass(frozen=True)
class Compiled:
    """A compiled value-and-gradient pair.

    The functions take ``arguments`` in order: the ``variables`` (``wrt``, in its order), then the
    ``parameters`` (every other free symbol, sorted by name), each also by keyword (its name). The
    gradient has one entry per variable only."""

    variables: tuple[sympy.Symbol, ...]
    backend: str
    source: str
    _value_and_grad: Callable[..., Any]
    _value: Callable[..., Any] | None = None
    _grad: Callable[..., Any] | None = None
    graph: Graph | None = field(default=None, compare=False, repr=False)
    parameters: tuple[sympy.Symbol, ...] = ()

    @property
    def arguments(self) -> tuple[sympy.Symbol, ...]:
        """Every argument in call order: the variables, then the parameters."""
        return tuple(self.variables) + tuple(self.parameters)

    def _bind(self, args: tuple, kwargs: dict) -> tuple:
        """``args`` completed with ``kwargs`` by argument name, in call order."""
        count = len(self.variables) + len(self.parameters)
        if not kwargs and len(args) == count:
            return args
        names = [s.name for s in self.arguments]
        if not kwargs or len(args) > count:
            raise CompileError(f"{len(args)} positional argument(s) given; the function takes {count} arguments: "
                               f"{', '.join(names)}")
        values = dict(zip(names, args))
        for key, val in kwargs.items():
            if key not in names:
                raise CompileError(f"unknown argument {key!r}; the arguments are {', '.join(names)}")
            if key in values:
                raise CompileError(f"argument {key!r} given twice (by position and by name)")
            values[key] = val
        missing = [n for n in names if n not in values]
        if missing:
            raise CompileError(f"missing argument(s) {', '.join(missing)}; the arguments are {', '.join(names)}")
        return tuple(values[n] for n in names)

    def value_and_grad(self, *args: Any, **kwargs: Any) -> tuple[Any, tuple[Any, ...]]:
        """The value and the gradient (a tuple, one entry per variable) at ``args``."""
        return self._value_and_grad(*self._bind(args, kwargs))

    def value(self, *args: Any, **kwargs: Any) -> Any:
        """The value alone (only the forward pass runs)."""
        args = self._bind(args, kwargs)
        return self._value(*args) if self._value is not None else self._value_and_grad(*args)[0]

    def grad(self, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """The gradient alone (the value is computed only where the gradient needs it)."""
        args = self._bind(args, kwargs)
        return self._grad(*args) if self._grad is not None else self._value_and_grad(*args)[1]
