"""Issue 15, graph pictures for slides: node names that are never the language's constants, the user's
definitions kept as named nodes, and a Graphviz picture laid out top to bottom that fits a 16:9 slide.

Oracles: symgd's own parser reading a node's printed definition back (a node called e would read as
Euler's number), sympy.diff for the gradients, and Graphviz's own layout (``dot -Tplain``, the SVG and
PNG headers) for the picture."""
from __future__ import annotations

import math
import re
import shutil
import struct
import subprocess

import pytest
import sympy

from symgd.calculus.decompose import node_names
from symgd.cli import main
from symgd.errors import BackendUnavailableError
from symgd.explain.graphview import graph
from symgd.parse import parse
from symgd.report.graph import LAYOUTS, SLIDE_ASPECT, Layout, aspect, choose_layout, render_dot, render_image

CONSTANTS = {"e", "E", "I", "pi"}
#: 22 nodes: the textbook example plus four more terms
TWENTY = "tanh(ln(1 + z*2x/sin(y))) + x^2*y + sin(x*y)*cos(z) + exp(x-y)/sqrt(z) + atan(x*z)"
POINT = {"x": 1.0, "y": 2.0, "z": 3.0}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def _gradient_oracle(expr: sympy.Expr, point: dict[str, float]) -> list[float]:
    subs = {sympy.Symbol(k): v for k, v in point.items()}
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    return [float(sympy.diff(expr, v).subs(subs)) for v in variables]


def test_node_names_skip_the_constants():
    names = list(node_names(60, set()))
    assert not CONSTANTS & set(names)
    assert len(set(names)) == 60 and names[:5] == ["a", "b", "c", "d", "f"]  # build_graph keeps f for the output


@pytest.mark.parametrize("text", ["sigmoid(a*x+b)", TWENTY, "sigmoid(w1*x + w2*y + c) * exp(d*x)"])
def test_node_definitions_read_back_as_themselves(text):
    """Each node's printed definition, read by symgd's parser, is the same expression: no node name is
    taken for Euler's number (sigmoid(a*x+b) once showed f = 1/(e + 1))."""
    view = graph(text, at={s.name: 0.5 for s in parse(text).free_symbols})
    names = {n.name for n in view.nodes}
    assert not CONSTANTS & names
    for n in view.nodes:
        if not n.is_input:
            plain = n.expr.xreplace({s: sympy.Symbol(s.name) for s in n.expr.free_symbols})
            assert sympy.simplify(parse(sympy.sstr(plain)) - plain) == 0, (n.name, plain)


@pytest.mark.parametrize("program, kept, expanded", [
    ("u = x^2 + y^2; sin(u)", {"u": "x^2 + y^2"}, "sin(x^2 + y^2)"),
    ("u = x; sin(u) + x^2", {"u": "x"}, "sin(x) + x^2"),                       # a lone variable
    ("u = 2*x; sin(u) + u", {"u": "2*x"}, "sin(2*x) + 2*x"),                   # folded into sin's operand
    ("u = x^2; v = u + 1; sin(v)*u", {"u": "x^2", "v": "x^2 + 1"}, "sin(x^2 + 1)*x^2"),  # additive constant
    ("u = x*y; cos(u + 3) - u", {"u": "x*y"}, "cos(x*y + 3) - x*y"),            # a sum term and an operand
    ("u = 2*x; 3*u*y", {"u": "2*x"}, "6*x*y"),                                  # flattened into a product
    ("u = x + y; u + sin(x)", {"u": "x + y"}, "x + y + sin(x)"),               # flattened into a sum
    ("u = x + y; v = x + y + 1; u*v", {"u": "x + y", "v": "x + y + 1"}, "(x + y)*(x + y + 1)"),
    # merged into like terms: u + x + y is 2x + 2y
    ("u = x + y; u + x + y", {"u": "x + y"}, "2*x + 2*y"),
    ("u = x + y; f = u + x + y", {"u": "x + y", "f": "2*x + 2*y"}, "2*x + 2*y"),  # the output named f too
    ("u = x + y; u + x + y + sin(x)", {"u": "x + y"}, "2*x + 2*y + sin(x)"),
    ("u = x - 2*y; 2*x - 4*y + x*y", {"u": "x - 2*y"}, "2*x - 4*y + x*y"),
    ("u = x + y; v = 2*x + 2*y + 1; u*v", {"u": "x + y", "v": "2*x + 2*y + 1"}, "(x + y)*(2*x + 2*y + 1)"),
])
def test_user_definitions_stay_named_nodes(program, kept, expanded):
    point = {"x": 0.7, "y": -1.3}
    view = graph(program, at=point)
    for name, definition in kept.items():
        node = view.node(name)
        assert sympy.simplify(node.definition - parse(definition)) == 0
    expr = parse(expanded)
    point = {k: v for k, v in point.items() if sympy.Symbol(k) in expr.free_symbols}
    assert list(view.gradient) == pytest.approx(_gradient_oracle(expr, point), rel=1e-13)
    assert view.value == pytest.approx(float(expr.subs({sympy.Symbol(k): v for k, v in point.items()})),
                                       rel=1e-14)


def test_like_term_definition_is_an_operand_of_its_user():
    """u = x + y; f = u + x + y: the output is computed from u (f = 2u), not from x and y again."""
    view = graph("u = x + y; u + x + y", at={"x": 0.5, "y": 2.0})
    assert view.node(view.output).inputs == ("u",)


