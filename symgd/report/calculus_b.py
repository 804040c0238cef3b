"""Renderers for implicit derivatives, their answer checks, critical points and Lagrange extrema: text,
Markdown, LaTeX (a document fragment) and JSON. Every function returns a string.

The JSON of each is one stable dict: ``kind``, the input, ``result``, ``steps`` (title, lhs, rhs, check,
and the rule-by-rule derivations a line uses) and ``notes``; the web page's calculus tab reads it.
"""
from __future__ import annotations

import json

import sympy

from symgd.report.derivation import derivation_data, render_derivation, tex_escape as _escape

FORMATS = ("text", "markdown", "latex", "json")
_TEX_SEP = r",\; "
#: Characters of titles and notes that pdflatex's text mode lacks (beyond report.derivation's table).
_TEX_MATH = {"∇": r"$\nabla$", "∈": r"$\in$", "λ": r"$\lambda$", "μ": r"$\mu$", "≤": r"$\le$", "≥": r"$\ge$",
             "∂": r"$\partial$", "—": "---", "…": r"\dots{}"}


def tex_escape(text: str) -> str:
    return "".join(_TEX_MATH.get(c, c) for c in _escape(text))


def _s(e) -> str:
    """``e`` as text: a derivative as d/dx[...], a tuple as (a, b), None as ''."""
    if e is None:
        return ""
    if isinstance(e, tuple):
        return "(" + ", ".join(_s(x) for x in e) + ")"
    if isinstance(e, sympy.Derivative):
        (v, n), = e.variable_count
        return f"d/d{v}[{sympy.sstr(e.expr)}]" if n == 1 else f"d^{n}/d{v}^{n}[{sympy.sstr(e.expr)}]"
    return sympy.sstr(e)


def _tex(e) -> str:
    if e is None:
        return ""
    if isinstance(e, tuple):
        return r"\left(" + ", ".join(_tex(x) for x in e) + r"\right)"
    if isinstance(e, sympy.Symbol) and e.name.endswith("'"):
        return sympy.latex(sympy.Symbol(e.name.rstrip("'"))) + "'" * (len(e.name) - len(e.name.rstrip("'")))
    return sympy.latex(e)


def _claim(step, printer, sep: str) -> str:
    if isinstance(step.lhs, tuple) and isinstance(step.rhs, tuple) and len(step.lhs) == len(step.rhs) \
            and not step.title.startswith("solve"):
        return sep.join(f"{printer(a)} = {printer(b)}" for a, b in zip(step.lhs, step.rhs))
    if step.title.startswith("solve"):
        return printer(step.rhs)
    return f"{printer(step.lhs)} = {printer(step.rhs)}"


def steps_text(steps, full: bool = False) -> list[str]:
    lines = []
    for i, step in enumerate(steps, 1):
        check = f"   [checked: {step.check}]" if step.check else ""
        lines += [f"{i}. {step.title}", f"   {_claim(step, _s, '; ')}{check}"]
        if full:
            for d in step.derivations:
                lines += ["      " + line for line in render_derivation(d, "text").split("\n")]
    return lines


def steps_markdown(steps, full: bool = False) -> list[str]:
    lines = []
    for i, step in enumerate(steps, 1):
        check = f" *(checked: {step.check})*" if step.check else ""
        lines += [f"{i}. {step.title}: ${_claim(step, _tex, _TEX_SEP)}$" + check]
        if full:
            lines += ["", *("   " + line for line in "".join(render_derivation(d, "markdown") for d in
                                                             step.derivations).split("\n")), ""]
    return lines


def steps_latex(steps, full: bool = False) -> list[str]:
    lines = [r"\begin{enumerate}"]
    for step in steps:
        check = rf" \emph{{(checked: {tex_escape(step.check)})}}" if step.check else ""
        lines.append(rf"  \item {tex_escape(step.title)}: ${_claim(step, _tex, _TEX_SEP)}$" + check)
        if full:
            lines += [render_derivation(d, "latex") for d in step.derivations]
    return lines + [r"\end{enumerate}"]


def steps_data(steps) -> list[dict]:
    def value(e):
        return [value(x) for x in e] if isinstance(e, tuple) else _s(e)

    def tex(e):
        return [tex(x) for x in e] if isinstance(e, tuple) else _tex(e)
    return [{"title": s.title, "lhs": value(s.lhs), "rhs": value(s.rhs), "lhs_latex": tex(s.lhs),
             "rhs_latex": tex(s.rhs), "check": s.check,
             "derivations": [derivation_data(d) for d in s.derivations]} for s in steps]


def _document(fmt: str, title: tuple[str, str], steps, results: list[tuple], notes,
              full: bool, data: dict) -> str:
    """One problem in ``fmt``: ``title`` (text, LaTeX math), the steps, ``results`` as (label, text,
    LaTeX math[, prose after it]) rows, the notes; ``data`` is the JSON's result."""
    notes = list(notes)
    if fmt == "json":
        return json.dumps({**data, "steps": steps_data(steps), "notes": notes}, indent=2, ensure_ascii=False)
    if fmt == "text":
        return "\n".join([title[0], *steps_text(steps, full), *(f"{row[0]}: {row[1]}" for row in results),
                          *(f"note: {n}" for n in notes)]) + "\n"
    if fmt == "markdown":
        rows = [f"- **{row[0]}**: ${row[2]}$" + "".join(f"; {extra}" for extra in row[3:]) for row in results]
        return "\n".join([f"**{title[1]}**", "", *steps_markdown(steps, full), "", *rows, "",
                          *(f"*{n}*" for n in notes)]) + "\n"
    if fmt == "latex":
        rows = [rf"  \item {tex_escape(row[0])}: ${row[2]}$" + "".join(f"; {tex_escape(e)}" for e in row[3:])
                for row in results]
        return "\n".join([rf"\paragraph{{{title[1]}}}", *steps_latex(steps, full), r"\begin{itemize}", *rows,
                          r"\end{itemize}", *(rf"\emph{{{tex_escape(n)}}}\par" for n in notes)]) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


