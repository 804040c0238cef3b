"""Renderers for implicit derivatives, their answer checks, critical points and Lagrange extrema: text,
Markdown, LaTeX (a document fragment) and JSON. Every function returns a string.

The JSON of each is one stable dict: ``kind``, the input, ``result``, ``steps`` (title, lhs, rhs, check,
and the rule-by-rule derivations a line uses) and ``notes``; the web page's calculus tab reads it.
"""
from __future__ import annotations

import json

import sympy

from dataclasses import dataclass

from symgd.report.derivation import derivation_data, render_derivation, tex_escape as _escape
from symgd.report.mathtext import math_text, plain_text, rewrite_expressions, tex

FORMATS = ("text", "markdown", "latex", "json")
_TEX_SEP = r",\; "
#: Characters of titles and notes that pdflatex's text mode lacks (beyond report.derivation's table).
_TEX_MATH = {"∇": r"$\nabla$", "∈": r"$\in$", "λ": r"$\lambda$", "μ": r"$\mu$", "≤": r"$\le$", "≥": r"$\ge$",
             "∂": r"$\partial$", "—": "---", "…": r"\dots{}"}


def tex_escape(text: str) -> str:
    return "".join(_TEX_MATH.get(c, c) for c in _escape(text))


def _s(e, show=plain_text) -> str:
    """``e`` as text by ``show``: a derivative as d/dx[...], a tuple as (a, b), None as ''."""
    if e is None:
        return ""
    if isinstance(e, tuple):
        return "(" + ", ".join(_s(x, show) for x in e) + ")"
    if isinstance(e, sympy.Derivative):
        (v, n), = e.variable_count
        return f"d/d{v}[{show(e.expr)}]" if n == 1 else f"d^{n}/d{v}^{n}[{show(e.expr)}]"
    return show(e)


def _tex(e) -> str:
    if e is None:
        return ""
    if isinstance(e, tuple):
        return r"\left(" + ", ".join(_tex(x) for x in e) + r"\right)"
    if isinstance(e, sympy.Symbol) and e.name.endswith("'"):
        return sympy.latex(sympy.Symbol(e.name.rstrip("'"))) + "'" * (len(e.name) - len(e.name.rstrip("'")))
    return tex(e)


@dataclass(frozen=True)
class _Out:
    """How one format writes expressions (``e``, inside $...$ for Markdown and LaTeX) and prose that quotes
    SymPy strings (``prose``: the library's titles, notes and messages)."""

    fmt: str
    plain: bool = False

    def e(self, expr) -> str:
        return _s(expr, plain_text if self.plain else math_text) if self.fmt == "text" else _tex(expr)

    def prose(self, text: str) -> str:
        if self.fmt == "text":
            return text if self.plain else rewrite_expressions(text, math_text)
        if self.fmt == "markdown":
            return rewrite_expressions(text, lambda e: f"${_tex(e)}$").replace("*", "\\*")
        math: list[str] = []  # LaTeX: the expressions set aside while the prose around them is escaped

        def hold(e) -> str:
            math.append(f"${_tex(e)}$")
            return f"\x00{len(math) - 1}\x01"
        escaped = tex_escape(rewrite_expressions(text, hold))
        for i, m in enumerate(math):
            escaped = escaped.replace(f"\x00{i}\x01", m)
        return escaped

    def math(self, body: str) -> str:
        return body if self.fmt == "text" else f"${body}$"


def _claim(step, out: _Out) -> str:
    sep = "; " if out.fmt == "text" else _TEX_SEP
    if step.title.startswith("solve"):
        return out.e(step.rhs) if step.rhs else "no real solution"
    if isinstance(step.lhs, tuple) and isinstance(step.rhs, tuple) and len(step.lhs) == len(step.rhs):
        return sep.join(f"{out.e(a)} = {out.e(b)}" for a, b in zip(step.lhs, step.rhs))
    return f"{out.e(step.lhs)} = {out.e(step.rhs)}"


