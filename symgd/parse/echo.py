"""The interpretation echo: how the input was read, as text, LaTeX or JSON (returned, not printed).

``symgd parse`` prints it and ``symgd solve`` prints the text form first, so a user sees at once
that ``xy`` was one name or that ``1/2x`` was read as 1/(2x).
"""
from __future__ import annotations

import json
import textwrap

import sympy

from symgd.parse.program import Program

FORMATS = ("text", "latex", "json")


def _definition_head(name: str, params: tuple[sympy.Symbol, ...]) -> str:
    return f"{name}({', '.join(p.name for p in params)})" if params else name


def _definitions(program: Program) -> list[dict]:
    return [{"name": name, "params": [p.name for p in params],
             "expression": sympy.sstr(value), "latex": sympy.latex(value)}
            for name, (params, value) in program.definitions.items()]


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
    out = {
        "input": program.source,
        "expression": sympy.sstr(program.expr),
        "latex": sympy.latex(program.expr),
        "pretty": sympy.pretty(program.expr, use_unicode=True),
        "variables": [v.name for v in program.variables if v not in sizes],
        "definitions": _definitions(program),
        "notes": list(program.notes),
    }
    if sizes:
        out["sizes"] = sorted(s.name for s in sizes)
    return out


def _text(program: Program, width: int) -> str:
    data = echo_dict(program)
    lines = [f"input:       {' '.join(program.source.split())}",
             f"read as:     {data['expression']}",
             "pretty:", textwrap.indent(data["pretty"], "  "),
             f"latex:       {data['latex']}",
             f"variables:   {', '.join(data['variables']) or '(none)'}"]
    if data.get("sizes"):
        lines.append(f"sizes:       {', '.join(data['sizes'])}   (give them with --size or sizes=)")
    if program.definitions:
        lines.append("definitions:")
        for name, (params, value) in program.definitions.items():
            lines.append(f"  {_definition_head(name, params)} = {sympy.sstr(value)}")
    if program.notes:
        lines.append("notes:")
        for note in program.notes:
            lines.append(textwrap.fill(note, width, initial_indent="  - ",
                                       subsequent_indent="    "))
    return "\n".join(lines)


def _latex(program: Program) -> str:
    lines = [f"% input: {' '.join(program.source.split())}",
             f"% variables: {', '.join(echo_dict(program)['variables']) or '(none)'}"]
    lines += [f"% note: {note}" for note in program.notes]
    for name, (params, value) in program.definitions.items():
        head = sympy.latex(sympy.Function(name)(*params)) if params else sympy.latex(sympy.Symbol(name))
        lines.append(f"{head} = {sympy.latex(value)}")
    lines.append(sympy.latex(program.expr))
    return "\n".join(lines)


def format_echo(program: Program, fmt: str = "text", width: int = 88) -> str:
    """How ``program`` was read, in ``fmt`` ("text", "latex" or "json")."""
    if fmt == "text":
        return _text(program, width)
    if fmt == "latex":
        return _latex(program)
    if fmt == "json":
        return json.dumps(echo_dict(program), ensure_ascii=False, indent=2)
    raise ValueError(f"unknown echo format {fmt!r}; choose one of {', '.join(FORMATS)}")
