"""Renderers for step-by-step derivations: text, Markdown ($…$ math), LaTeX, inline LaTeX for
notebooks, and JSON. Every function returns a string.
"""
from __future__ import annotations

import json

import sympy

from symgd.explain.table import FORMULAS

FORMATS = ("text", "markdown", "latex", "json")


def _s(e: sympy.Expr) -> str:
    return sympy.sstr(e)


def _l(e: sympy.Expr) -> str:
    return sympy.latex(e)


def _formula(step, latex: bool) -> str:
    found = FORMULAS.get(step.key)
    if found is None or step.key in ("constant", "variable"):
        return ""
    return found[1] if latex else found[0]


def _text_lines(step, depth: int) -> list[str]:
    pad = "  " * depth
    head = f"{pad}{step.rule}: d/d{step.wrt} [{_s(step.expr)}] = {_s(step.result)}"
    extra = [_formula(step, False), step.formula]
    head += "".join(f"   ({e})" for e in extra if e)
    lines = [head]
    lines += [f"{pad}  let {_s(name)} = {_s(value)}" for name, value in step.let if step.key == "chain"]
    for sub in step.substeps:
        lines += _text_lines(sub, depth + 1)
    if step.key == "chain":
        (u, inner), = step.let
        lines.append(f"{pad}  substitute {u} = {_s(inner)} back: {_s(step.terms[0][1])} · {_s(step.terms[1][1])}"
                     f" = {_s(step.result)}")
    return lines


def _rewrites(d):
    return [s for s in d.steps if s.kind == "rewrite"]


def derivation_text(d) -> str:
    lines = [f"∂/∂{d.wrt} [{_s(d.f)}]", *_text_lines(d.root, 1)]
    if _rewrites(d):
        lines.append("  simplify:")
        lines += [f"    = {_s(s.result)}   ({s.rule})" for s in _rewrites(d)]
    lines.append(f"  ∂f/∂{d.wrt} = {_s(d.result)}")
    return "\n".join(lines)


def _md_lines(step, depth: int) -> list[str]:
    pad = "  " * depth
    formula = _formula(step, True)
    how = f" — ${formula}$" if formula else ""
    note = f" ({step.formula})" if step.formula else ""
    lines = [f"{pad}- **{step.rule}**{how}{note}: "
             f"$\\frac{{d}}{{d{_l(step.wrt)}}}\\left[{_l(step.expr)}\\right] = {_l(step.result)}$"]
    if step.key == "chain":
        (u, inner), = step.let
        lines.append(f"{pad}  - let ${_l(u)} = {_l(inner)}$")
    for sub in step.substeps:
        lines += _md_lines(sub, depth + 1)
    return lines


def derivation_markdown(d) -> str:
    lines = [f"**$\\dfrac{{\\partial}}{{\\partial {_l(d.wrt)}}}\\left[{_l(d.f)}\\right]$**", "",
             *_md_lines(d.root, 0)]
    for s in _rewrites(d):
        lines.append(f"- {s.rule}: $= {_l(s.result)}$")
    lines += ["", f"$$\\frac{{\\partial f}}{{\\partial {_l(d.wrt)}}} = {_l(d.result)}$$"]
    return "\n".join(lines) + "\n"


#: LaTeX nests itemize at most 4 deep; deeper steps stay in the 4th list, indented by hand.
TEX_LIST_DEPTH = 4


def _tex_lines(step, depth: int, level: int = 1, extra: int = 0) -> list[str]:
    pad = "  " * depth
    formula = _formula(step, True)
    how = f", ${formula}$" if formula else ""
    note = f" ({step.formula})" if step.formula else ""
    indent = f"\\hspace*{{{1.5 * extra:g}em}}$\\triangleright$ " if extra else ""
    lines = [f"{pad}\\item {indent}\\textbf{{{tex_escape(step.rule)}}}{how}{tex_escape(note)}: "
             f"$\\frac{{d}}{{d{_l(step.wrt)}}}\\left[{_l(step.expr)}\\right] = {_l(step.result)}$"]
    if step.key == "chain":
        (u, inner), = step.let
        lines.append(f"{pad}  (let ${_l(u)} = {_l(inner)}$)")
    if step.substeps and level < TEX_LIST_DEPTH:
        lines.append(f"{pad}  \\begin{{itemize}}")
        for sub in step.substeps:
            lines += _tex_lines(sub, depth + 2, level + 1)
        lines.append(f"{pad}  \\end{{itemize}}")
    elif step.substeps:
        for sub in step.substeps:
            lines += _tex_lines(sub, depth, level, extra + 1)
    return lines


