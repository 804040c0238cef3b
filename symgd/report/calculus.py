"""Renderers for the calculus results: higher and mixed partials, the Hessian with Clairaut's symmetry,
and the line-by-line results (directional derivative, tangent, linearisation, Taylor polynomial), in text,
Markdown, LaTeX (a fragment) and JSON. Every function returns a string.

The JSON of each is one stable dict: ``kind``, ``expression``, the result, the ``steps`` or ``lines``
(each line with how it was checked), for the web page and scripts.
"""
from __future__ import annotations

import json

import sympy

from symgd.report.derivation import (_Printer, _printer, derivation_data, render_derivation, tex_escape)

FORMATS = ("text", "markdown", "latex", "json")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def leibniz(order, text: bool = True) -> str:
    """∂³f/∂y∂x² for the order (x, x, y): the denominator lists the last variable differentiated first,
    runs of one variable as a power."""
    from itertools import groupby
    runs = [(name, len(list(group))) for name, group in groupby(v.name for v in reversed(order))]
    n = len(order)
    if text:
        head = "∂" + (str(n).translate(_SUP) if n > 1 else "")
        return f"{head}f/" + "".join(f"∂{name}" + (str(k).translate(_SUP) if k > 1 else "") for name, k in runs)
    head = "\\partial" + (f"^{{{n}}}" if n > 1 else "")
    below = " ".join(f"\\partial {sympy.latex(sympy.Symbol(name))}" + (f"^{{{k}}}" if k > 1 else "")
                     for name, k in runs)
    return f"\\frac{{{head} f}}{{{below}}}"


def _stage_result(text: str, fmt: str, wrt, name: str, tex: str) -> str:
    """A stage's derivation with its closing "∂f/∂x =" renamed to the derivative it has reached (the
    derivation renderer names a first partial; stage 2 of ∂²f/∂y∂x ends at ∂²f/∂y∂x, not ∂f/∂y)."""
    old = {"text": f"∂f/∂{wrt.name} = ", "markdown": f"\\frac{{\\partial f}}{{\\partial {sympy.latex(wrt)}}} = ",
           "latex": f"\\frac{{\\partial f}}{{\\partial {sympy.latex(wrt)}}} = "}[fmt]
    head, found, tail = text.rpartition(old)
    return f"{head}{name if fmt == 'text' else tex} = {tail}" if found else text


def _eq(p: _Printer, value: sympy.Basic, tex: bool) -> str:
    show = p.tex if tex else p.s
    if isinstance(value, sympy.Eq):
        return f"{show(value.lhs)} = {show(value.rhs)}"
    return show(value)


def _check_sentence(order) -> str:
    return f"checked: equals sympy.diff(f, {', '.join(v.name for v in order)}) taken in one call"


def render_higher(h, fmt: str = "text", plain: bool = False) -> str:
    """A higher or mixed partial: one full derivation per differentiation, then the result. Text writes
    Unicode math, or SymPy's strings when ``plain``; JSON always SymPy's strings."""
    p = _printer(*h.stages, plain=plain or fmt == "json")
    if fmt == "json":
        return json.dumps({"kind": "partial", "expression": p.s(h.f), "order": [v.name for v in h.order],
                           "symbol": leibniz(h.order), "stages": [derivation_data(d, p) for d in h.stages],
                           "result": p.s(h.result), "latex": p.tex(h.result), "check": _check_sentence(h.order)},
                          indent=2)
    name, tex = leibniz(h.order), leibniz(h.order, text=False)
    parts = []
    for k, (v, stage) in enumerate(zip(h.order, h.stages), 1):
        head = f"stage {k} of {len(h.order)}: differentiate by {v.name}"
        parts.append({"text": head, "markdown": f"**{head}**\n", "latex": f"\\paragraph{{{head}}}"}[fmt])
        reached = h.order[:k]
        parts.append(_stage_result(render_derivation(stage, fmt, p).rstrip("\n"), fmt, v,
                                   leibniz(reached), leibniz(reached, text=False)))
    final = {"text": f"{name} = {p.s(h.result)}   ({_check_sentence(h.order)})",
             "markdown": f"$${tex} = {p.tex(h.result)}$$\n\n*{_check_sentence(h.order)}*\n",
             "latex": f"\\[ {tex} = {p.tex(h.result)} \\]\n\\emph{{{tex_escape(_check_sentence(h.order))}}}\n"}[fmt]
    return "\n".join([*parts, final])


