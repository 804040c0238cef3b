"""Folding a deep graph picture into columns, so a chain of 15 functions fits a 16:9 slide.

Graphviz's ``dot`` puts each level of a top-to-bottom graph on its own rank, so a chain 15 levels deep is a
tall strip (1:3.7 with the fields of each node side by side) and left to right a wide one; ``dot`` has no
option that wraps ranks. Here each node's depth (longest path from an input) is taken modulo a band of
ranks, like text running on into the next column: depth d sits on rank d mod band, and an invisible chain
of anchors orders the ranks. The real edges then no longer set ranks (``constraint=false``); dot still
routes them and keeps the columns apart by its crossing minimisation.
"""
from __future__ import annotations

import math

#: A graph this many levels deep (or deeper) is also tried folded into 2 to 5 columns, in half steps (the last
#: column may be shorter); each band size tried is two Graphviz layouts to measure.
FOLD_DEPTH = 12
FOLD_COLUMNS = (2, 2.5, 3, 3.5, 4, 4.5, 5)


def depths(view) -> dict[str, int]:
    """Each node's depth: 0 for an input, else one more than its deepest input (nodes come in evaluation
    order)."""
    depth: dict[str, int] = {}
    for n in view.nodes:
        depth[n.name] = 1 + max((depth[k] for k in n.inputs), default=-1)
    return depth


def fold_ranks(view, band: int) -> dict[str, int] | None:
    """Each node's rank when depths are folded into ``band`` ranks, or None when an edge would join two
    nodes of one rank (an input used a band further down): dot loses such flat edges beside record nodes."""
    ranks = {name: d % band for name, d in depths(view).items()}
    if any(ranks[k] == ranks[n.name] for n in view.nodes for k in n.inputs):
        return None
    return ranks


def fold_bands(view) -> tuple[int, ...]:
    """The band sizes worth trying for ``view``: none for a graph less than FOLD_DEPTH levels deep, else
    the band size of each column count in FOLD_COLUMNS that folds without flat edges, longest first."""
    deepest = max(depths(view).values(), default=0)
    if deepest < FOLD_DEPTH:
        return ()
    bands = sorted({math.ceil((deepest + 1) / columns) for columns in FOLD_COLUMNS}, reverse=True)
    return tuple(b for b in bands if fold_ranks(view, b) is not None)


def fold_lines(view, band: int) -> list[str]:
    """DOT lines that put each node on its folded rank: the invisible anchors ``_r0 -> _r1 -> …`` and one
    ``rank=same`` group per rank."""
    ranks = fold_ranks(view, band) or {}
    lines = [f'  "_r{r}" [style=invis, shape=point, width=0];' for r in range(band)]
    lines += [f'  "_r{r}" -> "_r{r + 1}" [style=invis];' for r in range(band - 1)]
    for r in range(band):
        names = " ".join(f'"{name}";' for name, rank in ranks.items() if rank == r)
        lines.append(f'  {{ rank=same; "_r{r}"; {names} }}')
    return lines
