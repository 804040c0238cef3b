"""The page's jobs (each runs in a job process, see ``workers``): read the input, differentiate with
steps, draw the chain-rule graph, check an answer, descend, fit. Each returns ``{"html": fragment}``
rendered from the library's own result objects; math is MathML, pictures are SVG, so the page needs
nothing from the network."""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from functools import cache
from typing import Any

import sympy

from symgd.web.commands import MAX_FIELD, RequestError


@cache
def _templates() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape
    env = Environment(loader=PackageLoader("symgd.web", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["math"] = math
    env.filters["note"] = note
    env.filters["num"] = lambda v: f"{float(v):.10g}"
    return env


def math(expr: Any, display: bool = False) -> Any:
    """``expr`` as presentation MathML (browsers draw it natively: no script, no network)."""
    from markupsafe import Markup
    body = sympy.mathml(sympy.sympify(expr) if not isinstance(expr, sympy.Basic) else expr,
                        printer="presentation")
    # sympy writes bare <mo>(</mo>; the browser's operator spacing would then set "sin ( x )" apart
    for fence in ("(", ")"):
        body = body.replace(f"<mo>{fence}</mo>", f'<mo lspace="0" rspace="0">{fence}</mo>')
    return Markup(f'<math display="{"block" if display else "inline"}">{body}</math>')


def note(text: str) -> Any:
    """A reading note with its `quoted` input shown as code and its reading as Unicode math (x² sin(x))."""
    from markupsafe import Markup, escape
    from symgd.report.writeup import note_text
    return Markup(re.sub(r"`([^`]*)`", r"<code>\1</code>", str(escape(note_text(text)))))


def render(template: str, **values: Any) -> dict[str, Any]:
    return {"html": _templates().get_template(template).render(**values)}


def text_field(payload: Mapping[str, Any], key: str, default: str = "") -> str:
    value = str(payload.get(key) or default)
    if len(value) > MAX_FIELD:
        raise RequestError(f"the field {key!r} is {len(value):,} characters long; at most {MAX_FIELD:,} are read")
    return value.strip()


def read(payload: Mapping[str, Any]) -> dict[str, Any]:
    """How the input was read: the expression as math, the reading notes, the variables."""
    from symgd.parse import parse_program
    program = parse_program(text_field(payload, "expr"))
    return render("read.html", program=program, notes=_unique(program.notes))


def _unique(notes: Any) -> list[str]:
    return list(dict.fromkeys(str(n) for n in notes))


def derivative(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The gradient with every step (each rule named, each verified against sympy.diff)."""
    from symgd import ordered_variables, parse_program, steps
    program = parse_program(text_field(payload, "expr"))
    variables = ordered_variables(program.expr, text_field(payload, "wrt") or None)
    work = steps(program.expr, wrt=[v.name for v in variables])
    return render("derivative.html", program=program, work=work)


def graph_at(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The chain-rule graph at a point: SVG through Graphviz (nodes with values and adjoints), or the text
    table where Graphviz is not installed."""
    from symgd import graph
    from symgd.report.graph import graphviz_available, render_image, render_text
    view = graph(text_field(payload, "expr"), at=text_field(payload, "at") or None, wrt=text_field(payload, "wrt") or None)
    svg = None
    if graphviz_available():
        svg = render_image(view, "svg", size=None).decode()
        svg = svg[svg.index("<svg"):]  # inline: drop the XML prologue and doctype
    return render("graph.html", view=view, svg=svg, table=None if svg else render_text(view))


def check_answer(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Right or wrong, and for a wrong answer the term and the rule that went wrong."""
    from symgd import check
    result = check(text_field(payload, "expr"), text_field(payload, "wrt"), text_field(payload, "answer"))
    return render("check.html", result=result)


def descent(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A descent (or a multi-start run) with the contour plot, the path and the loss curve as SVG."""
    from symgd import minimize
    from symgd.parse.points import parse_box, parse_point
    from symgd.report.plot import plot_minimize
    options: dict[str, Any] = {"optimizer": text_field(payload, "optimizer", "gd"), "backend": "numpy",
                               "steps": whole_field(payload, "steps", 2000, 200_000)}
    if text_field(payload, "lr"):
        options["lr"] = _number(payload, "lr")
    starts = whole_field(payload, "starts", 0, 256)
    if starts:
        options.update(starts=starts, seed=0, bounds=parse_box(text_field(payload, "box") or "x=-5:5"))
    at = parse_point(text_field(payload, "at")) if text_field(payload, "at") and not starts else None
    result = minimize(text_field(payload, "expr"), at, **options)
    return render("descent.html", result=result, svg=_svg(lambda path: plot_minimize(result, path)))


def fit_data(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A fit to uploaded CSV text (or a data formula): parameters, the report and the fit plot."""
    from symgd import fit
    from symgd.cli.fit_cmd import _plot
    model, target = text_field(payload, "model"), text_field(payload, "target", "y")
    options = {"method": text_field(payload, "method", "lm")}
    with tempfile.TemporaryDirectory(prefix="symgd-web-") as folder:
        data = text_field(payload, "data")
        if payload.get("csv"):
            data = os.path.join(folder, "upload.csv")
            with open(data, "w", encoding="utf-8") as handle:
                handle.write(str(payload["csv"]))
        elif "=" not in data:
            raise RequestError("upload a CSV file or give the data as a formula, e.g. "
                               "'x = linspace(0, 1, 50); y = 2*x + 1'")
        result = fit(model, data, target=target, **options)
        svg = _svg(lambda path: _plot(result, data, None, path))
    return render("fit.html", result=result, report=result.report("text"), svg=svg)


def _svg(draw: Any) -> str | None:
    """What ``draw(path)`` writes to an SVG file, inline; None where matplotlib is not installed."""
    from importlib.util import find_spec
    if find_spec("matplotlib") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="symgd-web-") as folder:
        path = os.path.join(folder, "plot.svg")
        draw(path)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    return text[text.index("<svg"):]


def whole_field(payload: Mapping[str, Any], key: str, default: int, most: int) -> int:
    text = text_field(payload, key)
    if not text:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) > most:
        raise RequestError(f"{key} must be a whole number from 0 to {most:,}, not {text[:40]!r}")
    return int(text)


def _number(payload: Mapping[str, Any], key: str) -> float:
    from argparse import ArgumentTypeError
    from symgd.cli._options import real_number
    try:
        return real_number(0.0, above=True)(text_field(payload, key))
    except ArgumentTypeError as exc:
        raise RequestError(f"{key}: {exc}") from None
