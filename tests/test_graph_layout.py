"""Issue 15: graph pictures of chains deeper than 12 levels fit a 16:9 slide. Plain top-to-bottom they are
narrower than 1:2 (measured here, so the test can fail); the default layout folds the levels into columns
(symgd/report/graph_fold.py). Oracles: Graphviz's own output (the SVG header, ``dot -Tplain`` edges) and
sympy.diff for the gradient on the picture."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import sympy

from symgd.explain.graphview import graph
from symgd.parse import parse
from symgd.report.graph import Layout, choose_layout, render_dot, render_image
from symgd.report.graph_fold import FOLD_DEPTH, depths, fold_bands, fold_ranks

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

DEEP = [
    ("sin(" * 15 + "x" + ")" * 15, {"x": 0.5}),
    ("sin(cos(exp(tanh(sin(cos(exp(tanh(sin(cos(exp(tanh(sin(cos(x))))))))))))))", {"x": 0.3}),
    ("sqrt(1 + " * 13 + "x" + ")" * 13, {"x": 1.0}),
    ("sigmoid(2 sigmoid(2 sigmoid(2 sigmoid(2 sigmoid(2 sigmoid(x))))))", {"x": 0.2}),
    ("log(1 + " * 20 + "x" + ")" * 20, {"x": 1.0}),
]


def _svg_size(svg: bytes) -> tuple[float, float]:
    w, h = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg.decode()).groups()
    return float(w), float(h)


def _plain_edges(source: str) -> set[tuple[str, str]]:
    plain = subprocess.run(["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True).stdout
    return {tuple(line.split()[1:3]) for line in plain.splitlines() if line.startswith("edge ")}


@needs_dot
@pytest.mark.parametrize("text, point", DEEP, ids=[t[:24] for t, _ in DEEP])
def test_deep_chain_fits_a_slide(text, point):
    view = graph(text, at=point)
    assert max(depths(view).values()) >= FOLD_DEPTH
    w, h = _svg_size(render_image(view, "svg", rankdir="TB"))
    assert w / h < 1 / 2, (w, h)  # the problem: a strip
    w, h = _svg_size(render_image(view, "svg"))
    assert 1 / 2 <= w / h <= 3 and w <= 960.5 and h <= 540.5, (w, h)
    assert 1 / 2 <= (w / h) / (16 / 9) <= 2  # within a factor of two of 16:9
    expr, subs = parse(text), {sympy.Symbol(k): v for k, v in point.items()}
    assert view.gradient[0] == pytest.approx(float(sympy.diff(expr, sympy.Symbol("x")).subs(subs)), rel=1e-10)


@needs_dot
@pytest.mark.parametrize("text, point", DEEP[:3], ids=[t[:24] for t, _ in DEEP[:3]])
def test_folded_picture_keeps_every_edge(text, point):
    """dot drops an edge it cannot route (it did for edges within one rank): every edge is still drawn."""
    view = graph(text, at=point)
    layout = choose_layout(view)
    assert layout.fold  # the chosen layout is a fold
    source = render_dot(view)
    wanted = {(kid, n.name) for n in view.nodes for kid in n.inputs}
    drawn = {(a.strip('"'), b.strip('"')) for a, b in _plain_edges(source)}
    assert wanted <= drawn
    ranks = fold_ranks(view, layout.fold)
    assert all(ranks[kid] != ranks[name] for kid, name in wanted)


def test_fold_puts_each_depth_on_its_rank_modulo_the_band():
    view = graph("sin(" * 15 + "x" + ")" * 15, at={"x": 0.5})
    d = depths(view)
    assert sorted(d.values()) == list(range(16))  # a chain: one node per level, the input at 0
    ranks = fold_ranks(view, 5)
    assert all(ranks[name] == d[name] % 5 for name in d)
    assert set(fold_bands(view)) == set(range(4, 9))  # 2 to 5 columns of a 16-level chain


def test_shallow_graphs_are_not_folded():
    view = graph("sin(x) * cos(y) + x^2", at={"x": 1.0, "y": 2.0})
    assert fold_bands(view) == ()
    assert "rank=same" not in render_dot(view)


@needs_dot
def test_an_input_used_at_every_level_is_never_on_a_folded_edge_within_a_rank():
    """x feeds every level: each fold would put an edge inside one rank, so none is tried, and the picture
    is still drawn (by one of the unfolded layouts)."""
    text = "sin(x + " * 14 + "x" + ")" * 14
    view = graph(text, at={"x": 0.1})
    assert max(depths(view).values()) >= FOLD_DEPTH
    assert all(fold_ranks(view, band) is None for band in range(2, 10)) and fold_bands(view) == ()
    assert choose_layout(view).fold == 0
    assert render_image(view, "svg").startswith(b"<?xml")


def test_a_fold_layout_writes_rank_groups_and_free_edges():
    from symgd.report.graph import _dot_source
    view = graph("log(1 + " * 20 + "x" + ")" * 20, at={"x": 1.0})
    assert Layout().fold == 0 and "rank=same" not in _dot_source(view, 6, Layout(), None)
    source = _dot_source(view, 6, Layout(fold=7), None)
    assert source.count("rank=same") == 7
    real = [line for line in source.splitlines() if "->" in line and "_r" not in line]
    assert len(real) == sum(len(n.inputs) for n in view.nodes)
    assert all("constraint=false" in line for line in real)