def tex_escape(text: str) -> str:
    table = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
             "^": r"\^{}", "~": r"\~{}", "′": "'", "·": r"$\cdot$", "≠": r"$\neq$", "−": "-",
             "|": r"$|$", "<": r"$<$", ">": r"$>$", "²": r"$^2$", "ⁿ": r"$^n$"}
    return "".join(table.get(ch, ch) for ch in text)


def derivation_latex(d) -> str:
    """A LaTeX fragment (itemize) for a document body."""
    lines = [f"\\paragraph{{$\\partial f/\\partial {_l(d.wrt)}$}}", "\\begin{itemize}", *_tex_lines(d.root, 1),
             "\\end{itemize}"]
    if _rewrites(d):
        lines.append("Simplifying: " + ", ".join(f"${_l(s.result)}$ ({tex_escape(s.rule)})" for s in _rewrites(d)))
    lines.append(f"\\[ \\frac{{\\partial f}}{{\\partial {_l(d.wrt)}}} = {_l(d.result)} \\]")
    return "\n".join(lines) + "\n"


def derivation_latex_inline(d) -> str:
    """Math-mode LaTeX (one aligned block) for a notebook's ``_repr_latex_``."""
    rows = [f"\\frac{{d}}{{d{_l(s.wrt)}}}\\left[{_l(s.expr)}\\right] &= {_l(s.result)} && "
            f"\\text{{{tex_escape(s.rule)}}}" for s in d.root.walk()]
    rows += [f"&= {_l(s.result)} && \\text{{{tex_escape(s.rule)}}}" for s in _rewrites(d)]
    return "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$"


def step_data(step) -> dict:
    return {"rule": step.rule, "key": step.key, "kind": step.kind, "wrt": _s(step.wrt), "expr": _s(step.expr),
            "result": _s(step.result), "note": step.formula,
            "let": [{"name": _s(n), "value": _s(v)} for n, v in step.let],
            "terms": [{"label": lab, "value": _s(v)} for lab, v in step.terms],
            "substeps": [step_data(s) for s in step.substeps]}


def derivation_data(d) -> dict:
    return {"expression": _s(d.f), "wrt": _s(d.wrt), "steps": [step_data(s) for s in d.steps],
            "assembled": _s(d.assembled), "result": _s(d.result), "latex": _l(d.result)}


def render_derivation(d, fmt: str = "text") -> str:
    """One derivation in ``fmt``: text, markdown, latex (a fragment), latex-inline, or json."""
    renderers = {"text": derivation_text, "markdown": derivation_markdown, "latex": derivation_latex,
                 "latex-inline": derivation_latex_inline,
                 "json": lambda d: json.dumps(derivation_data(d), indent=2)}
    return renderers[fmt](d)


def render_gradient(g, fmt: str = "text") -> str:
    """Every partial's derivation, then the gradient vector, in ``fmt``."""
    names = ", ".join(v.name for v in g.variables)
    if fmt == "json":
        return json.dumps({"expression": _s(g.f), "variables": [v.name for v in g.variables],
                           "derivations": [derivation_data(d) for d in g.derivations],
                           "gradient": [_s(e) for e in g.gradient]}, indent=2)
    if fmt == "latex-inline":
        vector = ", ".join(_l(e) for e in g.gradient)
        return f"$$\\nabla f({names}) = \\left({vector}\\right)$$"
    parts = [render_derivation(d, fmt) for d in g.derivations]
    if fmt == "text":
        parts.append(f"∇f({names}) = ({', '.join(_s(e) for e in g.gradient)})")
    else:
        vector = " \\\\ ".join(_l(e) for e in g.gradient)
        parts.append(f"$$\\nabla f({names}) = \\begin{{pmatrix}} {vector} \\end{{pmatrix}}$$\n"
                     if fmt == "markdown" else
                     f"\\[ \\nabla f({names}) = \\begin{{pmatrix}} {vector} \\end{{pmatrix}} \\]\n")
    return "\n".join(parts)
