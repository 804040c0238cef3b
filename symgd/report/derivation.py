"""Renderers for step-by-step derivations: text, Markdown ($…$ math), LaTeX, inline LaTeX for
notebooks, and JSON. Every function returns a string.

Expressions print in SymPy's usual term order unless the sums of what is rendered are too long to sort
cheaply (``symgd.parse.echo.term_order``, chosen once per render): then in SymPy's stored order.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import sympy

from symgd.explain.table import FORMULAS
from symgd.parse.echo import term_order
from symgd.report.mathtext import expression_printer, tex as latex_ln

FORMATS = ("text", "markdown", "latex", "json")


@dataclass(frozen=True)
class _Printer:
    """Text (Unicode math, or SymPy's string when ``plain``), JSON (always SymPy's string) and LaTeX, with one
    term order (None: SymPy's usual one; "none": as stored)."""

    order: str | None = None
    plain: bool = False

    def s(self, e: sympy.Expr) -> str:
        return expression_printer(self.plain)(e, order=self.order)

    def code(self, e: sympy.Expr) -> str:
        return sympy.sstr(e, order=self.order)

    def tex(self, e: sympy.Expr) -> str:
        return latex_ln(e, order=self.order)


def _printer(*derivations, plain: bool = False) -> _Printer:
    """The printer for ``derivations``: what they print most is each step's expression and result."""
    exprs = [x for d in derivations for step in d.walk() for x in (step.expr, step.result)]
    return _Printer(term_order(*(d.f for d in derivations), *exprs), plain)


def _formula(step, latex: bool) -> str:
    found = FORMULAS.get(step.key)
    if found is None or step.key in ("constant", "variable"):
        return ""
    return found[1] if latex else found[0]


def _text_lines(p: _Printer, step, depth: int) -> list[str]:
    pad = "  " * depth
    head = f"{pad}{step.rule}: d/d{step.wrt} [{p.s(step.expr)}] = {p.s(step.result)}"
    extra = [_formula(step, False), step.formula]
    head += "".join(f"   ({e})" for e in extra if e)
    lines = [head]
    lines += [f"{pad}  let {p.s(name)} = {p.s(value)}" for name, value in step.let if step.key == "chain"]
    for sub in step.substeps:
        lines += _text_lines(p, sub, depth + 1)
    if step.key == "chain":
        (u, inner), = step.let
        lines.append(f"{pad}  substitute {u} = {p.s(inner)} back: {p.s(step.terms[0][1])} · "
                     f"{p.s(step.terms[1][1])} = {p.s(step.result)}")
    return lines


def _rewrites(d):
    return [s for s in d.steps if s.kind == "rewrite"]


def derivation_text(d, p: _Printer | None = None, note: bool = True) -> str:
    p = p or _printer(d)
    lines = [f"∂/∂{d.wrt} [{p.s(d.f)}]", *_text_lines(p, d.root, 1)]
    if _rewrites(d):
        lines.append("  simplify:")
        lines += [f"    = {p.s(s.result)}   ({s.rule})" for s in _rewrites(d)]
    lines.append(f"  ∂f/∂{d.wrt} = {p.s(d.result)}")
    if d.note and note:
        lines.append(f"  ({d.note})")
    return "\n".join(lines)


def _md_lines(p: _Printer, step, depth: int) -> list[str]:
    pad = "  " * depth
    formula = _formula(step, True)
    how = f" — ${formula}$" if formula else ""
    note = f" ({step.formula})" if step.formula else ""
    lines = [f"{pad}- **{step.rule}**{how}{note}: "
             f"$\\frac{{d}}{{d{p.tex(step.wrt)}}}\\left[{p.tex(step.expr)}\\right] = {p.tex(step.result)}$"]
    if step.key == "chain":
        (u, inner), = step.let
        lines.append(f"{pad}  - let ${p.tex(u)} = {p.tex(inner)}$")
    for sub in step.substeps:
        lines += _md_lines(p, sub, depth + 1)
    return lines


def derivation_markdown(d, p: _Printer | None = None, note: bool = True) -> str:
    p = p or _printer(d)
    lines = [f"**$\\dfrac{{\\partial}}{{\\partial {p.tex(d.wrt)}}}\\left[{p.tex(d.f)}\\right]$**", "",
             *_md_lines(p, d.root, 0)]
    for s in _rewrites(d):
        lines.append(f"- {s.rule}: $= {p.tex(s.result)}$")
    lines += ["", f"$$\\frac{{\\partial f}}{{\\partial {p.tex(d.wrt)}}} = {p.tex(d.result)}$$"]
    if d.note and note:
        lines += ["", f"*({d.note})*"]
    return "\n".join(lines) + "\n"


#: LaTeX nests itemize at most 4 deep; deeper steps stay in the 4th list, indented by hand.
TEX_LIST_DEPTH = 4


def _tex_lines(p: _Printer, step, depth: int, level: int = 1, extra: int = 0) -> list[str]:
    pad = "  " * depth
    formula = _formula(step, True)
    how = f", ${formula}$" if formula else ""
    note = f" ({step.formula})" if step.formula else ""
    indent = f"\\hspace*{{{1.5 * extra:g}em}}$\\triangleright$ " if extra else ""
    lines = [f"{pad}\\item {indent}\\textbf{{{tex_escape(step.rule)}}}{how}{tex_escape(note)}: "
             f"$\\frac{{d}}{{d{p.tex(step.wrt)}}}\\left[{p.tex(step.expr)}\\right] = {p.tex(step.result)}$"]
    if step.key == "chain":
        (u, inner), = step.let
        lines.append(f"{pad}  (let ${p.tex(u)} = {p.tex(inner)}$)")
    if step.substeps and level < TEX_LIST_DEPTH:
        lines.append(f"{pad}  \\begin{{itemize}}")
        for sub in step.substeps:
            lines += _tex_lines(p, sub, depth + 2, level + 1)
        lines.append(f"{pad}  \\end{{itemize}}")
    elif step.substeps:
        for sub in step.substeps:
            lines += _tex_lines(p, sub, depth, level, extra + 1)
    return lines


def tex_escape(text: str) -> str:
    """``text`` for LaTeX's text mode: its special characters escaped, a few math symbols as math."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
             "}": r"\}", "^": r"\^{}", "~": r"\~{}", "′": "'", "·": r"$\cdot$", "≠": r"$\neq$", "−": "-",
             "|": r"$|$", "<": r"$<$", ">": r"$>$", "²": r"$^2$", "ⁿ": r"$^n$"}
    return "".join(table.get(ch, ch) for ch in text)


def derivation_latex(d, p: _Printer | None = None, note: bool = True) -> str:
    """A LaTeX fragment (itemize) for a document body."""
    p = p or _printer(d)
    lines = [f"\\paragraph{{$\\partial f/\\partial {p.tex(d.wrt)}$}}", "\\begin{itemize}",
             *_tex_lines(p, d.root, 1), "\\end{itemize}"]
    if _rewrites(d):
        lines.append("Simplifying: " + ", ".join(f"${p.tex(s.result)}$ ({tex_escape(s.rule)})" for s in _rewrites(d)))
    lines.append(f"\\[ \\frac{{\\partial f}}{{\\partial {p.tex(d.wrt)}}} = {p.tex(d.result)} \\]")
    if d.note and note:
        lines.append(f"\\emph{{({tex_escape(d.note)})}}")
    return "\n".join(lines) + "\n"


def derivation_latex_inline(d, p: _Printer | None = None, note: bool = True) -> str:
    """Math-mode LaTeX (one aligned block) for a notebook's ``_repr_latex_``."""
    p = p or _printer(d)
    rows = [f"\\frac{{d}}{{d{p.tex(s.wrt)}}}\\left[{p.tex(s.expr)}\\right] &= {p.tex(s.result)} && "
            f"\\text{{{tex_escape(s.rule)}}}" for s in d.root.walk()]
    rows += [f"&= {p.tex(s.result)} && \\text{{{tex_escape(s.rule)}}}" for s in _rewrites(d)]
    return "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$"


def step_data(step, p: _Printer = _Printer()) -> dict:
    return {"rule": step.rule, "key": step.key, "kind": step.kind, "wrt": p.code(step.wrt),
            "expr": p.code(step.expr), "result": p.code(step.result), "note": step.formula,
            "let": [{"name": p.code(n), "value": p.code(v)} for n, v in step.let],
            "terms": [{"label": lab, "value": p.code(v)} for lab, v in step.terms],
            "substeps": [step_data(s, p) for s in step.substeps]}


def derivation_data(d, p: _Printer | None = None) -> dict:
    p = p or _printer(d)
    return {"expression": p.code(d.f), "wrt": p.code(d.wrt), "steps": [step_data(s, p) for s in d.steps],
            "assembled": p.code(d.assembled), "result": p.code(d.result), "latex": p.tex(d.result),
            "note": d.note}


_RENDERERS = {"text": derivation_text, "markdown": derivation_markdown, "latex": derivation_latex,
              "latex-inline": derivation_latex_inline,
              "json": lambda d, p=None, note=True: json.dumps(derivation_data(d, p), indent=2)}


def render_derivation(d, fmt: str = "text", p: _Printer | None = None, *, plain: bool = False) -> str:
    """One derivation in ``fmt``: text, markdown, latex (a fragment), latex-inline, or json. Text writes
    Unicode math (x² sin(x)), or SymPy's strings when ``plain``; JSON always SymPy's strings."""
    return _RENDERERS[fmt](d, p or _printer(d, plain=plain))


def render_gradient(g, fmt: str = "text", *, plain: bool = False) -> str:
    """Every partial's derivation, then the gradient vector, in ``fmt`` (``plain`` as in render_derivation)."""
    p = _printer(*g.derivations, plain=plain)
    names = ", ".join(v.name for v in g.variables)
    if fmt == "json":
        return json.dumps({"expression": p.code(g.f), "variables": [v.name for v in g.variables],
                           "derivations": [derivation_data(d, p) for d in g.derivations],
                           "gradient": [p.code(e) for e in g.gradient]}, indent=2)
    if fmt == "latex-inline":
        vector = ", ".join(p.tex(e) for e in g.gradient)
        return f"$$\\nabla f({names}) = \\left({vector}\\right)$$"
    counts = Counter(d.note for d in g.derivations if d.note)
    repeated = {n for n, k in counts.items() if k > 1}  # said once at the end, not once per variable
    parts = [_RENDERERS[fmt](d, p, d.note not in repeated) for d in g.derivations]
    parts += [f"({n}: {counts[n]} of the {len(g.derivations)} partial derivatives)" for n in sorted(repeated)]
    if fmt == "text":
        parts.append(f"∇f({names}) = ({', '.join(p.s(e) for e in g.gradient)})")
    else:
        vector = " \\\\ ".join(p.tex(e) for e in g.gradient)
        parts.append(f"$$\\nabla f({names}) = \\begin{{pmatrix}} {vector} \\end{{pmatrix}}$$\n"
                     if fmt == "markdown" else
                     f"\\[ \\nabla f({names}) = \\begin{{pmatrix}} {vector} \\end{{pmatrix}} \\]\n")
    return "\n".join(parts)
