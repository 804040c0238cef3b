"""The interpretation echo: how the input was read, as text, LaTeX or JSON (returned, not printed).

``symgd parse`` prints it and ``symgd solve`` prints the text form first, so a user sees at once
that ``xy`` was one name or that ``1/2x`` was read as 1/(2x).
"""
from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from collections.abc import Callable

import sympy

from symgd.errors import BudgetError
from symgd.parse.program import Program
from symgd.parse.walk import fold

FORMATS = ("text", "latex", "json")

#: Terms x factors of the sums SymPy may sort for display, all printed expressions together. Its printers
#: order a sum's terms by dense exponent vectors over every base in the sum (``Expr.as_terms``): terms x
#: bases work per sum, so 12,000 names cost 12,000^2 (20 s, 2 GB). Past this, terms print in SymPy's
#: stored (canonical) order, which is linear.
MAX_SORT_WORK = 250_000
#: Nodes of all the expressions one command may print (about 3 s of SymPy's str printer; a Hessian
#: entry printed as a pretty matrix counts 10).
MAX_DISPLAY_SIZE = 500_000


def display_cost(*exprs: sympy.Basic) -> tuple[int, int]:
    """(tree size, sort work) of printing every one of ``exprs``: shared subexpressions count each time
    they are printed, but are measured once (memoised), so the cost of the count is linear."""
    memo: dict[sympy.Basic, tuple[int, int]] = {}

    def combine(node: sympy.Basic, values: tuple) -> tuple[int, int]:
        work = sum(v[1] for v in values)
        if node.is_Add:
            work += len(node.args) * sum(len(sympy.Mul.make_args(t)) for t in node.args)
        return 1 + sum(v[0] for v in values), work
    for expr in exprs:
        fold(expr, combine, memo)
    totals = [memo[e] for e in exprs]
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


def term_order(*exprs: sympy.Basic) -> str | None:
    """The printers' ``order`` for ``exprs``: None (SymPy's usual order, highest power first) or "none"
    (stored order, linear time) where sorting their sums would cost more than MAX_SORT_WORK."""
    return "none" if display_cost(*exprs)[1] > MAX_SORT_WORK else None


def check_display(*exprs: sympy.Basic, what: str, weight: int = 1, hint: str | None = None) -> None:
    """Raise BudgetError before printing ``exprs`` (named ``what``) would print more than MAX_DISPLAY_SIZE
    nodes (each counted ``weight`` times): a 1,000-name sum squared has a gradient of a million terms."""
    size = display_cost(*exprs)[0] * weight
    if size > MAX_DISPLAY_SIZE:
        raise BudgetError(f"{what} would print {size:,} terms and symbols (limit {MAX_DISPLAY_SIZE:,}): "
                          "too large to show", hint=hint)


def unsorted_note(order: str | None) -> list[str]:
    """The note that says the terms are shown unsorted (empty when they are sorted)."""
    return ["the terms are shown in SymPy's stored order: sorting a sum this long for display would "
            "take too long (the cost grows with the square of its length)"] if order else []


def _definition_head(name: str, params: tuple[sympy.Symbol, ...]) -> str:
    return f"{name}({', '.join(p.name for p in params)})" if params else name


def _definitions(program: Program, order: str | None) -> list[dict]:
    return [{"name": name, "params": [p.name for p in params],
             "expression": sympy.sstr(value, order=order), "latex": sympy.latex(value, order=order, ln_notation=True)}
            for name, (params, value) in program.definitions.items()]


def _order(program: Program) -> str | None:
    return term_order(program.expr, *(value for _, value in program.definitions.values()))


def size_symbols(expr: sympy.Expr) -> set:
    """Symbols that appear only in the bounds of sums (the n of sum(.., i, 0, n-1)): sizes, not variables."""
    sums = expr.atoms(sympy.Sum)
    if not sums:
        return set()
    bounds = set().union(*(sympy.Tuple(*limit[1:]).free_symbols for s in sums for limit in s.limits))
    bodies = expr.replace(lambda e: isinstance(e, sympy.Sum), lambda e: e.function)
    return bounds - bodies.free_symbols


