"""Checks before a descent allocates or runs anything: the memory budget and the start point.

The memory budget (``symgd.parse.budget.MEMORY_LIMIT``) bounds the start points and descent state of
many starts, the recorded history, and the vectors of an indexed sum; each is refused with the figure
and the limit before numpy is asked for the arrays. The start point is evaluated term by term
(``symgd.calculus.evaluate``), so a start outside the domain is a DomainError naming the term before
a generated loop computes in complex numbers or an exact power runs for minutes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from symgd.errors import DomainError
from symgd.optim.base import Optimizer
from symgd.parse import budget


def start_count(starts: Any) -> int:
    """How many start points ``starts`` (None, a count or an array of points) stands for."""
    if starts is None:
        return 1
    return int(starts) if isinstance(starts, (int, np.integer)) else int(np.shape(starts)[0] if np.ndim(starts) else 1)


def check_memory(starts: int, n: int, steps: int, record_every: int, opt: Optimizer) -> None:
    """Refuse, before anything is allocated, a run whose start points and descent state, or whose
    recorded history, would exceed the memory budget (``symgd.parse.budget.MEMORY_LIMIT``)."""
    slots = len(opt.rule.init) if opt.rule is not None else n  # newton: an n-by-n Hessian per start
    state = max(starts, 0) * n * budget.FLOAT_BYTES * (budget.STATE_COPIES + slots)
    budget.check_memory(state, f"{starts:,} start{'s' * (starts != 1)} of {n:,} variable{'s' * (n != 1)}",
                        "for the start points and their descent state", "use fewer starts")
    records = steps // record_every + 2
    budget.check_memory(budget.history_bytes(records, max(starts, 1), n),
                        f"a history of {records:,} records (steps={steps:,}, record_every={record_every:,})",
                        hint="record fewer iterates (a larger record_every, --record-every)")


def check_vector_memory(expr: sympy.Expr, x0: Any, sizes: Mapping[str, int] | None, steps: int,
                         every: int | None, opt: Optimizer) -> int:
    """Refuse vectors (with their gradient and optimizer state) over the memory budget, before anything
    is allocated; returns the record interval: ``every``, or by default about 1,000 records but never a
    history of more than a quarter of the budget (each record keeps a copy of the vectors)."""
    from symgd.optim.vector import vector_lengths
    lengths = vector_lengths(expr, budget.check_sizes(sizes))
    for name, value in (x0.items() if isinstance(x0, Mapping) else ()):
        if np.ndim(value):
            lengths[str(name)] = max(lengths.get(str(name), 0), int(np.size(value)))
    entries = sum(lengths.values())
    default = max(1, steps // 1000)
    if not entries:
        return every or default
    name = max(lengths, key=lengths.__getitem__)
    count = budget.format_count
    vector = f"the vector {name} ({count(lengths[name])} entries" + \
        (f", {count(entries)} in all)" if len(lengths) > 1 else ")")
    slots = len(opt.rule.init) if opt.rule is not None else 0
    per_copy = entries * budget.FLOAT_BYTES
    budget.check_memory(per_copy * (budget.STATE_COPIES + slots), vector, "with its gradient and optimizer state")
    if every is None:
        every = max(default, -(-steps // max(1, budget.MEMORY_LIMIT // (4 * per_copy) - 2)))
    every = int(every)
    records = steps // every + 2
    budget.check_memory(records * per_copy, f"a history of {records:,} copies of {vector[4:]}",
                        hint="record fewer iterates (a larger record_every, --record-every)")
    return every


def check_start(expr: sympy.Expr, variables: Sequence[sympy.Symbol], x: Sequence[float], *,
                gradient: bool = False, others: bool = False) -> None:
    """A DomainError naming the term when ``expr`` (and, with ``gradient``, its gradient) is undefined
    or beyond float64 at the start point ``x``; evaluated term by term, so ``x^x^x^x^x`` at 3 is an
    overflow, not an exact power computed for minutes (symgd.calculus.evaluate)."""
    from symgd.calculus.evaluate import value_of
    from symgd.calculus.stable import stabilize  # the form the generated code computes (issue 14)
    from symgd.optim.messages import point_text
    where = point_text([v.name for v in variables], x) + (" (and every other start)" if others else "")
    point = {v: float(value) for v, value in zip(variables, x)}
    try:
        value_of(stabilize(expr), point, "there")
    except DomainError as exc:
        raise DomainError(f"the start point {where} is outside the domain of the expression: {exc.message}",
                          hint="start somewhere the expression is defined (--at / x0)") from exc
    if not gradient:
        return
    from symgd.calculus.graph import build_graph
    try:
        build_graph(expr, variables, stable=True).evaluate({v.name: value for v, value in point.items()})
    except DomainError as exc:
        raise DomainError(f"the gradient is not defined at the start point {where}: {exc.message}",
                          hint="start somewhere else (--at / x0)") from exc
