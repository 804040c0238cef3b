"""The allow-list: every function the language knows, what SymPy object it builds, and its arity.

Nothing outside this table can be called. ``sigmoid``, ``softplus`` and ``relu`` are spelled out
in SymPy terms so every later stage sees only SymPy classes. Names SymPy itself prints (``Abs``,
``Max``, ``Min``, ``Heaviside``, ``DiracDelta``, ``Sum``) are here so printed output parses back.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import sympy

from symgd.parse import reductions


@dataclass(frozen=True)
class Function:
    """One allow-listed function: its builder and how many arguments it takes."""

    build: Callable[..., sympy.Expr]
    min_args: int = 1
    max_args: int = 1
    usage: str = ""


def _one(cls: Callable[..., sympy.Expr]) -> Function:
    return Function(cls)


def _evaluated_on_numbers(cls: Callable[..., sympy.Expr]) -> Callable[..., sympy.Expr]:
    """Build ``cls`` evaluated only on plain numbers. Heaviside and DiracDelta ask for the imaginary part
    of a symbolic argument, which expands a power such as x^4000 for minutes (found by the fuzz test)."""
    def build(*args: sympy.Expr) -> sympy.Expr:
        return cls(*args) if all(a.is_Number for a in args) else cls(*args, evaluate=False)
    return build


def _logsumexp(*args: sympy.Expr) -> sympy.Expr:
    """log(e^a + e^b + ...), or over an indexed sum when written like sum: ``logsumexp(x[i], i, 0, n-1)``
    (four arguments, the second a name that indexes a vector in the first). Code generation shifts the
    maximum out (``symgd.calculus.stable``); the symbolic form stays the textbook one."""
    body, index = args[0], args[1] if len(args) > 1 else None
    if len(args) == 4 and isinstance(index, sympy.Symbol) and any(
            index in ind.free_symbols for ind in body.atoms(sympy.Indexed)):
        return sympy.log(sympy.Sum(sympy.exp(body), (index, args[2], args[3])))
    return sympy.log(sympy.Add(*(sympy.exp(a) for a in args)))


def _where(cond: sympy.Basic, a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    """``where(cond, a, b)``: a where the comparison holds, else b (NumPy's where, a SymPy Piecewise)."""
    return sympy.Piecewise((a, cond), (b, True))


def _log(x: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
    return sympy.log(x) if base is None else sympy.log(x, base)


_TRIG = ("sin", "cos", "tan", "sec", "csc", "cot")
_HYP = tuple(f + "h" for f in _TRIG)

_CLASSES = (sympy.sin, sympy.cos, sympy.tan, sympy.sec, sympy.csc, sympy.cot,
            sympy.sinh, sympy.cosh, sympy.tanh, sympy.sech, sympy.csch, sympy.coth,
            sympy.asin, sympy.acos, sympy.atan, sympy.asec, sympy.acsc, sympy.acot,
            sympy.asinh, sympy.acosh, sympy.atanh, sympy.asech, sympy.acsch, sympy.acoth)

FUNCTIONS: dict[str, Function] = {
    **{cls.__name__: _one(cls) for cls in _CLASSES},
    "atan2": Function(sympy.atan2, 2, 2, "atan2(y, x)"),
    "exp": _one(sympy.exp),
    "log": Function(_log, 1, 2, "log(x) or log(x, base)"),
    "log10": _one(lambda x: sympy.log(x, 10)),
    "log2": _one(lambda x: sympy.log(x, 2)),
    "sqrt": _one(sympy.sqrt),
    # x**(1/3), SymPy's principal cube root: real for x >= 0 (docs/language.md explains why).
    "cbrt": _one(sympy.cbrt),
    "abs": _one(sympy.Abs),
    "sign": _one(sympy.sign),
    "sigmoid": _one(lambda x: 1 / (1 + sympy.exp(-x))),
    "softplus": _one(lambda x: sympy.log(1 + sympy.exp(x))),
    "relu": _one(lambda x: sympy.Max(0, x)),
    "min": Function(reductions.minimum, 2, 1000, "min(a, b, ...) or min(x[j], j, a, b)"),
    "max": Function(reductions.maximum, 2, 1000, "max(a, b, ...) or max(x[j], j, a, b)"),
    "prod": Function(reductions.product, 2, 4, "prod(x[j], j, a, b)"),
    "det": Function(reductions.determinant, 1, 1, "det(A), A a square array"),
    "erf": _one(sympy.erf),
    "Heaviside": Function(_evaluated_on_numbers(sympy.Heaviside), 1, 2, "Heaviside(x)"),
    "DiracDelta": Function(_evaluated_on_numbers(sympy.DiracDelta), 1, 2, "DiracDelta(x)"),
    "sum": Function(sympy.Sum, 2, 4, "sum(body, i, a, b)"),
    "where": Function(_where, 3, 3, "where(x > 0, a, b)"),
    "Piecewise": Function(sympy.Piecewise, 1, 1000, "Piecewise((a, x > 0), (b, True))"),
    "Eq": Function(sympy.Eq, 2, 2, "Eq(x, 0), a condition of where (SymPy's printed x == 0)"),
    "Ne": Function(sympy.Ne, 2, 2, "Ne(x, 0), a condition of where (SymPy's printed x != 0)"),
    "logsumexp": Function(_logsumexp, 1, 1000, "logsumexp(a, b, ...) or logsumexp(x[i], i, a, b)"),
}

ALIASES = {
    "ln": "log", "Abs": "abs", "sgn": "sign", "Min": "min", "Max": "max", "Sum": "sum", "Product": "prod",
    **{"arc" + name: "a" + name for name in _TRIG + _HYP},
    **{"ar" + name: "a" + name for name in _HYP},
}

# `sin^-1 x` is the inverse function, as in textbooks.
INVERSES = {name: "a" + name for name in _TRIG + _HYP}


def canonical(name: str) -> str:
    """The table key for a name as typed (``arcsin`` -> ``asin``, ``Abs`` -> ``abs``)."""
    return ALIASES.get(name, name)


def suggest(name: str) -> list[str]:
    """Allow-listed names close to ``name``, best first, for a "did you mean" hint."""
    known = sorted(set(FUNCTIONS) | set(ALIASES))
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    return [by_lower[c] for c in close]
