"""Checking that two expressions are equal: symbolically when cheap, else at random real points.

Every derivation step and every rewrite is checked through here as it is built, and answer checking
compares a student's answer with the same tool. Variables are real numbers in symgd, so the check
runs on real-valued copies of the symbols (``d|x|/dx`` is then ``sign(x)``, not an expression in re/im).
"""
from __future__ import annotations

import random
from collections.abc import Iterable

import sympy

from symgd.errors import BudgetError
from symgd.explain.budget import expandable, simplifiable

_SCALES = (1.0, 0.45, 3.0, 0.9, 8.0)  # magnitudes tried in turn: inside (-1, 1), beyond 1, large
_DIGITS = 30
_TOL = 1e-12


def realify(exprs: Iterable[sympy.Expr]) -> tuple[tuple[sympy.Expr, ...], dict[sympy.Symbol, sympy.Symbol]]:
    """Copies of ``exprs`` whose free symbols are real (same names), and the symbol map used."""
    exprs = tuple(exprs)
    free = set().union(*(e.free_symbols for e in exprs)) if exprs else set()
    mapping = {s: sympy.Symbol(s.name, real=True) for s in free
               if isinstance(s, sympy.Symbol) and not s.is_real}
    return tuple(e.xreplace(mapping) for e in exprs), mapping


def real_diff(expr: sympy.Expr, wrt: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff`` with every symbol treated as real, expressed in the original symbols.

    The arguments of a sum or product that do not hold ``wrt`` are first folded into one constant each:
    SymPy differentiates an n-factor product by the general Leibniz rule, n^2 work, which made each
    step of a 200-factor product cost 0.1 s.
    """
    (real_expr, real_wrt), mapping = realify((expr, wrt))
    back = {v: k for k, v in mapping.items()}
    hidden: dict[sympy.Dummy, sympy.Expr] = {}
    folded = _fold_constants(real_expr, real_wrt, hidden)
    return sympy.diff(folded, real_wrt).xreplace(hidden).xreplace(back)


def _fold_constants(expr: sympy.Expr, wrt: sympy.Symbol, hidden: dict) -> sympy.Expr:
    """``expr`` with the ``wrt``-free arguments of each sum and product replaced by one Dummy (kept in
    ``hidden``); the derivative of the result, with the Dummies put back, is the derivative of ``expr``."""
    if not expr.args or not expr.has(wrt):
        return expr
    args = [_fold_constants(a, wrt, hidden) for a in expr.args]
    if expr.is_Add or expr.is_Mul:
        const = [a for a in args if not a.has(wrt)]
        if len(const) > 1:
            dummy = sympy.Dummy("c", real=True)
            hidden[dummy] = expr.func(*const)
            args = [dummy, *(a for a in args if a.has(wrt))]
    return expr.func(*args) if args != list(expr.args) else expr


def _value(expr: sympy.Expr, point: dict[sympy.Symbol, sympy.Float]) -> complex | None:
    try:
        value = complex(expr.xreplace(point).evalf(_DIGITS))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if value != value or abs(value) == float("inf") or abs(value.imag) > 1e-9 * max(1.0, abs(value)):
        return None
    return value


def random_points(symbols: Iterable[sympy.Symbol], seed: str, count: int = 40):
    """Deterministic pseudo-random real points (dicts symbol -> Float) of several magnitudes."""
    rng = random.Random(seed)
    symbols = sorted(symbols, key=lambda s: s.name)
    for i in range(count):
        scale = _SCALES[i % len(_SCALES)]
        yield {s: sympy.Float(rng.uniform(-scale, scale) if i % 2 else rng.uniform(0.05, scale), _DIGITS)
               for s in symbols}


def numerically_equal(a: sympy.Expr, b: sympy.Expr, *, need: int = 3, seed: str = "",
                      domain: sympy.Expr | None = None) -> bool | None:
    """True/False from ``need`` random real points where both sides (and ``domain``, the expression
    whose derivative is compared, when given) are finite and real; None if no such point is found."""
    (a, b, domain), _ = realify((a, b, sympy.S.Zero if domain is None else domain))
    symbols = a.free_symbols | b.free_symbols | domain.free_symbols
    if not symbols:
        need = 1
    found = 0
    for point in random_points(symbols, seed or sympy.srepr(a - b)):
        va, vb = _value(a, point), _value(b, point)
        if va is None or vb is None or _value(domain, point) is None:
            continue
        if abs(va - vb) > _TOL * max(1.0, abs(va), abs(vb)):
            return False
        found += 1
        if found >= need:
            return True
    return None


def equal(a: sympy.Expr, b: sympy.Expr, domain: sympy.Expr | None = None) -> bool:
    """Whether ``a == b`` as real functions (where ``domain`` is real): structurally, by expansion,
    at random points, or by sympy.simplify when no point of the domain is found."""
    (a, b), _ = realify((a, b))
    difference = a - b
    if difference == 0 or (expandable(difference) and sympy.expand(difference) == 0):
        return True
    verdict = numerically_equal(a, b, domain=domain)
    if verdict is not None:
        return verdict
    if not simplifiable(difference):
        raise BudgetError(f"cannot check {_short(a)} = {_short(b)}: no point of its domain was found "
                          "and it is too large to simplify")
    return sympy.simplify(difference) == 0


def _short(expr: sympy.Expr, width: int = 60) -> str:
    text = sympy.sstr(expr, order="none")
    return text if len(text) <= width else text[:width - 1] + "…"