def echo_dict(program: Program) -> dict:
    """The echo as a JSON-ready dict (keys: input, expression, latex, pretty, variables, sizes, ...)."""
    sizes = size_symbols(program.expr)
    order = _order(program)
    out = {
        "input": program.source,
        "expression": sympy.sstr(program.expr, order=order),
        "latex": sympy.latex(program.expr, order=order, ln_notation=True),
        "pretty": sympy.pretty(program.expr, use_unicode=True, order=order),
        "variables": [v.name for v in program.variables if v not in sizes],
        "definitions": _definitions(program, order),
        "notes": [*program.notes, *unsorted_note(order)],
    }
    if sizes:
        out["sizes"] = sorted(s.name for s in sizes)
    if program.derivative is not None:  # d/dx (...) typed first: the variables, in differentiation order
        out["derivative"] = list(program.derivative)
    return out


#: Notes of one kind shown in the text and LaTeX echo (JSON keeps every note): 12,000 names of two or
#: more letters are 12,000 notes that differ only in the name.
MAX_NOTES_PER_KIND = 5


def shown_notes(notes: list[str]) -> list[str]:
    """``notes`` with at most MAX_NOTES_PER_KIND of each kind (the same words once the `quoted` parts are
    removed), then one line saying how many more there are."""
    kinds = [re.sub(r"`[^`]*`", "``", note) for note in notes]
    total = Counter(kinds)
    seen: Counter = Counter()
    shown = []
    for note, kind in zip(notes, kinds):
        seen[kind] += 1
        if seen[kind] <= MAX_NOTES_PER_KIND:
            shown.append(note)
        if seen[kind] == MAX_NOTES_PER_KIND and total[kind] > MAX_NOTES_PER_KIND:
            shown.append(f"... and {total[kind] - MAX_NOTES_PER_KIND:,} more like the one above")
    return shown


def _text(program: Program, width: int, show: Callable | None = None, note: Callable | None = None) -> str:
    data = echo_dict(program)
    if show is not None:  # the CLI's Unicode math (symgd.report.mathtext, a later stage)
        data["expression"] = show(program.expr, order=_order(program))
        for definition, (_, value) in zip(data["definitions"], program.definitions.values()):
            definition["expression"] = show(value, order=_order(program))
    lines = [f"input:       {' '.join(program.source.split())}",
             f"read as:     {data['expression']}",
             "pretty:", textwrap.indent(data["pretty"], "  "),
             f"latex:       {data['latex']}",
             f"variables:   {', '.join(data['variables']) or '(none)'}"]
    if data.get("sizes"):
        lines.append(f"sizes:       {', '.join(data['sizes'])}   (give them with --size or sizes=)")
    if program.definitions:
        lines.append("definitions:")
        for name, definition in zip(program.definitions, data["definitions"]):
            lines.append(f"  {_definition_head(name, program.definitions[name][0])} = {definition['expression']}")
    if data["notes"]:
        lines.append("notes:")
        for text in shown_notes(data["notes"]):
            lines.append(textwrap.fill(note(text) if note else text, width, initial_indent="  - ",
                                       subsequent_indent="    "))
    return "\n".join(lines)


def _latex(program: Program) -> str:
    order = _order(program)
    sizes = size_symbols(program.expr)
    variables = [v.name for v in program.variables if v not in sizes]
    lines = [f"% input: {' '.join(program.source.split())}",
             f"% variables: {', '.join(variables) or '(none)'}"]
    lines += [f"% note: {note}" for note in shown_notes([*program.notes, *unsorted_note(order)])]
    for name, (params, value) in program.definitions.items():
        head = sympy.latex(sympy.Function(name)(*params)) if params else sympy.latex(sympy.Symbol(name))
        lines.append(f"{head} = {sympy.latex(value, order=order, ln_notation=True)}")
    lines.append(sympy.latex(program.expr, order=order, ln_notation=True))
    return "\n".join(lines)


def format_echo(program: Program, fmt: str = "text", width: int = 88, *, show: Callable | None = None,
                note: Callable | None = None) -> str:
    """How ``program`` was read, in ``fmt`` ("text", "latex" or "json"); in text, ``show(expr, order=)``
    and ``note(text)`` (when given) write the expressions and the notes (default: SymPy's strings)."""
    if fmt == "text":
        return _text(program, width, show, note)
    if fmt == "latex":
        return _latex(program)
    if fmt == "json":
        return json.dumps(echo_dict(program), ensure_ascii=False, indent=2)
    raise ValueError(f"unknown echo format {fmt!r}; choose one of {', '.join(FORMATS)}")
