"""Renderers for the chain-rule graph at a point: text tree, DOT, SVG/PNG (Graphviz), Markdown,
LaTeX and JSON. All return strings (bytes for PNG); nothing here prints.

The text tree is drawn from the output down, like pytensor's debugprint: a node that was already
drawn is shown again only by name, and subtrees below ``max_depth`` are folded into a count.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass

import sympy

from symgd.errors import BackendUnavailableError
from symgd.report.graph_fold import fold_bands, fold_lines
from symgd.report.descent import tex_number
from symgd.report.mathtext import math_text, tex

GRAPHVIZ_HINT = ("Graphviz's `dot` program is needed for SVG and PNG but is not installed; install it "
                 "with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
                 "`conda install graphviz` — `pip install graphviz` alone does not provide the program. "
                 "`--format dot` or `--format text` work without it.")


def _num(value: float, precision: int) -> str:
    return f"{value:.{precision}g}"


def _s(expr: sympy.Expr) -> str:
    return sympy.sstr(expr)


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


def _children(view) -> dict[str, list[tuple[str, sympy.Expr, float]]]:
    return {n.name: list(zip(n.inputs, n.partials, n.partial_values)) for n in view.nodes}


def _line(node, out: str, precision: int, show=_s) -> str:
    head = f"{node.name} (input)" if node.is_input else f"{node.name} = {show(node.expr)}"
    return f"{head}   value {_num(node.value, precision)}   ∂{out}/∂{node.name} {_num(node.adjoint, precision)}"


def _edge(parent: str, kid: str, partial: sympy.Expr, value: float, precision: int, show=_s) -> str:
    """∂parent/∂kid = partial = value (the value once when the partial is a number)."""
    text = f"∂{parent}/∂{kid} = {show(partial)}"
    return text if partial.is_number else f"{text} = {_num(value, precision)}"


def render_text(view, *, precision: int = 6, max_depth: int = 12, plain: bool = False) -> str:
    """The graph as a tree from the output, each node with value and adjoint, each edge with its local
    partial; repeated nodes by name only; then the gradient. Expressions in Unicode math (x² sin(x)),
    or as SymPy writes them when ``plain``."""
    from symgd.report.mathtext import expression_printer
    show = expression_printer(plain)
    variables = ", ".join(v.name for v in view.variables)
    lines = [f"f({variables}) = {show(view.f)}   at " + ", ".join(f"{k} = {_num(v, precision)}"
                                                            for k, v in view.point.items())]
    if not view.output:
        return "\n".join(lines + [f"f is constant: {_num(view.value, precision)}; its gradient is 0"])
    by_name = {n.name: n for n in view.nodes}
    children, shown = _children(view), set()

    def draw(name: str, prefix: str, branch: str, edge: str, depth: int) -> None:
        node = by_name[name]
        if name in shown and not node.is_input:
            lines.append(f"{prefix}{branch}{name} (shown above){edge}")
            return
        shown.add(name)
        lines.append(f"{prefix}{branch}{_line(node, view.output, precision, show)}{edge}")
        kids = children[name]
        inner = prefix + ("" if not branch else ("   " if branch.startswith("└") else "│  "))
        if kids and depth >= max_depth:
            lines.append(f"{inner}└─ … {len(kids)} input(s) below depth {max_depth}")
            return
        for i, (kid, partial, value) in enumerate(kids):
            mark = "└─ " if i == len(kids) - 1 else "├─ "
            draw(kid, inner, mark, f"   [{_edge(name, kid, partial, value, precision, show)}]", depth + 1)

    lines.append(f"each node shows its value and its adjoint ∂{view.output}/∂node (the output is {view.output})")
    draw(view.output, "", "", "", 0)
    grad = ", ".join(f"∂{view.output}/∂{v.name} = {_num(g, precision)}"
                     for v, g in zip(view.variables, view.gradient))
    lines.append(f"gradient (the inputs' adjoints): {grad}")
    return "\n".join(lines)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("{", "\\{").replace("}", "\\}") \
        .replace("<", "\\<").replace(">", "\\>").replace("|", "\\|")


#: Graphviz ``rankdir`` values: the inputs at the top (TB), left (LR), bottom or right; AUTO (the default)
#: picks among the layouts of ``LAYOUTS`` the one whose picture is closest to a 16:9 slide.
RANKDIRS = ("AUTO", "TB", "LR", "BT", "RL")

#: The largest drawing, in inches: a 16:9 slide (13.33 × 7.5 in). Graphviz only shrinks to it, keeping the
#: aspect ratio, so small graphs keep their natural size.
SLIDE_SIZE = "13.33,7.5"
SLIDE_ASPECT = 16 / 9
#: Past this many nodes AUTO is TB without trying the others (each try is a Graphviz layout).
AUTO_MAX_NODES = 60


@dataclass(frozen=True)
class Layout:
    """How the picture is laid out: Graphviz's ``rankdir``; whether a node's fields (definition, value,
    adjoint) are stacked (else side by side: a deep chain of TB ranks stays wide enough); whether the
    leaves are staggered over ``unflatten`` ranks by Graphviz's ``unflatten`` (0: not; a wide sum of
    many inputs); whether the levels are folded into columns of ``fold`` ranks (0: not; a deep chain,
    see graph_fold.py)."""

    rankdir: str = "TB"
    stacked: bool = True
    unflatten: int = 0
    fold: int = 0


#: Tried by AUTO in this order (the first wins a tie): TB; TB with fields side by side (deep chains: 1:2.2
#: stacked, 1:1 side by side); LR, stacked or side by side (shallow, wide graphs: a sum of six products is
#: 4:1 in TB, 3:2 in LR side by side); TB with leaves staggered over 5 ranks (a sum of 19 inputs, 9.5:1 in TB).
LAYOUTS = (Layout(), Layout(stacked=False), Layout("LR"), Layout("LR", stacked=False), Layout(unflatten=5))


def _check_rankdir(rankdir: str) -> str:
    upper = str(rankdir).upper()
    if upper not in RANKDIRS:
        raise ValueError(f"unknown graph layout {rankdir!r}: use one of {', '.join(RANKDIRS)}")
    return upper


def _dot_source(view, precision: int, layout: Layout, size: str | None) -> str:
    out = ["digraph symgd {", f'  rankdir="{layout.rankdir}";'] + ([f'  size="{size}";'] if size else []) + [
        '  node [shape=record, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];']
    # a record's fields run across the rank direction; braces turn them (stacked in TB, across in LR)
    turn = (layout.rankdir in ("TB", "BT")) == layout.stacked
    brace = ("{ ", " }") if turn else ("", "")
    for n in view.nodes:
        head = n.name if n.is_input else f"{n.name} = {math_text(n.expr)}"  # a picture: x², not x**2
        label = (f"{brace[0]}{_dot_escape(head)} | value {_num(n.value, precision)} | "
                 f"∂{view.output}/∂{_dot_escape(n.name)} {_num(n.adjoint, precision)}{brace[1]}")
        style = ', style=filled, fillcolor="#e8f0fe"' if n.is_input else (
            ', style=filled, fillcolor="#fde8e8"' if n.name == view.output else "")
        out.append(f'  "{n.name}" [label="{label}"{style}];')
    free = ", constraint=false" if layout.fold else ""  # folded: the anchors set the ranks, not the edges
    for n in view.nodes:
        for kid, partial, value in zip(n.inputs, n.partials, n.partial_values):
            text = _dot_escape(_edge(n.name, kid, partial, value, precision, math_text))
            out.append(f'  "{kid}" -> "{n.name}" [label="{text}"{free}];')
    out += fold_lines(view, layout.fold) if layout.fold else []
    out.append("}")
    source = "\n".join(out) + "\n"
    if not layout.unflatten:
        return source
    return _graphviz("unflatten", ["-l", str(layout.unflatten), "-f"], source).decode()


def _graphviz(program: str, options: list[str], source: str) -> bytes:
    """Run a Graphviz program on DOT ``source``; a clear error when it is missing or fails."""
    path = shutil.which(program)
    if path is None:
        raise BackendUnavailableError(GRAPHVIZ_HINT)
    done = subprocess.run([path, *options], input=source.encode(), capture_output=True, check=False, timeout=60)
    if done.returncode != 0:
        raise BackendUnavailableError(f"Graphviz failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def aspect(source: str) -> float:
    """Width / height of Graphviz's layout of DOT ``source`` (its ``-Tplain`` header)."""
    header = _graphviz("dot", ["-Tplain"], source).decode().split("\n", 1)[0].split()
    return float(header[2]) / max(float(header[3]), 1e-9)