def _clairaut(p: _Printer, s, fmt: str) -> str:
    a, b = s.first.name, s.second.name
    verdict = "equal" if s.equal else "NOT equal (f is not twice continuously differentiable there)"
    if fmt == "text":
        return f"Clairaut: f_{a}{b} = {p.s(s.f_ab)} and f_{b}{a} = {p.s(s.f_ba)}: {verdict}"
    mark = "=" if s.equal else r"\neq"
    math = f"f_{{{a}{b}}} = {p.tex(s.f_ab)} {mark} f_{{{b}{a}}} = {p.tex(s.f_ba)}"
    return f"- Clairaut: ${math}$ ({verdict})" if fmt == "markdown" else f"\\item Clairaut: ${math}$ ({verdict})"


def _entry_parts(h, p: _Printer, fmt: str) -> list[str]:
    """Each Hessian entry's heading and derivation, its closing line naming the second partial."""
    names = [v.name for v in h.variables]
    parts: list[str] = []
    for i, row in enumerate(h.entries):
        first = h.gradient.derivations[i].result
        for d in row:
            label = f"{names[i]}{d.wrt.name}"
            math = f"f_{{{label}}}$: differentiate $\\partial f/\\partial {names[i]} = {p.tex(first)}$ by ${d.wrt.name}"
            parts.append({"text": f"entry f_{label}: differentiate ∂f/∂{names[i]} = {p.s(first)} by {d.wrt.name}",
                          "markdown": f"**entry ${math}$**\n",
                          "latex": f"\\paragraph{{entry ${math}$}}"}[fmt])
            reached = (h.variables[i], d.wrt)
            parts.append(_stage_result(render_derivation(d, fmt, p).rstrip("\n"), fmt, d.wrt,
                                       leibniz(reached), leibniz(reached, text=False)))
    return parts


def render_hessian(h, fmt: str = "text", entries: bool = False, plain: bool = False) -> str:
    """The Hessian matrix and Clairaut's comparison of each mixed pair; ``entries``: every entry's
    derivation too (JSON always has them); ``plain`` as in ``render_higher``."""
    derivations = [d for row in h.entries for d in row]
    p = _printer(*h.gradient.derivations, *derivations, plain=plain or fmt == "json")
    names = [v.name for v in h.variables]
    if fmt == "json":
        return json.dumps({
            "kind": "hessian", "expression": p.s(h.f), "variables": names,
            "gradient": [p.s(g) for g in h.gradient.gradient],
            "hessian": [[p.s(d.result) for d in row] for row in h.entries],
            "latex": p.tex(h.matrix),
            "gradient_derivations": [derivation_data(d, p) for d in h.gradient.derivations],
            "entries": [[derivation_data(d, p) for d in row] for row in h.entries],
            "symmetry": [{"pair": [s.first.name, s.second.name], "f_ab": p.s(s.f_ab), "f_ba": p.s(s.f_ba),
                          "equal": s.equal} for s in h.symmetry]}, indent=2)
    parts = _entry_parts(h, p, fmt) if entries else []
    if fmt == "text":
        parts.append(f"∇f = ({', '.join(p.s(g) for g in h.gradient.gradient)})")
        parts.append("Hessian (row i, column j: ∂/∂column of ∂f/∂row):")
        parts += ["  [" + ", ".join(p.s(d.result) for d in row) + "]" for row in h.entries]
        parts += [_clairaut(p, s, fmt) for s in h.symmetry]
        parts.append("checked: every entry equals sympy.hessian(f)")
        return "\n".join(parts)
    matrix = f"H = {p.tex(h.matrix)}"
    items = [_clairaut(p, s, fmt) for s in h.symmetry]
    if fmt == "markdown":
        return "\n".join([*parts, f"$${matrix}$$", "", *items, "", "*checked: every entry equals sympy.hessian(f)*", ""])
    body = "\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}\n" if items else ""
    return "\n".join([*parts, f"\\[ {matrix} \\]", body + "\\emph{checked: every entry equals sympy.hessian(f)}", ""])


def _md(text: str) -> str:
    return text.replace("*", "\\*").replace("_", "\\_")


def line_data(p: _Printer, line) -> dict:
    value = line.value
    shown = _eq(p, value, False)
    return {"label": line.label, "symbol": line.symbol, "value": shown, "latex": _eq(p, value, True),
            "check": line.check}


def _line(p: _Printer, line, fmt: str) -> str:
    if fmt == "text":
        head = f"{line.label}: {line.symbol} = " if line.symbol else f"{line.label}: "
        check = f"   [checked: {line.check}]" if line.check else ""
        return f"  {head}{_eq(p, line.value, False)}{check}"
    symbol = line.tex or line.symbol
    math = f"{symbol} = {_eq(p, line.value, True)}" if symbol else _eq(p, line.value, True)
    if fmt == "markdown":
        check = f" — *checked: {_md(line.check)}*" if line.check else ""
        return f"- {_md(line.label)}: ${math}${check}"
    check = f" (\\emph{{checked: {tex_escape(line.check)}}})" if line.check else ""
    return f"\\item {tex_escape(line.label)}: ${math}${check}"


