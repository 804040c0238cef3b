"""SymPy's canonical Pow, Mul and Add, built without assumption queries that cannot change them.

Evaluating ``Pow(s, k)`` for a symbolic sum ``s`` reaches ``Add._eval_power``, which asks each term
of a two-term sum ``is_infinite``. On fresh symbols that query walks SymPy's whole assumption system
(1-4 ms: about 80% of the time to parse an unrolled Rosenbrock sum, 3 ms a term), and SymPy repeats
it whenever ``Mul`` or ``Add`` rebuild that power (``100*(x1 - x0^2)^2`` inside a sum rebuilds it
twice). Yet ``_eval_power`` answers only for a term carrying a literal ``I``: without one, the
evaluated power is exactly the unevaluated one (the branches of ``Pow.__new__`` before it need a
number base, a non-atomic exponent or an exponent 0 or 1). The builders here take that shortcut for
such "plain" powers and hand everything else to SymPy itself, so every result is the object SymPy
would build (``tests/test_parse_construct.py`` checks them against SymPy's own construction).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import sympy
from sympy.core.add import _addsort
from sympy.core.mul import _mulsort

_I = sympy.I


def _plain_base(base: sympy.Expr, exponent: sympy.Expr) -> bool:
    """A symbolic sum with no literal ``I`` term, under an exponent other than 0 and 1."""
    return base.is_Add and exponent not in (0, 1) and not base.is_number \
        and not any(t is _I or (t.is_Mul and _I in t.args) for t in base.args)


def power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    """``sympy.Pow(base, exponent)``; plain powers skip the evaluation that cannot change them."""
    if exponent.is_Rational and _plain_base(base, exponent):
        return sympy.Pow(base, exponent, evaluate=False)
    return sympy.Pow(base, exponent)


def _finite_number(c: sympy.Expr) -> bool:
    """A rational or a finite Float (not nan, oo, zoo: numbers that Add and Mul treat specially)."""
    return c.is_Rational or c.is_Float and math.isfinite(float(c))


def _plain_coefficient(c: sympy.Expr) -> bool:
    """A finite number other than 0 and 1 (Mul keeps it as the first factor, untouched)."""
    if c.is_Rational:
        return c is not sympy.S.Zero and c is not sympy.S.One
    return c.is_Float and not c.is_zero and math.isfinite(float(c))


def _single_factor(s: sympy.Expr) -> bool:
    """A symbol, a rational power of one, or a plain power: Mul.flatten leaves such a factor as is."""
    return s.is_Symbol or s.is_Pow and s.exp.is_Rational and (s.base.is_Symbol or _plain_base(s.base, s.exp))


def scaled(c: sympy.Expr, s: sympy.Expr) -> sympy.Expr:
    """``sympy.Mul(c, s)`` for a number ``c``: ``(c, s)`` as they stand when ``s`` is a single factor.

    Mul.flatten would take a power apart and rebuild it (the same power) before putting the
    coefficient first; nothing else applies to one such factor with a finite coefficient.
    """
    if _plain_coefficient(c) and _single_factor(s):
        return _mul_from((c, s))
    return product([c, s])


def _mul_from(args) -> sympy.Expr:
    return sympy.Mul._exec_constructor_postprocessors(sympy.Mul._from_args(args, True))


def _split(factors: Sequence[sympy.Expr]):
    """(numbers, single factors) of a product, or None where Mul.flatten could do more than collect
    them (a sum to distribute over, a repeated base whose exponents add, numeric powers, ...)."""
    numbers, singles, bases = [], [], set()
    for a in _flat(factors, lambda o: o.is_Mul):
        if a.is_Number:
            if not _finite_number(a):
                return None
            numbers.append(a)
            continue
        if not (_single_factor(a) and a.is_commutative):
            return None
        base = a.base if a.is_Pow else a
        if base in bases:
            return None
        bases.add(base)
        singles.append(a)
    return numbers, singles


def _flat(items: Sequence[sympy.Expr], nested: Callable[[sympy.Expr], bool]) -> list[sympy.Expr]:
    """``items`` with nested Muls (or Adds) expanded in the order flatten meets them: their args go to
    the end of the queue, so numbers combine in SymPy's order (Float arithmetic is not associative)."""
    seq, out, k = list(items), [], 0
    while k < len(seq):
        o = seq[k]
        k += 1
        if nested(o):
            seq.extend(o.args)
        else:
            out.append(o)
    return out


def product(factors: Sequence[sympy.Expr]) -> sympy.Expr:
    """``sympy.Mul(*factors)``: numbers times distinct symbols and powers (of symbols, or plain powers
    of sums) are collected and sorted as Mul.flatten does, without rebuilding the powers; any other
    product goes to ``sympy.Mul`` itself."""
    split = _split(factors) if len(factors) > 1 else None
    if split is None or not split[1]:
        return sympy.Mul(*factors)
    numbers, singles = split
    coeff = sympy.S.One
    for n in numbers:
        coeff *= n
    if coeff.is_zero:
        return sympy.Mul(*factors)
    _mulsort(singles)
    if coeff is not sympy.S.One:
        singles.insert(0, coeff)
    return _mul_from(singles)


def _simple_term(o: sympy.Expr) -> bool:
    """A term whose handling in Add.flatten is only "coefficient times the rest"."""
    return (o.is_Symbol or o.is_Mul or o.is_Pow or o.is_Function or o.is_NumberSymbol) \
        and o.is_commutative is True \
        and not o.is_Order


def total(terms: Sequence[sympy.Expr]) -> sympy.Expr:
    """``sympy.Add(*terms)``: SymPy's Add.flatten for numbers and simple terms (like terms merged,
    canonical order), rebuilding coefficient·term with :func:`scaled`; any other input goes to
    ``sympy.Add`` itself."""
    if sum(t is not sympy.S.Zero for t in terms) <= 2:  # Add drops zeros, then has a 2-term path
        return sympy.Add(*terms)
    seq = _flat(terms, lambda o: o.is_Add)
    if not all(_finite_number(o) if o.is_Number else _simple_term(o) for o in seq):
        return sympy.Add(*terms)
    coeff, collected = sympy.S.Zero, {}
    for o in seq:
        if o.is_Number:
            coeff += o
            continue
        if o.is_Pow and o.base.is_Number and (o.exp.is_Integer or o.exp.is_Rational and o.exp.is_negative):
            return sympy.Add(*terms)  # an unevaluated number power: SymPy evaluates it first
        c, s = o.as_coeff_Mul() if o.is_Mul else (sympy.S.One, o)
        collected[s] = collected[s] + c if s in collected else c
    newseq = []
    for s, c in collected.items():
        if c.is_zero:
            continue
        if c is sympy.S.One:
            newseq.append(s)
        elif s.is_Mul:
            newseq.append(s._new_rawargs(*((c,) + s.args)))
        elif s.is_Add:
            newseq.append(sympy.Mul(c, s, evaluate=False))
        else:
            newseq.append(scaled(c, s))
    _addsort(newseq)
    if coeff is not sympy.S.Zero:
        newseq.insert(0, coeff)
    return sympy.Add._exec_constructor_postprocessors(sympy.Add._from_args(newseq, True))
