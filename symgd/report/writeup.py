"""The homework write-up of ``symgd solve``: problem, derivations, gradient, graph at the start point,
descent table, result — as text, Markdown (math in $…$) or a complete LaTeX document.

The CLI builds the pieces (``problem_from``, ``symgd.steps``, ``symgd.graph``, ``symgd.minimize``) and
calls ``render_solve``; the output depends only on its inputs (deterministic).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import re

import sympy

from symgd.parse.echo import term_order
from symgd.report.descent import SUMMARY_ROWS, Gap, summary_indices, tex_number
from symgd.report.derivation import render_gradient, tex_escape
from symgd.report.graph import render_graph
from symgd.report.mathtext import expression_printer, math_text, rewrite_expressions, tex

FORMATS = ("text", "markdown", "latex")


@dataclass(frozen=True)
class Problem:
    """The problem as read: the user's text, the expression, its variables, the start point, the
    parser's notes on how the text was read, and the settings of the descent (lr, steps, ...)."""

    source: str
    expr: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    start: Mapping[str, float]
    notes: tuple[str, ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryRow:
    """One line of the descent table."""

    step: int
    point: tuple[float, ...]
    value: float
    grad_norm: float


def history_rows(history: Sequence, variables: Sequence[sympy.Symbol]) -> tuple[HistoryRow, ...]:
    """Normalise a minimize history (records with step/x/value/grad_norm, or 4-tuples; x a dict or a
    sequence in variable order) into HistoryRows."""
    rows = []
    for item in history:
        if isinstance(item, HistoryRow):
            rows.append(item)
            continue
        step, x, value, norm = (item if isinstance(item, Sequence) else
                                (item.step, item.x, item.value, item.grad_norm))
        point = tuple(x[v.name] for v in variables) if isinstance(x, Mapping) else tuple(x)
        rows.append(HistoryRow(int(step), tuple(float(p) for p in point), float(value), float(norm)))
    return tuple(rows)


def _n(value: float, precision: int = 8) -> str:
    return f"{value:.{precision}g}"


def _t(value: float, precision: int = 8) -> str:
    """A number for math mode ($…$ in Markdown and LaTeX): 3.67 \\times 10^{-8}."""
    return tex_number(value, precision)


def _point_text(variables, point, num=_n) -> str:
    return ", ".join(f"{v.name} = {num(p)}" for v, p in zip(variables, point))


def _point_tex(variables, point) -> str:
    return ", ".join(f"{sympy.latex(v)} = {_t(p)}" for v, p in zip(variables, point))


_CODE = re.compile(r"`([^`]*)`")
_MATHLIKE = re.compile(r"[\w\s*+\-/^().]+")
#: The reading after "read as" in a parser note: a sympy string (x**2*sin(x)), not prose.
_READ_AS = re.compile(r"(?<=read as )([\w*·+\-/().^ ]+?)(?=$|[:;,]\s)")


def _math_span(span: str) -> str | None:
    """A reading (``2*x**2*sin(x)``) as $math$, or None when it is prose (two words side by side) or
    not an expression the language reads."""
    span = span.replace("·", "*").replace("^", "**")
    if not _MATHLIKE.fullmatch(span) or re.search(r"\w\s+\w", span) or span.strip().isidentifier():
        return None
    from symgd.errors import SymgdError
    from symgd.parse import parse  # symgd's own grammar: a note holds user text, never handed to eval
    try:
        return f"${tex(parse(span))}$"
    except SymgdError:  # anything the language cannot read stays prose
        return None


def _typed_tex(span: str) -> str:
    """What the user typed (a `code` span) as typewriter text, Python's ** shown as ^."""
    return f"\\texttt{{{tex_escape(span.replace('**', '^'))}}}"


def _prose(text: str, escape) -> str:
    """Prose of a note with its "read as EXPR" reading, and any other SymPy string in it, as $math$."""
    parts = _READ_AS.split(text)
    return "".join((_math_span(p) or escape(p)) if i % 2 else rewrite_expressions(p, _dollars, escape)
                   for i, p in enumerate(parts))


def _dollars(expr: sympy.Expr) -> str:
    return f"${tex(expr)}$"


def note_text(note: str) -> str:
    """A reading note for the terminal: what was typed stays in `backticks`, the reading is Unicode math
    (`2xy` read as 2x y, not 2*x*y)."""
    parts = _CODE.split(note)
    return "".join(f"`{p}`" if i % 2 else rewrite_expressions(p, math_text) for i, p in enumerate(parts))


def note_tex(note: str) -> str:
    """A reading note for LaTeX: what was typed in typewriter (no backticks), the reading as math (no x**2)."""
    parts = _CODE.split(note)
    return "".join(_typed_tex(p) if i % 2 else _prose(p, tex_escape) for i, p in enumerate(parts))


def note_markdown(note: str) -> str:
    """A reading note for Markdown: `what was typed` stays code, the reading becomes $math$."""
    parts = _CODE.split(note)
    return "".join(f"`{p}`" if i % 2 else _prose(p, str) for i, p in enumerate(parts))


def _result_point(problem: Problem, result) -> tuple[float, ...]:
    x = result.x
    return tuple(float(x[v.name]) for v in problem.variables) if isinstance(x, Mapping) else tuple(x)


def _text(problem, derivations, view, rows, result, plain: bool = False) -> str:
    vs = problem.variables
    out = [f"Problem: minimize f({', '.join(v.name for v in vs)}) = {expression_printer(plain)(problem.expr)}",
           f"  as typed: {problem.source}"]
    out += [f"  note: {n if plain else note_text(n)}" for n in problem.notes]
    out += [f"  start: {_point_text(vs, [problem.start[v.name] for v in vs])}"]
    out += [f"  {k}: {v}" for k, v in problem.settings.items()]
    out += ["", "Derivatives", _derivatives(problem, derivations, "text", plain), "", "Graph at the start point",
            render_graph(view, "text", plain=plain) if view is not None else "(not shown)", "", "Descent",
            f"{'step':>8}  {'point':<40}  {'f':>16}  {'|grad f|':>12}"]
    out += [f"{'…':>8}  {r.label()}" if isinstance(r, Gap) else
            f"{r.step:>8}  {_point_text(vs, r.point):<40}  {_n(r.value, 10):>16}  {_n(r.grad_norm, 4):>12}"
            for r in rows]
    out += ["", f"Result: {_point_text(vs, _result_point(problem, result))}, f = {_n(result.fun, 12)}, "
                f"|grad f| = {_n(result.grad_norm, 4)} after {result.nit} steps", f"  {result.message}"]
    return "\n".join(out) + "\n"


def _markdown(problem, derivations, view, rows, result) -> str:
    vs, lat = problem.variables, tex
    names = ", ".join(v.name for v in vs)
    out = ["# Minimizing $f(" + names + ") = " + lat(problem.expr) + "$", "", "## Problem", "",
           f"- as typed: `{problem.source}`", f"- read as: $f({names}) = {lat(problem.expr)}$"]
    out += [f"- note: {note_markdown(n)}" for n in problem.notes]
    out += [f"- start: ${_point_tex(vs, [problem.start[v.name] for v in vs])}$"]
    out += [f"- {k}: {v}" for k, v in problem.settings.items()]
    out += ["", "## Derivatives", "", _derivatives(problem, derivations, "markdown"), "## Graph at the start point", "",
            render_graph(view, "markdown") if view is not None else "(not shown)", "", "## Descent", "",
            "| step | point | $f$ | $\\lVert\\nabla f\\rVert$ |", "|---:|---|---:|---:|"]
    out += [f"| … | {r.label()} | | |" if isinstance(r, Gap) else
            f"| {r.step} | ${_point_tex(vs, r.point)}$ | ${_t(r.value, 10)}$ | ${_t(r.grad_norm, 4)}$ |" for r in rows]
    out += ["", "## Result", "", f"- point: ${_point_tex(vs, _result_point(problem, result))}$",
            f"- $f = {_t(result.fun, 12)}$, $\\lVert\\nabla f\\rVert = {_t(result.grad_norm, 4)}$ after "
            f"{result.nit} steps", f"- {result.message}"]
    return "\n".join(out) + "\n"


_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\usepackage{longtable}
\usepackage[margin=2cm,landscape]{geometry}
\setlength{\parindent}{0pt}
\begin{document}
"""


def latex_document(body: str) -> str:
    """``body`` (a LaTeX fragment, e.g. ``steps --format latex``) as a document that compiles alone."""
    return _PREAMBLE + body.rstrip("\n") + "\n\\end{document}\n"


#: A descent table that breaks across pages, its header repeated on each.
_LONGTABLE_HEAD = ("\\begin{longtable}{rlrr}\n\\hline\nstep & point & $f$ & $\\lVert\\nabla f\\rVert$ \\\\\n"
                   "\\hline\n\\endhead")


def _gap_tex(gap: Gap) -> str:
    """A "…" row's words for LaTeX: the option in typewriter, so -- stays two hyphens."""
    words = tex_escape(gap.label().lstrip("… "))
    return words.replace("--full-table", "\\texttt{-{}-full-table}")


def _latex(problem, derivations, view, rows, result) -> str:
    vs, lat = problem.variables, tex
    names = ", ".join(v.name for v in vs)
    out = [_PREAMBLE, f"\\section*{{Minimizing $f({names}) = {lat(problem.expr)}$}}", "\\subsection*{Problem}",
           f"As typed: \\texttt{{{tex_escape(problem.source)}}}\\\\",
           f"Read as: $f({names}) = {lat(problem.expr)}$\\\\"]
    out += [f"Note: {note_tex(n)}\\\\" for n in problem.notes]
    out += [f"Start: ${_point_tex(vs, [problem.start[v.name] for v in vs])}$\\\\"]
    out += [f"{tex_escape(str(k))}: {tex_escape(str(v))}\\\\" for k, v in problem.settings.items()]
    out += ["\\subsection*{Derivatives}", _derivatives(problem, derivations, "latex"),
            "\\subsection*{Graph at the start point}",
            ("{\\small\n" + render_graph(view, "latex") + "}") if view is not None else "(not shown)",
            "\\subsection*{Descent}", _LONGTABLE_HEAD]
    out += [f"\\multicolumn{{4}}{{l}}{{\\dots\\ {_gap_tex(r)}}} \\\\" if isinstance(r, Gap)
            else f"{r.step} & ${_point_tex(vs, r.point)}$ & ${_t(r.value, 10)}$ & ${_t(r.grad_norm, 4)}$ \\\\"
            for r in rows]
    out += ["\\hline", "\\end{longtable}", "\\subsection*{Result}",
            f"${_point_tex(vs, _result_point(problem, result))}$, $f = {_t(result.fun, 12)}$, "
            f"$\\lVert\\nabla f\\rVert = {_t(result.grad_norm, 4)}$ after {result.nit} steps. "
            f"{tex_escape(result.message)}", "\\end{document}"]
    return "\n".join(out) + "\n"


def _derivatives(problem: Problem, derivations, fmt: str, plain: bool = False) -> str:
    """Every partial's derivation, or (``derivations`` None: too large to explain) the gradient alone."""
    if derivations is not None:
        return render_gradient(derivations, fmt, plain=plain)
    variables, grad = _gradient_lines(problem.expr, None)
    order = term_order(*grad)
    why = "The derivation is too large to show step by step; the gradient by reverse mode:"
    if fmt == "text":
        show = expression_printer(plain)
        return "\n".join([why, *(f"∂f/∂{v.name} = {show(e, order=order)}" for v, e in zip(variables, grad))])
    rows = " \\\\ ".join(f"\\frac{{\\partial f}}{{\\partial {sympy.latex(v)}}} &= {tex(e, order=order)}"
                        for v, e in zip(variables, grad))
    math = f"\\begin{{aligned}} {rows} \\end{{aligned}}"
    return f"{why}\n\n" + (f"$${math}$$\n" if fmt == "markdown" else f"\\[ {math} \\]\n")


def render_solve(problem: Problem, derivations, graph_view, history, result, fmt: str = "markdown", *,
                 full_table: bool = False, plain: bool = False) -> str:
    """The complete write-up of a solve in ``fmt`` ("text", "markdown" or "latex": a full document).

    ``derivations``: ``symgd.steps(expr)`` (a GradientDerivation), or None where it is too large to
    explain (``explained_steps``: the gradient is shown alone); ``graph_view``: ``symgd.graph(expr,
    at=start)`` or None; ``history``: the minimize history (see ``history_rows``); ``result``: anything
    with ``.x``, ``.fun``, ``.grad_norm``, ``.nit``, ``.message`` (a MinimizeResult). The descent
    table is summarised (first rows, every k-th, last rows) unless ``full_table``. Text writes expressions
    as Unicode math (x² sin(x)), or as SymPy writes them when ``plain``.
    """
    every = history_rows(history, problem.variables)
    rows = [item if isinstance(item, Gap) else every[item]
            for item in summary_indices(len(every), None if full_table else SUMMARY_ROWS)]
    render = {"text": _text, "markdown": _markdown, "latex": _latex}.get(fmt)
    if render is None:
        raise ValueError(f"unknown write-up format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "text":
        return _text(problem, derivations, graph_view, rows, result, plain)
    return render(problem, derivations, graph_view, rows, result)


def problem_from(f: str | sympy.Expr, start: Mapping[str, float], settings: Mapping[str, object] | None = None
                 ) -> Problem:
    """A Problem from the user's text (parsed, with the parser's notes) or an expression."""
    from symgd.calculus.variables import ordered_variables
    if isinstance(f, str):
        from symgd.parse import parse_program
        program = parse_program(f)
        expr, source, notes = program.expr, f, tuple(program.notes)
    else:
        expr, source, notes = sympy.sympify(f), sympy.sstr(f), ()
    variables = ordered_variables(expr)
    return Problem(source, expr, variables, dict(start), notes, dict(settings or {}))


def explained_steps(expr: sympy.Expr):
    """``symgd.steps(expr)`` (a GradientDerivation) when its step-by-step derivation fits the step budget,
    else None: a write-up then shows the gradient alone (``symgd.gradient``, linear in the expression)."""
    from symgd.calculus.variables import ordered_variables
    from symgd.explain.budget import MAX_STEP_WORK, step_work
    from symgd.explain.steps import steps
    if step_work(expr, ordered_variables(expr)) > MAX_STEP_WORK:
        return None
    return steps(expr)


def _gradient_lines(expr: sympy.Expr, derivations) -> tuple[tuple[sympy.Symbol, ...], tuple[sympy.Expr, ...]]:
    """The variables and the gradient: simplified by the derivations where there are any."""
    if derivations is not None:
        return derivations.variables, derivations.gradient
    from symgd.calculus.gradient import gradient
    from symgd.calculus.variables import ordered_variables
    variables = ordered_variables(expr)
    return variables, gradient(expr, variables)


def solve_explanation(f: str | sympy.Expr, start: Mapping[str, float], fmt: str = "text", *,
                      plain: bool = False) -> str:
    """What ``symgd solve`` shows before descending: the gradient vector and the chain-rule graph at
    the start point, in "text" (Unicode math, or SymPy's strings when ``plain``) or "markdown"."""
    from symgd.parse import parse
    from symgd.explain.graphview import graph
    expr = parse(f)
    variables, grad = _gradient_lines(expr, explained_steps(expr))
    order = term_order(*grad)  # long sums print unsorted: sorting costs their square
    names = ", ".join(v.name for v in variables)
    if fmt == "markdown":
        vector = ", ".join(tex(e, order=order) for e in grad)
        head = f"$\\nabla f({names}) = \\left({vector}\\right)$\n"
    else:
        show = expression_printer(plain)
        head = "\n".join(f"∂f/∂{v.name} = {show(e, order=order)}" for v, e in zip(variables, grad))
        return head + "\n\n" + render_graph(graph(f, at=dict(start)), fmt, plain=plain)
    return head + "\n\n" + render_graph(graph(f, at=dict(start)), fmt)
