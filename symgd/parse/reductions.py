"""Reductions over an index other than sums: ``min(body, j, a, b)``, ``max(...)`` and ``prod(...)``.

``prod`` is SymPy's ``Product``. SymPy has no minimum or maximum over an index range, so
``IndexMin``/``IndexMax`` are small ``ExprWithIntLimits`` classes (like ``Sum``: the index is bound,
not a free symbol, and renaming a symbol renames it inside). They are never evaluated symbolically;
the reduction compiler (``symgd.codegen.reduce_loops``) reads them. The two-argument ``min(a, b)``
keeps its meaning: four arguments whose second is a name that indexes an array in the first make
the reduction, as for ``logsumexp``.
"""
from __future__ import annotations

import sympy
from sympy.concrete.expr_with_intlimits import ExprWithIntLimits


class IndexMin(ExprWithIntLimits):
    """min over j = a..b of body (inclusive bounds); an empty range is +inf."""

    __slots__ = ()

    def __new__(cls, function, *symbols, **assumptions):
        return ExprWithIntLimits.__new__(cls, function, *symbols, **assumptions)


class IndexMax(IndexMin):
    """max over j = a..b of body (inclusive bounds); an empty range is -inf."""

    __slots__ = ()


def is_index_form(args: tuple) -> bool:
    """True for ``(body, j, a, b)`` where the name ``j`` indexes an array read in ``body``."""
    if len(args) != 4 or not isinstance(args[1], sympy.Symbol):
        return False
    body = args[0]
    return isinstance(body, sympy.Basic) and any(
        args[1] in ind.free_symbols for ind in body.atoms(sympy.Indexed))


def minimum(*args: sympy.Expr) -> sympy.Expr:
    """``min(a, b, ...)``, or ``min(body, j, a, b)`` over an index (see ``is_index_form``)."""
    if is_index_form(args):
        return IndexMin(args[0], (args[1], args[2], args[3]))
    return sympy.Min(*args)


def maximum(*args: sympy.Expr) -> sympy.Expr:
    """``max(a, b, ...)``, or ``max(body, j, a, b)`` over an index."""
    if is_index_form(args):
        return IndexMax(args[0], (args[1], args[2], args[3]))
    return sympy.Max(*args)


def product(*args: sympy.Expr) -> sympy.Expr:
    """``prod(body, j, a, b)``: the product over j = a..b (SymPy's ``Product``, unevaluated)."""
    if len(args) == 2 and isinstance(args[1], tuple) and len(args[1]) == 3:
        args = (args[0], *args[1])
    if len(args) != 4 or not isinstance(args[1], sympy.Symbol):
        raise ValueError("prod takes a body, an index name and two bounds: prod(x[j], j, 0, n-1)")
    return sympy.Product(args[0], (args[1], args[2], args[3]))


class ArrayDet(sympy.Function):
    """``det(A)``: the determinant of the square array ``A`` (an ``IndexedBase``). Its gradient is
    Jacobi's formula, the cofactor matrix adj(A)ᵀ (= det(A) A⁻ᵀ where A is invertible), computed by
    the reduction compiler; never an expansion by minors."""

    nargs = 1

    @classmethod
    def eval(cls, arg):
        return None

    def _sympystr(self, printer):
        return f"det({self.args[0].label.name})"

    def fdiff(self, argindex=1):
        """A scalar graph cannot hold a whole array: only the reduction compiler differentiates det."""
        from symgd.errors import CompileError
        raise CompileError("det(A) is differentiated only when compiled (Jacobi's formula)",
                           hint="symgd.compile('det(A)', backend='numba') gives its value and gradient")


def determinant(arg: sympy.Expr) -> sympy.Expr:
    """``det(A)`` of a square array named ``A``."""
    if not isinstance(arg, sympy.Symbol):
        raise ValueError("det takes the name of a square array, as in det(A)")
    return ArrayDet(sympy.IndexedBase(arg))