_TITLES = {"directional": "Directional derivative", "tangent": "Tangent to the level set",
           "linearization": "Linearisation", "taylor": "Taylor polynomial"}


def _fields(kind: str, r, p: _Printer) -> dict:
    """The result fields of each kind for JSON (exact as text, and as numbers where they are numbers)."""
    if kind == "directional":
        return {"direction": [p.s(c) for c in r.direction], "unit": [p.s(c) for c in r.unit],
                "gradient_at": [p.s(c) for c in r.gradient_at], "result": p.s(r.value),
                "value": float(sympy.N(r.value)), "rate": p.s(r.rate), "rate_value": float(sympy.N(r.rate)),
                "steepest": None if r.steepest is None else [p.s(c) for c in r.steepest]}
    if kind == "tangent":
        return {"what": r.kind, "level": p.s(r.level), "normal": [p.s(c) for c in r.normal],
                "result": _eq(p, r.equation, False), "latex": _eq(p, r.equation, True)}
    if kind == "linearization":
        return {"value": p.s(r.value), "gradient_at": [p.s(c) for c in r.gradient_at],
                "result": p.s(r.expr), "latex": p.tex(r.expr)}
    return {"order": r.order, "result": p.s(r.polynomial), "latex": p.tex(r.polynomial),
            "expanded": p.s(r.expanded), "remainder_order": r.remainder_order, "check": r.check,
            "terms": [{"powers": list(t.powers), "derivative": p.s(t.derivative), "value": p.s(t.value),
                       "coefficient": p.s(t.coefficient), "term": p.s(t.term)} for t in r.terms]}


def _remainder(r, tex: bool) -> str:
    shift = [f"{v.name} - {sympy.sstr(a)}" if a != 0 else v.name for v, a in zip(r.variables, r.point)]
    n = r.remainder_order
    if tex:
        inner = ", ".join(sympy.latex(v - a) for v, a in zip(r.variables, r.point))
        base = f"\\left({inner}\\right)" if len(shift) == 1 else f"\\left\\|\\left({inner}\\right)\\right\\|"
        return f"O\\left({base}^{{{n}}}\\right)"
    single = shift[0] if r.point[0] == 0 else f"({shift[0]})"
    base = single if len(shift) == 1 else "|(" + ", ".join(shift) + ")|"
    return f"O({base}^{n})"


def render_result(kind: str, r, fmt: str = "text", derivations: bool = False, plain: bool = False) -> str:
    """A directional derivative, tangent, linearisation or Taylor polynomial (``kind``) as its lines;
    ``derivations``: the gradient's step derivations first (JSON always has them); ``plain`` as in
    ``render_higher``."""
    grad = getattr(r, "gradient", None)
    plain = plain or fmt == "json"
    p = _printer(*grad.derivations, plain=plain) if grad is not None else _Printer(plain=plain)
    names = ", ".join(v.name for v in r.variables)
    if fmt == "json":
        out = {"kind": kind, "expression": p.s(r.f), "variables": [v.name for v in r.variables],
               "point": [p.s(c) for c in r.point], **_fields(kind, r, p),
               "lines": [line_data(p, line) for line in r.lines]}
        if kind == "taylor":
            out["remainder"] = _remainder(r, False)
        if grad is not None:
            out["gradient_derivations"] = [derivation_data(d, p) for d in grad.derivations]
        return json.dumps(out, indent=2)
    title = f"{_TITLES[kind]} of f({names}) = "
    parts = []
    if derivations and grad is not None:
        parts += [render_derivation(d, fmt, p).rstrip("\n") for d in grad.derivations]
    items = [_line(p, line, fmt) for line in r.lines]
    tail = ""
    if kind == "taylor":
        tail = {"text": f"  remainder: {_remainder(r, False)}",
                "markdown": f"- remainder: ${_remainder(r, True)}$",
                "latex": f"\\item remainder: ${_remainder(r, True)}$"}[fmt]
    items += [tail] if tail else []
    if fmt == "text":
        return "\n".join([*parts, title + p.s(r.f), *items])
    if fmt == "markdown":
        return "\n".join([*parts, f"**{title}${p.tex(r.f)}$**", "", *items, ""])
    return "\n".join([*parts, f"\\paragraph{{{title}${p.tex(r.f)}$}}", "\\begin{itemize}", *items,
                      "\\end{itemize}", ""])
