"""The composed step of a fused loop: the optimizer rule applied to the graph's gradient, as ONE expression
list that sympy's ``cse`` shares and simplifies, so the rule's arithmetic folds into the gradient's.

For ``sin(x²+y²)`` under gradient descent the graph gives ∂/∂x = 2x·cos(s); composed with x - lr·g and
factored, a step becomes ``k = 1 - 2lr·cos(x*x + y*y); x = x*k; y = y*k``: 7 float operations and one
call, against 11 and one when the gradient and the update are printed apart (the loop's main cost in
pure Python, where each operation is a bytecode dispatch). The gradient itself still comes from the one
graph (``Graph.gradient``); the loop evaluates the graph's gradient lines only at its check points.
"""
from __future__ import annotations

from collections.abc import Sequence

import sympy

from symgd.calculus.graph import Graph
from symgd.errors import CompileError
from symgd.codegen.printers import for_code
from symgd.codegen.rule import G, T, X, ElementwiseRule

#: Graphs with more nodes keep the separate gradient and update lines (the composed expressions are
#: rebuilt from the graph's adjoints, which is only cheap and safe for small graphs).
COMPOSE_LIMIT = 48
#: A composed step is used only when its operation count is at most this share of the separate one.
GAIN = 0.95


def per_step_symbols(exprs: Sequence[sympy.Expr]) -> dict[sympy.Expr, sympy.Symbol]:
    """Maximal subexpressions of the step number alone (bias corrections): computed once a step."""
    found: dict = {}
    for e in exprs:
        walk = sympy.preorder_traversal(e)
        for sub in walk:
            if sub.free_symbols == {T} and not sub.is_Atom:
                found.setdefault(sub, sympy.Symbol(f"_b{len(found)}"))
                walk.skip()
    return found


def composed_step(graph: Graph, rule: ElementwiseRule, xs: Sequence[str], printer,
                  separate_ops: int) -> list[str] | None:
    """Lines of one step (new slots and coordinates from the old ones) or None when the graph is too
    large or the composed form is not cheaper than ``separate_ops`` operations."""
    if not graph.inputs or len(graph.nodes) > COMPOSE_LIMIT:
        return None
    names = {v: sympy.Symbol(x) for v, x in zip(graph.inputs, xs)}
    grads = [g.xreplace(names) for g in graph.gradient()]
    slots = rule.slot_symbols()
    per_step = per_step_symbols([*rule.state_update, rule.x_update])
    targets, exprs = [], []
    for i, (x, g) in enumerate(zip(xs, grads)):
        sub = {X: sympy.Symbol(x), G: g, T: sympy.Symbol("_t")}
        sub.update({s: sympy.Symbol(f"_s{j}_{i}") for j, s in enumerate(slots)})
        targets += [f"_n{j}_{i}" for j in range(len(slots))]
        exprs += [e.xreplace(per_step).xreplace(sub) for e in rule.state_update]
    for i, x in enumerate(xs):
        # x_update reads the NEW slot values: the _n lines computed before it
        sub = {X: sympy.Symbol(x), G: grads[i], T: sympy.Symbol("_t")}
        sub.update({s: sympy.Symbol(f"_n{j}_{i}") for j, s in enumerate(slots)})
        targets.append(x)
        exprs.append(rule.x_update.xreplace(per_step).xreplace(sub))
    copies = [f"_s{j}_{i} = _n{j}_{i}" for i in range(len(xs)) for j in range(len(slots))]
    exprs = [for_code(e) for e in exprs]  # sec, coth, ... through the functions every backend has
    best = min((_shared(exprs), _shared([sympy.factor_terms(e) for e in exprs])), key=lambda c: c[0])
    if best[0] > GAIN * separate_ops:
        return None
    try:
        return _assignments(*best[1], targets, printer) + copies
    except CompileError:  # a function the printer lacks in this form: the separate lines print it
        return None


def _shared(exprs: list[sympy.Expr]) -> tuple[int, tuple]:
    temps, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("_c"), order="none")
    ops = sum(sympy.count_ops(e) for _, e in temps) + sum(sympy.count_ops(e) for e in reduced)
    return int(ops), (temps, reduced)


def _assignments(temps, reduced, targets: list[str], printer) -> list[str]:
    """Simultaneous assignment: a coordinate whose old value a later line still reads goes through a
    temporary (the new slot values ``_n…`` are fresh names that later lines read as new)."""
    lines = [f"{s.name} = {printer.doprint(e)}" for s, e in temps]
    later_reads = [set().union(*(e.free_symbols for e in reduced[k + 1:])) for k in range(len(reduced))]
    copies = []
    for k, (target, e) in enumerate(zip(targets, reduced)):
        if not target.startswith("_n") and sympy.Symbol(target) in later_reads[k]:
            lines.append(f"_new{k} = {printer.doprint(e)}")
            copies.append(f"{target} = _new{k}")
        else:
            lines.append(f"{target} = {printer.doprint(e)}")
    return lines + copies


def count_ops(lines_exprs: Sequence[sympy.Expr]) -> int:
    """Operation count of the separate gradient and update lines (the baseline a composed step must beat)."""
    return int(sum(sympy.count_ops(e) for e in lines_exprs))
