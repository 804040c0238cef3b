"""The bounds check of the reduction loops: which read would fall outside its array for given sizes.

numba does not check bounds (and a negative index would wrap), so ``reduce_compile`` runs a check once
per shape before the loops. Two forms of one check, read by read in the same order:
- ``array_check_source``: NumPy over each read's index ranges at once (a grid, masked where a range
  depends on an outer index). Plain Python, so no numba compile: numba took 0.58 s to compile gmm's
  check loops, a sixth of its preparation. It gives up (-2) where a grid would pass ``GRID_LIMIT``.
- ``check_source``: the same as loops, compiled by numba where the grid would be too large.
Split from ``reduce_loops`` to keep each module under about 300 lines.
"""
from __future__ import annotations

import sympy

import numpy as np

from symgd.calculus.reduce_tree import Reduction, Tree
from symgd.codegen.indexed_sizes import _Writer
from symgd.codegen.indexed_sizes import int_text


def reads_in_scope(tree: Tree) -> list[tuple]:
    """Every read with the chain of reductions around it: [(read, (node, ...)), ...]."""
    found = [(r, ()) for r in tree.top.reads]

    def visit(node: Reduction, chain: tuple) -> None:
        chain = chain + (node,)
        found.extend((r, chain) for r in node.level.reads)
        for child in node.level.children:
            visit(child, chain)
    for node in tree.top.children:
        visit(node, ())
    return found


GRID_LIMIT = 1 << 22  # index points per read on the array path (int64 grids of 32 MB)
TOO_LARGE = -2  # array_check's answer where a read's grid would pass GRID_LIMIT


def _needed(read, chain: tuple) -> list:
    """The reductions whose indices the read's position depends on, and those their bounds name."""
    need = set().union(*(sympy.sympify(i).free_symbols for i in read.indices))
    for node in reversed(chain):  # inner bounds may name outer indices
        if node.index in need:
            need |= node.lower.free_symbols | node.upper.free_symbols
    return [node for node in chain if node.index in need]


def check_source(tree: Tree) -> str:
    """``def _check(arrays..., sizes...)``: the number of the first read that would fall outside its
    array (or divide unevenly), -1 when none does. It loops only over the indices a read's position
    depends on (and those their bounds depend on), so it costs far less than the function."""
    w = _Writer("python")
    arrays = sorted((a for a, _ in tree.ndim), key=lambda s: s.name)
    lines = [f"def _check({', '.join([a.name for a in arrays] + [s.name for s in tree.sizes])}):"]
    for k, (read, chain) in enumerate(reads_in_scope(tree)):
        ind = 1
        for node in _needed(read, chain):
            lo, hi = int_text(node.lower, w), int_text(node.upper + 1, w)
            lines.append("    " * ind + f"for {node.index.name} in range({lo}, {hi}):")
            ind += 1
        for axis, idx in enumerate(read.indices):
            num, den = sympy.fraction(sympy.together(sympy.sympify(idx)))
            if den != 1:
                lines.append("    " * ind + f"if ({w.index(sympy.expand(num))}) % {int(den)} != 0: return {k}")
            lines.append("    " * ind + f"_t = {int_text(idx, w)}")
            lines.append("    " * ind + f"if _t < 0 or _t >= {read.base.name}.shape[{axis}]: return {k}")
    lines.append("    return -1")
    return "\n".join(lines) + "\n"


def array_check_source(tree: Tree) -> str:
    """``def _check(arrays..., sizes...)`` with ``check_source``'s answers (or ``TOO_LARGE``), computed
    with NumPy: per read, each index it needs becomes an ``arange`` on an axis of its own over the
    range its bounds span, a mask keeps the points where every loop actually runs, and the read's
    positions are tested at the masked points at once."""
    w = _Writer("python")
    arrays = sorted((a for a, _ in tree.ndim), key=lambda s: s.name)
    lines = [f"def _check({', '.join([a.name for a in arrays] + [s.name for s in tree.sizes])}):"]
    for k, (read, chain) in enumerate(reads_in_scope(tree)):
        nodes = _needed(read, chain)
        put = lines.append
        put(f"    _m, _n = True, 1  # read {k}")
        put("    while True:")  # one pass; break: no point of these ranges runs the read
        for axis, node in enumerate(nodes):
            put(f"        _lo, _hi = {int_text(node.lower, w)}, {int_text(node.upper, w)}")
            put("        _s = _span(_lo, _hi, _m)")
            put("        if _s is None: break")
            put(f"        _n *= _s[1] - _s[0] + 1")
            put(f"        if _n > {GRID_LIMIT}: return {TOO_LARGE}")
            put(f"        {node.index.name} = _axis(_s, {axis}, {len(nodes)})")
            put(f"        _m = _m & ({node.index.name} >= _lo) & ({node.index.name} <= _hi)")
        for axis, idx in enumerate(read.indices):
            num, den = sympy.fraction(sympy.together(sympy.sympify(idx)))
            if den != 1:
                put(f"        if _np.any(_m & (({w.index(sympy.expand(num))}) % {int(den)} != 0)): return {k}")
            put(f"        _t = {int_text(idx, w)}")
            put(f"        if _np.any(_m & ((_t < 0) | (_t >= {read.base.name}.shape[{axis}]))): return {k}")
        put("        break")
    lines.append("    return -1")
    return "\n".join(lines) + "\n"


def _span(lo, hi, mask) -> tuple[int, int] | None:
    """The smallest lower and largest upper bound where the mask holds and the range is not empty."""
    lo, hi, mask = np.broadcast_arrays(lo, hi, mask)
    runs = mask & (lo <= hi)
    if not runs.any():
        return None
    return int(lo[runs].min()), int(hi[runs].max())


def _axis(span: tuple[int, int], axis: int, count: int) -> np.ndarray:
    """``arange`` over the span, laid along ``axis`` of ``count`` (so the indices broadcast to a grid)."""
    shape = [1] * count
    shape[axis] = span[1] - span[0] + 1
    return np.arange(span[0], span[1] + 1, dtype=np.int64).reshape(shape)


ARRAY_CHECK_HELPERS = {"_np": np, "_span": _span, "_axis": _axis}
