"""Checking that two expressions are equal: symbolically when cheap, else at random real points.

Every derivation step and every rewrite is checked through here as it is built, and answer checking
compares a student's answer with the same tool. Variables are real numbers in symgd, so the check
runs on real-valued copies of the symbols (``d|x|/dx`` is then ``sign(x)``, not an expression in re/im).
"""
from __future__ import annotations

import random
from collections.abc import Iterable

import sympy

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
    """``sympy.diff`` with every symbol treated as real, expressed in the original symbols."""
    (real_expr, real_wrt), mapping = realify((expr, wrt))
    back = {v: k for k, v in mapping.items()}
    return sympy.diff(real_expr, real_wrt).xreplace(back)


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
    if difference == 0 or sympy.expand(difference) == 0:
        return True
    verdict = numerically_equal(a, b, domain=domain)
    if verdict is not None:
        return verdict
    return sympy.simplify(difference) == 0