def render_implicit(r, fmt: str = "text", full: bool = False) -> str:
    """An ImplicitResult in ``fmt`` (``full``: each partial derivative's rule-by-rule steps too)."""
    x, y, eq = r.independent, r.dependent, r.equation
    results = [(f"d{y}/d{x}", _s(r.derivative), rf"\frac{{d{y}}}{{d{x}}} = {_tex(r.derivative)}")]
    if r.second is not None:
        results.append((f"d²{y}/d{x}²", _s(r.second), rf"\frac{{d^2{y}}}{{d{x}^2}} = {_tex(r.second)}"))
    title = (f"implicit differentiation of {eq}, {y} = {y}({x})",
             f"Implicit differentiation of ${_tex(eq.lhs)} = {_tex(eq.rhs)}$, ${y} = {y}({x})$")
    data = {"kind": "implicit", "equation": str(eq), "dependent": y.name, "independent": x.name,
            "order": r.order, "result": {"derivative": _s(r.derivative), "derivative_latex": _tex(r.derivative),
                                         "second": _s(r.second), "second_latex": _tex(r.second)}}
    return _document(fmt, title, r.steps, results, r.notes, full, data)


def render_implicit_check(c, fmt: str = "text") -> str:
    """An ImplicitCheck in ``fmt``: its message, or in JSON the verdict, expected, rule and term."""
    r = c.result
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
                f"${_tex(c.expected)}$\n\n{c.message}\n")
    if fmt == "latex":
        return f"\\paragraph{{{verdict}}} ${_tex(c.answer)}$ vs ${_tex(c.expected)}$: {tex_escape(c.message)}\n"
    return c.message


def _point_text(variables, point) -> str:
    return "(" + ", ".join(f"{v} = {_s(p)}" for v, p in zip(variables, point)) + ")"


def render_critical(r, fmt: str = "text", full: bool = False) -> str:
    """A CriticalResult in ``fmt``."""
    names = ", ".join(v.name for v in r.variables)
    rows = [(f"{p.kind} at {_point_text(r.variables, p.point)}", f"f = {_s(p.value)}; {p.test}",
             f"f = {_tex(p.value)}", p.test) for p in r.points]
    if not rows:
        rows = [("critical points", "none" + (" in the box" if r.box else ""), r"\text{none}")]
    title = (f"critical points of f({names}) = {_s(r.expr)}", f"Critical points of $f({names}) = {_tex(r.expr)}$")
    data = {"kind": "critical", "expression": _s(r.expr), "variables": [v.name for v in r.variables],
            "method": r.method, "box": [list(b) for b in r.box] if r.box else None,
            "gradient": [_s(g) for g in r.gradient], "hessian": [[_s(e) for e in row] for row in r.hessian.tolist()],
            "result": {"points": [{"point": [_s(v) for v in p.point], "latex": [_tex(v) for v in p.point],
                                   "value": _s(p.value), "kind": p.kind, "test": p.test, "exact": p.exact,
                                   "hessian": [[_s(e) for e in row] for row in p.hessian.tolist()]}
                                  for p in r.points]}}
    return _document(fmt, title, r.steps, rows, r.notes, full, data)


def render_extremum(r, fmt: str = "text", full: bool = False) -> str:
    """An ExtremumResult in ``fmt``."""
    names = ", ".join(v.name for v in r.variables)
    subject = "; ".join(str(c) for c in r.constraints)
    rows = [(f"candidate{' (∇g = 0 there)' if c.singular else ''} {_point_text(r.variables, c.point)}",
             f"f = {_s(c.value)}", f"f = {_tex(c.value)}") for c in r.candidates]
    rows += [("maximum", _s(r.maximum), _tex(r.maximum)), ("minimum", _s(r.minimum), _tex(r.minimum))]
    title = (f"extreme values of f({names}) = {_s(r.expr)} subject to {subject}",
             f"Extreme values of $f({names}) = {_tex(r.expr)}$ subject to $"
             + _TEX_SEP.join(f"{_tex(c.lhs)} = {_tex(c.rhs)}" for c in r.constraints) + "$")
    data = {"kind": "extremum", "expression": _s(r.expr), "constraints": [str(c) for c in r.constraints],
            "variables": [v.name for v in r.variables], "multipliers": [m.name for m in r.multipliers],
            "method": r.method, "system": [f"{_s(e.lhs)} = {_s(e.rhs)}" for e in r.system],
            "result": {"candidates": [{"point": [_s(v) for v in c.point], "multipliers": [_s(m) for m in c.multipliers],
                                       "value": _s(c.value), "exact": c.exact, "singular": c.singular}
                                      for c in r.candidates],
                       "maximum": _s(r.maximum), "minimum": _s(r.minimum),
                       "singular": [[_s(v) for v in p] for p in r.singular]}}
    return _document(fmt, title, r.steps, rows, r.notes, full, data)
