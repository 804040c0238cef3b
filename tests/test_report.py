"""Renderers and the homework write-up: content, determinism, LaTeX that compiles, notebook reprs."""
from __future__ import annotations

import json
from types import SimpleNamespace

import sympy
from sympy import cos, sin

from pdflatex import assert_compiles
from symgd.explain.check import check
from symgd.explain.graphview import graph
from symgd.explain.steps import steps
from symgd.report.derivation import render_derivation, render_gradient
from symgd.report.writeup import Problem, history_rows, render_solve

x, y = sympy.symbols("x y")
F = sin(x ** 2 + y ** 2)


def _writeup(fmt: str) -> str:
    start = {"x": 1.5, "y": 1.0}
    problem = Problem("sin(x^2 + y^2)", F, (x, y), start, ("x^2 read as x**2",), {"lr": 0.01})
    history = [(0, {"x": 1.5, "y": 1.0}, 0.0, 4.2), (10, (1.6, 1.1), -0.5, 2.0)]
    result = SimpleNamespace(x={"x": 1.7, "y": 1.1}, fun=-1.0, grad_norm=1e-9, nit=42, converged=True,
                             message="converged: gradient norm below 1e-08")
    return render_solve(problem, steps(F), graph(F, at=start), history, result, fmt)


def test_markdown_writeup_has_every_section_and_is_deterministic():
    text = _writeup("markdown")
    for part in ("## Problem", "## Derivatives", "## Graph at the start point", "## Descent", "## Result",
                 "chain rule", "\\nabla f(x, y)", "| 10 |", "converged"):
        assert part in text
    assert text == _writeup("markdown")
    assert text.count("$") % 2 == 0


def test_text_writeup():
    text = _writeup("text")
    assert "Derivatives" in text and "gradient (the inputs' adjoints)" in text and "Result:" in text


def test_latex_writeup_compiles(tmp_path):
    tex = _writeup("latex")
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert_compiles(tex, tmp_path)


def test_history_rows_accept_records_and_tuples():
    rec = SimpleNamespace(step=3, x={"x": 1.0, "y": 2.0}, value=0.5, grad_norm=0.1)
    rows = history_rows([rec, (4, [1.5, 2.5], 0.25, 0.05)], (x, y))
    assert [r.point for r in rows] == [(1.0, 2.0), (1.5, 2.5)]


def test_derivation_formats():
    d = steps(x ** 2 * sin(x), "x")
    data = json.loads(render_derivation(d, "json"))
    assert data["steps"][0]["rule"] == "product rule"
    assert data["result"] == sympy.sstr(d.result)
    assert sympy.simplify(d.result - sympy.diff(x ** 2 * sin(x), x)) == 0
    assert "\\item \\textbf{product rule}" in render_derivation(d, "latex")
    assert "**product rule**" in render_derivation(d, "markdown")
    g = steps(x * y)
    assert "∇f(x, y) = (y, x)" in render_gradient(g, "text")


def test_jupyter_reprs():
    d = steps(cos(x) / x, "x")
    assert d._repr_latex_().startswith("$$") and "quotient rule" in d._repr_latex_()
    assert "**quotient rule**" in d._repr_markdown_()
    r = check(x ** 2, "x", 2 * x)
    assert r._repr_markdown_().startswith("**correct**")
    assert "\\checkmark" in r._repr_latex_()
    view = graph(x * y, at={"x": 1, "y": 2})
    assert "| $x$ |" in view._repr_markdown_() and "tabular" in view._repr_latex_()