def _steps(steps, out: _Out, full: bool) -> list[str]:
    """The worked lines: numbered in text and Markdown, an enumerate in LaTeX."""
    lines = [r"\begin{enumerate}"] if out.fmt == "latex" else []
    for i, step in enumerate(steps, 1):
        claim, title = _claim(step, out), out.prose(step.title)
        claim = claim if claim == "no real solution" else out.math(claim)
        if out.fmt == "text":
            check = f"   [checked: {step.check}]" if step.check else ""
            lines += [f"{i}. {title}", f"   {claim}{check}"]
        elif out.fmt == "markdown":
            lines.append(f"{i}. {title}: {claim}" + (f" *(checked: {out.prose(step.check)})*" if step.check else ""))
        else:
            lines.append(rf"  \item {title}: {claim}" + (rf" \emph{{(checked: {out.prose(step.check)})}}"
                                                            if step.check else ""))
        if full and step.derivations:
            fmt = out.fmt
            text = "\n".join(render_derivation(d, fmt, plain=out.plain) if fmt == "text" else
                             render_derivation(d, fmt) for d in step.derivations).rstrip("\n")
            pad = "      " if fmt == "text" else ("   " if fmt == "markdown" else "")
            lines += [pad + line for line in text.split("\n")]
    return lines + ([r"\end{enumerate}"] if out.fmt == "latex" else [])


def steps_data(steps) -> list[dict]:
    def value(e):
        return [value(x) for x in e] if isinstance(e, tuple) else _s(e)

    def latex(e):
        return [latex(x) for x in e] if isinstance(e, tuple) else _tex(e)
    return [{"title": s.title, "lhs": value(s.lhs), "rhs": value(s.rhs), "lhs_latex": latex(s.lhs),
             "rhs_latex": latex(s.rhs), "check": s.check,
             "derivations": [derivation_data(d) for d in s.derivations]} for s in steps]


def _document(out: _Out, title: str, steps, results: list[tuple[str, str]], notes, full: bool, data: dict) -> str:
    """One problem in ``out.fmt``: the ``title`` and the ``results`` rows (label, value) already written
    in that format, the steps and the notes; ``data`` is the JSON's result."""
    notes = list(notes)
    if out.fmt == "json":
        return json.dumps({**data, "steps": steps_data(steps), "notes": notes}, indent=2, ensure_ascii=False)
    notes = [out.prose(n) for n in notes]
    body = _steps(steps, out, full)
    if out.fmt == "text":
        return "\n".join([title, *body, *(f"{a}: {b}" for a, b in results), *(f"note: {n}" for n in notes)]) + "\n"
    if out.fmt == "markdown":
        return "\n".join([f"**{title}**", "", *body, "", *(f"- **{a}**: {b}" for a, b in results), "",
                          *(f"*{n}*" for n in notes)]) + "\n"
    if out.fmt == "latex":
        return "\n".join([rf"\paragraph{{{title}}}", *body, r"\begin{itemize}",
                          *(rf"  \item {a}: {b}" for a, b in results), r"\end{itemize}",
                          *(rf"\emph{{{n}}}\par" for n in notes)]) + "\n"
    raise ValueError(f"unknown format {out.fmt!r}")


def _eq(eq, out: _Out) -> str:
    return out.math(f"{out.e(eq.lhs)} = {out.e(eq.rhs)}")


def render_implicit(r, fmt: str = "text", full: bool = False, *, plain: bool = False) -> str:
    """An ImplicitResult in ``fmt`` (``full``: each partial derivative's rule-by-rule steps too; ``plain``:
    text expressions as SymPy strings)."""
    out, x, y = _Out(fmt, plain), r.independent, r.dependent
    d1, d2 = ((f"d{y}/d{x}", f"d²{y}/d{x}²") if fmt == "text" else
              (out.math(rf"\frac{{d{y}}}{{d{x}}}"), out.math(rf"\frac{{d^2{y}}}{{d{x}^2}}")))
    results = [(d1, out.math(out.e(r.derivative)))]
    if r.second is not None:
        results.append((d2, out.math(out.e(r.second))))
    title = f"{'I' if fmt != 'text' else 'i'}mplicit differentiation of {_eq(r.equation, out)}, " \
            f"{out.math(f'{y} = {y}({x})')}"
    data = {"kind": "implicit", "equation": str(r.equation), "dependent": y.name, "independent": x.name,
            "order": r.order, "result": {"derivative": _s(r.derivative), "derivative_latex": _tex(r.derivative),
                                         "second": _s(r.second), "second_latex": _tex(r.second)}}
    return _document(out, title, r.steps, results, r.notes, full, data)


