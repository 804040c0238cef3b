"""Renderers for an answer check (CheckResult): text, Markdown, inline LaTeX, JSON."""
from __future__ import annotations

import json
import re

import sympy


def _readable(message: str) -> str:
    """The message's Python syntax (x**2*sin(x)) as written math (x^2·sin(x)): in Markdown ** and *
    would also turn into bold and italics."""
    return re.sub(r"(?<=[\w)])\*(?=[\w(])", "·", message.replace("**", "^"))


def check_data(result) -> dict:
    return {"correct": result.correct, "message": result.message, "expression": sympy.sstr(result.f),
            "wrt": result.wrt.name, "answer": sympy.sstr(result.answer), "expected": sympy.sstr(result.expected),
            "method": result.method, "rule": result.rule,
            "term": None if result.term is None else sympy.sstr(result.term)}


def render_check(result, fmt: str = "text") -> str:
    """``result`` as text (its message), markdown, latex-inline or json."""
    if fmt == "text":
        return result.message
    if fmt == "json":
        return json.dumps(check_data(result), indent=2)
    lat, x = sympy.latex, sympy.latex(result.wrt)
    verdict = "correct" if result.correct else "not correct"
    if fmt == "latex-inline":
        mark = "\\checkmark" if result.correct else "\\times"
        return (f"$${mark}\\quad {lat(result.answer)} \\;\\text{{vs}}\\; \\frac{{d}}{{d{x}}}\\left[{lat(result.f)}"
                f"\\right] = {lat(result.expected)}$$")
    if fmt == "markdown":
        return (f"**{verdict}**: your answer ${lat(result.answer)}$; "
                f"$\\frac{{d}}{{d{x}}}\\left[{lat(result.f)}\\right] = {lat(result.expected)}$\n\n"
                f"{_readable(result.message)}\n")
    raise ValueError(f"unknown format {fmt!r}")
