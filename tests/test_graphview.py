"""The chain-rule graph at a point: the textbook example, adjoints = compiled gradient, renderers."""
from __future__ import annotations

import json
import math
import random

import pytest
import sympy
from sympy import cos, exp, log, sin, sqrt, tanh

from symgd.errors import BackendUnavailableError, VariableError
from symgd.explain.graphview import definition_names, graph
from symgd.report import graph as graph_report

x, y, z = sympy.symbols("x y z")
TEXTBOOK = tanh(log(1 + z * 2 * x / sin(y)))


def test_textbook_example_node_values_and_adjoints():
    X, Y, Z = 0.7, 1.3, -0.4
    view = graph(TEXTBOOK, at={"x": X, "y": Y, "z": Z})
    assert [n.name for n in view.nodes] == ["x", "y", "z", "a", "b", "c", "d", "g", "f"]
    assert view.output == "f"
    a, b = 2 * X, math.sin(Y)
    c = a / b
    d = Z * c
    e = math.log(1 + d)
    f = math.tanh(e)
    for name, value in zip("abcdgf", (a, b, c, d, e, f)):
        assert view.node(name).value == pytest.approx(value, rel=1e-14)
    assert view.node("f").adjoint == 1.0
    df_de = 1 - math.tanh(e) ** 2
    df_dd = df_de / (1 + d)
    df_dc = df_dd * Z
    expected = {"g": df_de, "d": df_dd, "c": df_dc, "a": df_dc / b, "b": -df_dc * a / b ** 2,
                "x": df_dc / b * 2, "z": df_dd * c, "y": -df_dc * a / b ** 2 * math.cos(Y)}
    for name, adjoint in expected.items():
        assert view.node(name).adjoint == pytest.approx(adjoint, rel=1e-13)
    # ∂f/∂x is the product along the path back to x: (1 − tanh²(e)) · 1/(1+d) · z · (1/b) · 2
    assert view.gradient[0] == pytest.approx((1 - math.tanh(e) ** 2) * 1 / (1 + d) * Z * (1 / b) * 2, rel=1e-13)
    assert view.node("c").inputs == ("a", "b")
    assert view.node("c").partials == (1 / sympy.Symbol("b"), -sympy.Symbol("a") / sympy.Symbol("b") ** 2)


def _random_expr(rng: random.Random, depth: int) -> sympy.Expr:
    if depth == 0:
        return rng.choice([x, y, z, x, y, sympy.Rational(rng.randint(1, 5), rng.randint(1, 3))])
    op = rng.choice(["add", "mul", "div", "sin", "cos", "exp", "tanh", "log", "sqrt", "pow"])
    a, b = _random_expr(rng, depth - 1), _random_expr(rng, depth - 1)
    return {"add": lambda: a + b, "mul": lambda: a * b, "div": lambda: a / (2 + b ** 2),
            "sin": lambda: sin(a), "cos": lambda: cos(a), "exp": lambda: exp(a / 3), "tanh": lambda: tanh(a),
            "log": lambda: log(1 + a ** 2), "sqrt": lambda: sqrt(1 + a ** 2), "pow": lambda: a ** 3}[op]()


def test_input_adjoints_equal_the_compiled_gradient_on_30_random_expressions():
    from symgd.codegen.api import compile
    rng = random.Random(4)
    done = 0
    while done < 30:
        expr = _random_expr(rng, rng.randint(2, 3))
        if not expr.free_symbols:
            continue
        view = graph(expr, at={"x": 0.3, "y": -0.8, "z": 1.1})
        compiled = compile(expr, view.variables, backend="python")
        grad = compiled.grad(*(view.point[v.name] for v in view.variables))
        for mine, theirs in zip(view.gradient, grad):
            assert mine == pytest.approx(theirs, rel=1e-12, abs=1e-12), expr
        done += 1


def test_shared_subexpressions_appear_once_and_text_folds_repeats():
    view = graph(sin(x ** 2 + y ** 2) * cos(x ** 2 + y ** 2), at={"x": 1, "y": 2})
    definitions = [n.definition for n in view.nodes]
    assert definitions.count(x ** 2 + y ** 2) == 1
    text = view.render("text")
    assert "(shown above)" in text
    folded = graph_report.render_text(view, max_depth=1)
    assert "below depth 1" in folded


def test_dot_json_markdown_latex_renderers():
    view = graph(TEXTBOOK, at={"x": 1, "y": 2, "z": 3})
    dot = view.render("dot")
    assert dot.startswith("digraph") and dot.count("->") == sum(len(n.inputs) for n in view.nodes)
    data = json.loads(view.render("json"))
    assert data["gradient"]["x"] == pytest.approx(view.gradient[0])
    assert [n["name"] for n in data["nodes"]] == [n.name for n in view.nodes]
    assert "| $c$ | $\\frac{a}{b}$ |" in view.render("markdown")
    assert "\\begin{tabular}" in view.render("latex")


def test_svg_without_graphviz_says_how_to_install(monkeypatch):
    monkeypatch.setattr(graph_report.shutil, "which", lambda name: None)
    view = graph(x * y, at={"x": 1, "y": 2})
    with pytest.raises(BackendUnavailableError, match="apt-get install graphviz"):
        view.render("svg")
    assert view._repr_svg_() is None


def test_svg_with_graphviz():
    if not graph_report.graphviz_available():
        pytest.skip("Graphviz's dot program is not installed")
    svg = graph(x * y, at={"x": 1, "y": 2}).render("svg")
    assert "<svg" in svg


def test_point_must_cover_every_variable():
    with pytest.raises(VariableError, match="no value for y"):
        graph(x * y, at={"x": 1})
    assert graph(x * y, at=[2.0, 3.0]).gradient == (3.0, 2.0)


def test_definition_names_expand_earlier_definitions():
    u, t = sympy.symbols("u t")
    names = definition_names({"u": ((), x ** 2), "v": ((), u + 1), "P": ((t,), t ** 2)})
    assert names == {"u": x ** 2, "v": x ** 2 + 1}


def test_user_definitions_name_nodes():
    parse = pytest.importorskip("symgd.parse")
    if not hasattr(parse, "parse_program"):
        pytest.skip("the parser (symgd.parse.parse_program) is not built yet")
    view = graph("u = x^2 + y^2; sin(u)", at={"x": 1, "y": 2})
    assert view.node("u").value == pytest.approx(5.0)
    assert view.node("u").adjoint == pytest.approx(math.cos(5.0))