def render_implicit_check(c, fmt: str = "text", *, plain: bool = False) -> str:
    """An ImplicitCheck in ``fmt``: its message, or in JSON the verdict, expected, rule and term."""
    r, out = c.result, _Out(fmt, plain)
    if fmt == "json":
        return json.dumps({"kind": "implicit-check", "correct": c.correct, "message": c.message,
                           "equation": str(r.equation), "dependent": r.dependent.name,
                           "independent": r.independent.name, "order": r.order, "answer": _s(c.answer),
                           "expected": _s(c.expected), "method": c.method, "points": c.points,
                           "rule": c.rule, "term": _s(c.term) if c.term is not None else None,
                           "notes": list(r.notes)}, indent=2, ensure_ascii=False)
    verdict = "correct" if c.correct else "not correct"
    if fmt == "markdown":
        return (f"**{verdict}**: your answer ${_tex(c.answer)}$; the derivative is "
                f"${_tex(c.expected)}$\n\n{out.prose(c.message)}\n")
    if fmt == "latex":
        return f"\\paragraph{{{verdict}}} ${_tex(c.answer)}$ vs ${_tex(c.expected)}$: {out.prose(c.message)}\n"
    return out.prose(c.message)


def _point(variables, point, out: _Out) -> str:
    if out.fmt == "text":
        return "(" + ", ".join(f"{v} = {out.e(p)}" for v, p in zip(variables, point)) + ")"
    return out.math(f"({', '.join(v.name for v in variables)}) = {out.e(tuple(point))}")


def render_critical(r, fmt: str = "text", full: bool = False, *, plain: bool = False) -> str:
    """A CriticalResult in ``fmt``."""
    out = _Out(fmt, plain)
    names = ", ".join(v.name for v in r.variables)
    rows = [(f"{p.kind} at {_point(r.variables, p.point, out)}",
             f"{out.math('f = ' + out.e(p.value))}; {out.prose(p.test)}") for p in r.points]
    if not rows:
        rows = [("critical points", "none" + (" in the box" if r.box else ""))]
    title = f"{'C' if fmt != 'text' else 'c'}ritical points of {out.math(f'f({names}) = {out.e(r.expr)}')}"
    data = {"kind": "critical", "expression": _s(r.expr), "variables": [v.name for v in r.variables],
            "method": r.method, "box": [list(b) for b in r.box] if r.box else None,
            "gradient": [_s(g) for g in r.gradient], "hessian": [[_s(e) for e in row] for row in r.hessian.tolist()],
            "result": {"points": [{"point": [_s(v) for v in p.point], "latex": [_tex(v) for v in p.point],
                                   "value": _s(p.value), "kind": p.kind, "test": p.test, "exact": p.exact,
                                   "hessian": [[_s(e) for e in row] for row in p.hessian.tolist()]}
                                  for p in r.points]}}
    return _document(out, title, r.steps, rows, r.notes, full, data)


def render_extremum(r, fmt: str = "text", full: bool = False, *, plain: bool = False) -> str:
    """An ExtremumResult in ``fmt``."""
    out = _Out(fmt, plain)
    names = ", ".join(v.name for v in r.variables)
    rows = [(f"candidate{' (∇g = 0 there)' if c.singular else ''} {_point(r.variables, c.point, out)}",
             out.math("f = " + out.e(c.value))) for c in r.candidates]
    rows += [("maximum", out.math(out.e(r.maximum))), ("minimum", out.math(out.e(r.minimum)))]
    if fmt == "latex":
        rows = [(tex_escape(a) if "$" not in a else a.replace("∇", r"$\nabla$"), b) for a, b in rows]
    subject = ("; " if fmt == "text" else ", ").join(_eq(c, out) for c in r.constraints)
    title = f"{'E' if fmt != 'text' else 'e'}xtreme values of {out.math(f'f({names}) = {out.e(r.expr)}')} " \
            f"subject to {subject}"
    data = {"kind": "extremum", "expression": _s(r.expr), "constraints": [str(c) for c in r.constraints],
            "variables": [v.name for v in r.variables], "multipliers": [m.name for m in r.multipliers],
            "method": r.method, "system": [f"{_s(e.lhs)} = {_s(e.rhs)}" for e in r.system],
            "result": {"candidates": [{"point": [_s(v) for v in c.point], "multipliers": [_s(m) for m in c.multipliers],
                                       "value": _s(c.value), "exact": c.exact, "singular": c.singular}
                                      for c in r.candidates],
                       "maximum": _s(r.maximum), "minimum": _s(r.minimum),
                       "singular": [[_s(v) for v in p] for p in r.singular]}}
    return _document(out, title, r.steps, rows, r.notes, full, data)
