"""The errors symgd raises for user mistakes.

Every failure a user can cause is a ``SymgdError``; anything else escaping the
library is a bug. ``cli.main`` turns these into ``error: ...`` messages in one place.
"""
from __future__ import annotations


class SymgdError(Exception):
    """Base class of every error caused by user input or by the problem itself.

    ``hint`` is an optional one-line suggestion shown after the message. ``exprs`` are the expressions
    symgd derived that the message quotes in SymPy syntax (``sympy.sstr``); the CLI prints those as Unicode
    math, like all its text output. What the user typed is quoted as typed and not listed.
    """

    def __init__(self, message: str, *, hint: str | None = None, exprs: tuple = ()) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exprs = tuple(exprs)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class ParseError(SymgdError, ValueError):
    """The input text is not a valid symgd expression.

    ``line``/``column`` are 1-based; ``context`` is the input line with a caret under the column.
    """

    def __init__(self, message: str, *, text: str = "", line: int | None = None,
                 column: int | None = None, context: str = "", hint: str | None = None,
                 exprs: tuple = ()) -> None:
        super().__init__(message, hint=hint, exprs=exprs)
        self.text = text
        self.line = line
        self.column = column
        self.context = context

    def __str__(self) -> str:
        parts = [self.message]
        if self.context:
            parts.append(self.context.rstrip("\n"))
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class UnknownFunctionError(ParseError):
    """A call of a function that is not on symgd's allow-list."""


class BudgetError(ParseError):
    """The input would cost too much to build (too long, too deep, a number too large)."""


class VariableError(SymgdError, ValueError):
    """A ``wrt`` variable, start point or data column that does not fit the expression."""


class HyperParameterError(VariableError):
    """A hyper-parameter out of its range (a learning rate of 0 or less, a beta of 1, ...)."""


class CompileError(SymgdError):
    """An expression a backend cannot compile (named in the message)."""


class BackendUnavailableError(SymgdError, ImportError):
    """A backend whose optional dependency (torch, numba, ...) is not installed."""


class DivergenceError(SymgdError):
    """A descent that left the finite numbers."""


class DomainError(SymgdError, ValueError):
    """A point outside the expression's domain (log of a negative number, ...)."""


class DataError(SymgdError, ValueError):
    """Bad data for a fit: a missing column, a malformed row or chunk (file and row named)."""


class OutputError(SymgdError):
    """A file symgd was asked to write that cannot be written (the file and the reason named)."""
