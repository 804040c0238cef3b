"""Renderers for an answer check (CheckResult): text, Markdown, inline LaTeX, JSON."""
from __future__ import annotations

import json

import sympy

from symgd.report.mathtext import math_text, rewrite_expressions, tex


def check_data(result) -> dict:
    """JSON-ready fields; expressions (and the message) as SymPy strings, machine-readable."""
    return {"correct": result.correct, "message": result.message, "expression": sympy.sstr(result.f),
            "wrt": result.wrt.name, "answer": sympy.sstr(result.answer), "expected": sympy.sstr(result.expected),
            "method": result.method, "rule": result.rule,
            "term": None if result.term is None else sympy.sstr(result.term)}


def render_check(result, fmt: str = "text", *, plain: bool = False) -> str:
    """``result`` as text (its message, expressions in Unicode math unless ``plain``), markdown,
    latex-inline or json."""
    if fmt == "text":
        return result.message if plain else rewrite_expressions(result.message, math_text)
    if fmt == "json":
        return json.dumps(check_data(result), indent=2)
    x = tex(result.wrt)
    verdict = "correct" if result.correct else "not correct"
    if fmt == "latex-inline":
        mark = "\\checkmark" if result.correct else "\\times"
        return (f"$${mark}\\quad {tex(result.answer)} \\;\\text{{vs}}\\; \\frac{{d}}{{d{x}}}\\left[{tex(result.f)}"
                f"\\right] = {tex(result.expected)}$$")
    if fmt == "markdown":
        message = rewrite_expressions(result.message, lambda e: f"${tex(e)}$")
        return (f"**{verdict}**: your answer ${tex(result.answer)}$; "
                f"$\\frac{{d}}{{d{x}}}\\left[{tex(result.f)}\\right] = {tex(result.expected)}$\n\n"
                f"{message.replace('*', chr(92) + '*')}\n")
    raise ValueError(f"unknown format {fmt!r}")
