"""The bounds check of the reduction loops: which read would fall outside its array for given sizes.

numba does not check bounds (and a negative index would wrap), so ``reduce_compile`` runs ``_check``
once per shape before the loops. Split from ``reduce_loops`` to keep each module under about 300 lines.
"""
from __future__ import annotations

import sympy

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


def check_source(tree: Tree) -> str:
    """``def _check(arrays..., sizes...)``: the number of the first read that would fall outside its
    array (or divide unevenly), -1 when none does. It loops only over the indices a read's position
    depends on (and those their bounds depend on), so it costs far less than the function."""
    w = _Writer("python")
    arrays = sorted((a for a, _ in tree.ndim), key=lambda s: s.name)
    lines = [f"def _check({', '.join([a.name for a in arrays] + [s.name for s in tree.sizes])}):"]
    for k, (read, chain) in enumerate(reads_in_scope(tree)):
        need = set().union(*(sympy.sympify(i).free_symbols for i in read.indices))
        for node in reversed(chain):  # inner bounds may name outer indices
            if node.index in need:
                need |= node.lower.free_symbols | node.upper.free_symbols
        ind = 1
        for node in chain:
            if node.index in need:
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