def _plain_positions(dot_source: str) -> dict[str, tuple[float, float]]:
    """Node centres from Graphviz's own layout (``-Tplain``: y grows upwards)."""
    out = subprocess.run(["dot", "-Tplain"], input=dot_source.encode(), capture_output=True, check=True)
    pos = {}
    for line in out.stdout.decode().splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            pos[parts[1].strip('"')] = (float(parts[2]), float(parts[3]))
    return pos


@needs_dot
def test_default_layout_is_top_to_bottom_and_lr_on_request():
    view = graph(TWENTY, at=POINT)
    tb = _plain_positions(render_dot(view))
    assert all(tb[v][1] > tb["f"][1] for v in "xyz")  # inputs above the output
    lr = _plain_positions(view.render("dot", rankdir="LR"))
    assert all(lr[v][0] < lr["f"][0] for v in "xyz")  # inputs left of the output
    with pytest.raises(ValueError, match="layout"):
        render_dot(view, rankdir="diagonal")


@needs_dot
def test_twenty_node_picture_fits_a_slide():
    """The PNG was a 3561×167 strip (21:1); now both formats are within 1:3..3:1 and at most 16:9 inches
    13.33 × 7.5 (960 × 540 pt)."""
    view = graph(TWENTY, at=POINT)
    assert len(view.nodes) >= 20
    png = render_image(view, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert 1 / 3 <= width / height <= 3, (width, height)
    svg = render_image(view, "svg").decode()
    w, h = (float(v) for v in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert 1 / 3 <= w / h <= 3 and w <= 960.5 and h <= 540.5, (w, h)
    free = render_image(view, "svg", size=None).decode()  # unbounded: larger than the slide
    w0 = float(re.search(r'<svg width="([\d.]+)pt"', free).group(1))
    assert w0 > w


@needs_dot
def test_cli_rankdir(tmp_path, capsys):
    assert main(["graph", TWENTY, "--at", "x=1,y=2,z=3", "--format", "dot", "--rankdir", "lr"]) == 0
    lr = _plain_positions(capsys.readouterr().out)
    assert all(lr[v][0] < lr["f"][0] for v in "xyz")
    target = tmp_path / "g.png"
    assert main(["graph", TWENTY, "--at", "x=1,y=2,z=3", "--format", "png", "-o", str(target)]) == 0
    width, height = struct.unpack(">II", target.read_bytes()[16:24])
    assert 1 / 3 <= width / height <= 3
    capsys.readouterr()
    assert main(["graph", "x", "--at", "x=1", "--rankdir", "up"]) == 2
    assert "invalid choice" in capsys.readouterr().err


#: Graphs of at most 20 nodes that one fixed layout draws as strips: deep chains (tall in TB), sums of
#: products and of many inputs (wide in TB).
STRIPS = [
    ("sin(cos(tan(exp(log(x^2+1)))))", {"x": 0.3}),
    ("sin(cos(tan(exp(log(sqrt(x^2+1)+1)))))*x+y", {"x": 0.3, "y": 1.0}),
    ("log(1+exp(sin(cos(tan(sqrt(x+1))))))", {"x": 1.0}),
    ("x1*x2+x3*x4+x5*x6+x7*x8+x9*x10+x11*x12", {f"x{i}": 1.0 for i in range(1, 13)}),
    ("+".join(f"x{i}" for i in range(1, 20)), {f"x{i}": 1.0 for i in range(1, 20)}),
]


def _png_aspect(png: bytes) -> float:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width / height


@needs_dot
@pytest.mark.parametrize("text, point", STRIPS, ids=[t[:30] for t, _ in STRIPS])
def test_auto_layout_fits_a_slide(text, point):
    """Each of these is a strip in plain TB (taller than 1:2 or wider than 3:1, measured by Graphviz);
    the default layout keeps the picture between 1:2 and 3:1, and its gradient is still sympy's."""
    view = graph(text, at=point)
    assert len(view.nodes) <= 20
    tb = _png_aspect(render_image(view, "png", rankdir="TB"))
    assert not 1 / 2 <= tb <= 3, tb
    auto = _png_aspect(render_image(view, "png"))
    assert 1 / 2 <= auto <= 3, auto
    expr = parse(text)
    assert list(view.gradient) == pytest.approx(_gradient_oracle(expr, point), rel=1e-12)


@needs_dot
def test_auto_picks_the_layout_closest_to_sixteen_by_nine():
    from symgd.report.graph import _dot_source
    view = graph(STRIPS[0][0], at=STRIPS[0][1])
    chosen = choose_layout(view)
    off = {layout: abs(math.log(aspect(_dot_source(view, 6, layout, None)) / SLIDE_ASPECT)) for layout in LAYOUTS}
    assert off[chosen] == min(off.values())
    assert render_dot(view, rankdir="auto") == render_dot(view)  # the default, in any case


def test_auto_without_graphviz_is_top_to_bottom(monkeypatch):
    import symgd.report.graph as report
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    view = graph(STRIPS[0][0], at=STRIPS[0][1])
    assert choose_layout(view) == Layout()
    assert 'rankdir="TB"' in render_dot(view)
    with pytest.raises(BackendUnavailableError):
        render_image(view, "png")


@needs_dot
def test_cli_default_layout_fits_a_slide(tmp_path, capsys):
    target = tmp_path / "chain.png"
    text, _ = STRIPS[1]
    assert main(["graph", text, "--at", "x=0.3,y=1", "--format", "png", "-o", str(target)]) == 0
    assert 1 / 2 <= _png_aspect(target.read_bytes()) <= 3
    assert main(["graph", text, "--at", "x=0.3,y=1", "--format", "png", "--rankdir", "tb", "-o", str(target)]) == 0
    assert _png_aspect(target.read_bytes()) < 1 / 2
    capsys.readouterr()