def choose_layout(view, precision: int = 6) -> Layout:
    """The layout of ``LAYOUTS`` (and, for a deep graph, of its folds into columns) whose picture is
    closest to 16:9 (in ratio, so 8:9 and 32:9 are as far); TB when Graphviz is missing, or for graphs
    past AUTO_MAX_NODES."""
    if shutil.which("dot") is None or len(view.nodes) > AUTO_MAX_NODES:
        return Layout()
    tries = [t for t in LAYOUTS if not t.unflatten or shutil.which("unflatten")]
    tries += [Layout(stacked=stacked, fold=band) for band in fold_bands(view) for stacked in (True, False)]
    off = [abs(math.log(aspect(_dot_source(view, precision, t, None)) / SLIDE_ASPECT)) for t in tries]
    return tries[off.index(min(off))]


def render_dot(view, *, precision: int = 6, rankdir: str = "AUTO", size: str | None = SLIDE_SIZE) -> str:
    """Graphviz DOT, in the manner of micrograd's draw_dot: one record per node (name = definition |
    value | adjoint), one edge per input labelled with its local partial. ``rankdir``: AUTO (the
    default: the layout closest to a 16:9 slide, see ``choose_layout``), TB (inputs on top), LR, BT or
    RL; ``size``: the largest drawing in inches (None: unbounded)."""
    rankdir = _check_rankdir(rankdir)
    layout = choose_layout(view, precision) if rankdir == "AUTO" else Layout(rankdir)
    return _dot_source(view, precision, layout, size)


