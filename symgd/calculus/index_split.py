"""Sums over a ``where`` on the index alone, split at the condition; reads checked against lengths.

``sum(v[i]*where(i == 0, x[0], x[i]*y[i-1]), i, 0, n-1)`` reads ``y[-1]`` at i = 0 in the branch that
is never used there. ``split_index_conditions`` rewrites it as ``v[0]*x[0] + sum(v[i]*x[i]*y[i-1], i, 1,
n-1)``: each branch summed over the range where it holds, so no engine evaluates a branch outside it
(the one-index engines evaluate every branch of a ``where`` at every i). Conditions of the form
``i == c``, ``i != c``, ``i >= c``, ``i > c``, ``i <= c`` and ``i < c`` (c a whole number or an
expression in the sizes) are split; others stay as they are (both branches are then read everywhere).
``check_reads`` then refuses any read outside its array for given lengths and sizes, before a loop runs.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy

from symgd.calculus.indexed import IndexedProblem
from symgd.errors import CompileError

_FLIP = {sympy.Ge: sympy.Le, sympy.Gt: sympy.Lt, sympy.Le: sympy.Ge, sympy.Lt: sympy.Gt,
         sympy.Eq: sympy.Eq, sympy.Ne: sympy.Ne}

Range = tuple[sympy.Expr, sympy.Expr]


def split_index_conditions(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each one-index sum over a ``where`` on its index split into sums (and single
    terms) over the ranges where each branch holds; sizes are taken as whole numbers >= 1."""
    sums = [s for s in expr.atoms(sympy.Sum) if len(s.limits) == 1 and not s.function.has(sympy.Sum)]
    return expr.xreplace({s: _split(s.function, *s.limits[0]) for s in sums})


def _split(body: sympy.Expr, i: sympy.Symbol, lo: sympy.Expr, hi: sympy.Expr) -> sympy.Expr:
    body = sympy.piecewise_fold(body)
    if body == 0:
        return sympy.S.Zero
    if not isinstance(body, sympy.Piecewise) or len(body.args) < 2:
        return sympy.Sum(body, (i, lo, hi))
    (first, cond), rest = body.args[0], body.args[1:]
    other = rest[0].expr if rest[0].cond == sympy.true else sympy.Piecewise(*rest)
    ranges = _ranges(cond, i, lo, hi)
    if ranges is None:  # not a condition on the index alone: the engines evaluate it per element
        return sympy.Sum(body, (i, lo, hi))
    held, failed = ranges
    return sympy.Add(*[_piece(first, i, r) for r in held], *[_piece(other, i, r) for r in failed])


def _piece(body: sympy.Expr, i: sympy.Symbol, r: Range) -> sympy.Expr:
    a, b = r
    return body.subs(i, a) if sympy.expand(b - a) == 0 else _split(body, i, a, b)


def _decide(claim: sympy.Basic, sizes: set) -> bool | None:
    """True or False when ``claim`` holds or fails for every whole size >= 1, else None."""
    whole = {s: sympy.Dummy(s.name, integer=True, positive=True) for s in sizes}
    value = claim.xreplace(whole) if isinstance(claim, sympy.Basic) else claim
    return bool(value) if value in (sympy.true, sympy.false) else None


def _normal(cond: sympy.Basic, i: sympy.Symbol, sizes: set) -> tuple[type, sympy.Expr] | None:
    """``cond`` as (relation, c) meaning ``i <relation> c``, or None when it is not of that form."""
    if type(cond) not in _FLIP or not cond.free_symbols <= sizes | {i} or cond.has(sympy.Indexed):
        return None
    d = sympy.expand(cond.lhs - cond.rhs)
    a = d.coeff(i)
    if a not in (1, -1) or (d - a * i).has(i):
        return None
    c = sympy.expand(-(d - a * i) / a)
    if _decide(sympy.Eq(c, sympy.floor(c)), sizes) is not True:
        return None
    return (type(cond) if a == 1 else _FLIP[type(cond)]), c


def _ranges(cond: sympy.Basic, i: sympy.Symbol, lo: sympy.Expr, hi: sympy.Expr):
    """(ranges where ``cond`` holds, ranges where it fails) over lo..hi, or None when undecided."""
    sizes = (lo.free_symbols | hi.free_symbols) - {i}
    normal = _normal(cond, i, sizes)
    if normal is None:
        return None
    rel, c = normal
    if rel in (sympy.Le, sympy.Lt, sympy.Ne):  # the complement of >, >=, ==
        inverse = {sympy.Le: sympy.Gt, sympy.Lt: sympy.Ge, sympy.Ne: sympy.Eq}[rel]
        parts = _ranges(inverse(i, c), i, lo, hi)
        return None if parts is None else (parts[1], parts[0])
    if rel is sympy.Gt:
        rel, c = sympy.Ge, c + 1
    whole = [(lo, hi)]
    if rel is sympy.Ge:  # split as lo..c-1 and c..hi, each maybe empty, when lo <= c <= hi + 1
        if _decide(sympy.Le(c, lo), sizes):
            return whole, []
        if _decide(sympy.Gt(c, hi), sizes):
            return [], whole
        if not _decide(sympy.And(sympy.Ge(c, lo), sympy.Le(c, hi + 1)), sizes):
            return None
        return [(c, hi)], _nonempty([(lo, c - 1)], sizes)
    if _decide(sympy.Or(sympy.Lt(c, lo), sympy.Gt(c, hi)), sizes):  # never true in the range
        return [], whole
    if not _decide(sympy.And(sympy.Ge(c, lo), sympy.Le(c, hi)), sizes):
        return None
    return [(c, c)], _nonempty([(lo, c - 1), (c + 1, hi)], sizes)


def _nonempty(ranges: list[Range], sizes: set) -> list[Range]:
    return [(a, b) for a, b in ranges if _decide(sympy.Lt(b, a), sizes) is not True]


def check_reads(problem: IndexedProblem, lengths: Mapping[str, int], sizes: Mapping[str, int]) -> None:
    """A CompileError when a read of ``problem`` (``indexed.analyse``: one-index sums and lone elements)
    falls outside its array for these ``lengths`` (array name -> length) and ``sizes`` (size name ->
    value); empty sums read nothing. Arrays not in ``lengths`` are not checked."""
    values = {s: sympy.Integer(sizes[s.name]) for s in problem.sizes if s.name in sizes}
    for t in problem.sums:
        lo, hi = (_whole(e.xreplace(values), t.index) for e in (t.lower, t.upper))
        if hi < lo:
            continue
        for w in t.windows:
            offset = _whole(sympy.sympify(w.offset).xreplace(values), t.index)
            for at in (lo, hi):  # affine reads: the extremes are at the ends of the range
                _inside(w.base.name, w.step * at + offset, lengths,
                        lambda: f"{w.base.name}[{w.step * t.index + w.offset}] at {t.index} = {at}")
    for _, base, idx in problem.elements:
        _inside(base.name, _whole(sympy.sympify(idx).xreplace(values), idx), lengths, lambda: f"{base.name}[{idx}]")


def _whole(e: sympy.Expr, what: object) -> int:
    if not e.is_Integer:
        raise CompileError(f"an index or bound ({e}, at {what}) is not a whole number for these sizes")
    return int(e)


def _inside(name: str, at: int, lengths: Mapping[str, int], read: Callable[[], str]) -> None:
    if name in lengths and not 0 <= at < lengths[name]:
        raise CompileError(f"{read()} reads {name}[{at}], outside {name}'s {lengths[name]} entries (0 to "
                           f"{lengths[name] - 1})",
                           hint="guard the read with where(i == ..., ..., ...) or shorten the sum's range")
