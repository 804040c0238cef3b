"""One numba loop writer, over samples or over indices.

A data program's loop (``sample_loop``: Σe and Σ∂e/∂θ over the bound samples) and an indexed sum's
(``indexed_loops``: one sum over i, its adjoints scattered into the windows' gradient slots) are one
loop: inside ``for _i in range(bounds)``, the per-element reads, the forward and adjoint lines of one
graph program, then the value accumulated and each adjoint accumulated into its gradient (a scalar or
an array slot). The callers say only what differs: the bounds, how an element is read, where each
adjoint goes, how expressions print. The lines are scalar Python for numba: no array temporaries.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy

from symgd.calculus.graph import build_graph
from symgd.codegen.ir import Program, program_from_graph


def element_program(expr: sympy.Expr, inputs: tuple, value: bool = True, grads: bool = True) -> Program:
    """The graph program of one element's ``expr``, pruned to its value and/or its adjoints in
    ``inputs`` (outputs in that order)."""
    program, out, adjoints = program_from_graph(build_graph(expr, inputs, stable=True))
    return program.prune(((out,) if value else ()) + (tuple(adjoints) if grads else ()))


@dataclass(frozen=True)
class Into:
    """One line after the element's program: ``target op text``; "+=" accumulates the value or a
    gradient, "=" names an adjoint that several gradients then share (a data block's)."""

    target: str
    text: str
    op: str = "+="


def element_loop(bounds: str, reads: Iterable[str], body: Iterable[str], sums: Iterable[Into],
                 ind: str = "") -> list[str]:
    """``for _i in range(bounds):`` and, one level in: the element's reads, the program's lines, the
    accumulations; each line prefixed by ``ind``."""
    inner = ind + "    "
    return [f"{ind}for _i in range({bounds}):", *(inner + line for line in (*reads, *body)),
            *(f"{inner}{s.target} {s.op} {s.text}" for s in sums)]