def render_image(view, fmt: str, *, precision: int = 6, rankdir: str = "AUTO",
                 size: str | None = SLIDE_SIZE) -> bytes:
    """SVG or PNG through Graphviz's ``dot`` program (layout and size as in ``render_dot``); a clear
    error when it is not installed."""
    if shutil.which("dot") is None:
        raise BackendUnavailableError(GRAPHVIZ_HINT)
    return _graphviz("dot", [f"-T{fmt}"], render_dot(view, precision=precision, rankdir=rankdir, size=size))


def _lat_value(partial: sympy.Expr, value: float, precision: int) -> str:
    text = tex(partial)
    return text if partial.is_number else f"{text} = {tex_number(value, precision)}"


def _rows(view, precision: int):
    for n in view.nodes:
        edges = [(kid, p, v) for kid, p, v in zip(n.inputs, n.partials, n.partial_values)]
        yield n, edges


def render_markdown(view, *, precision: int = 6) -> str:
    """A Markdown table of the nodes (math in $…$) and the gradient."""
    lat = tex  # \ln, as textbooks write it
    lines = [f"Graph of $f = {lat(view.f)}$ at " + ", ".join(f"${k} = {tex_number(v, precision)}$"
                                                           for k, v in view.point.items()), "",
             f"| node | definition | value | adjoint $\\partial {view.output}/\\partial\\,\\cdot$ | local partials |",
             "|---|---|---|---|---|"]
    for n, edges in _rows(view, precision):
        definition = "input" if n.is_input else f"${lat(n.expr)}$"
        partials = "; ".join(f"$\\partial {n.name}/\\partial {k} = {_lat_value(p, v, precision)}$"
                             for k, p, v in edges) or "—"
        lines.append(f"| ${n.name}$ | {definition} | {_num(n.value, precision)} | "
                     f"{_num(n.adjoint, precision)} | {partials} |")
    grad = ", ".join(tex_number(g, precision) for g in view.gradient)
    names = ", ".join(v.name for v in view.variables)
    lines += ["", f"Gradient (the inputs' adjoints): $\\nabla f({names}) = ({grad})$"]
    return "\n".join(lines) + "\n"


def render_latex(view, *, precision: int = 6) -> str:
    """A LaTeX table (for a write-up or a notebook) of the nodes and the gradient."""
    lat = tex
    rows = []
    for n, edges in _rows(view, precision):
        definition = "\\text{input}" if n.is_input else lat(n.expr)
        partials = ",\\ ".join(f"\\frac{{\\partial {n.name}}}{{\\partial {k}}} = {_lat_value(p, v, precision)}"
                               for k, p, v in edges) or "-"
        rows.append(f"${n.name}$ & ${definition}$ & ${tex_number(n.value, precision)}$ & "
                    f"${tex_number(n.adjoint, precision)}$ & ${partials}$ \\\\")
    grad = ", ".join(tex_number(g, precision) for g in view.gradient)
    return ("\\begin{tabular}{lllll}\n\\hline\nnode & definition & value & "
            f"$\\partial {view.output}/\\partial\\,\\cdot$ & local partials \\\\\n\\hline\n" + "\n".join(rows) +
            f"\n\\hline\n\\end{{tabular}}\n\n$\\nabla f = ({grad})$\n")


def graph_data(view) -> dict:
    """The graph as plain data (names, definitions as strings, numbers) for JSON."""
    return {
        "expression": _s(view.f), "variables": [v.name for v in view.variables], "at": view.point,
        "output": view.output, "value": view.value,
        "nodes": [{"name": n.name, "kind": n.kind, "expr": _s(n.expr), "definition": _s(n.definition),
                   "inputs": list(n.inputs), "partials": [_s(p) for p in n.partials],
                   "partial_values": list(n.partial_values), "value": n.value, "adjoint": n.adjoint,
                   "adjoint_expr": _s(n.adjoint_expr)} for n in view.nodes],
        "gradient": dict(zip((v.name for v in view.variables), view.gradient)),
    }


def render_graph(view, fmt: str = "text", **options) -> str:
    """``view`` in ``fmt``: text, dot, svg, markdown, latex or json (PNG: use ``render_image``)."""
    if fmt == "text":
        return render_text(view, **options)
    if fmt == "dot":
        return render_dot(view, **options)
    if fmt == "svg":
        return render_image(view, "svg", **options).decode()
    if fmt == "markdown":
        return render_markdown(view, **options)
    if fmt == "latex":
        return render_latex(view, **options)
    if fmt == "json":
        return json.dumps(graph_data(view), indent=2)
    raise ValueError(f"unknown graph format {fmt!r}")
