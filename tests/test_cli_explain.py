"""The steps, graph and check commands, called through main() with captured output."""
from __future__ import annotations

import json

import pytest

from symgd.cli import main

parse = pytest.importorskip("symgd.parse")
if not hasattr(parse, "parse_program"):
    pytest.skip("the parser (symgd.parse.parse_program) is not built yet", allow_module_level=True)


@pytest.mark.parametrize("fmt, marker", [("text", "chain rule"), ("markdown", "**chain rule**"),
                                         ("latex", "\\textbf{chain rule}"), ("json", '"rule": "chain rule"')])
def test_steps_formats(capsys, fmt, marker):
    assert main(["steps", "sin(x^2)", "--wrt", "x", "--format", fmt]) == 0
    assert marker in capsys.readouterr().out


def test_steps_without_wrt_prints_the_gradient(capsys):
    assert main(["steps", "x^2 y"]) == 0
    assert "∇f(x, y) = (2x y, x²)" in capsys.readouterr().out


def test_graph_text_json_dot_and_file(capsys, tmp_path):
    assert main(["graph", "tanh(ln(1 + z*2x/sin(y)))", "--at", "x=1,y=2,z=3"]) == 0
    assert "c = a/b" in capsys.readouterr().out
    assert main(["graph", "x*y", "--at", "x=2,y=3", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["gradient"] == {"x": 3.0, "y": 2.0}
    out = tmp_path / "g.dot"
    assert main(["graph", "x*y", "--at", "x=2,y=3", "--format", "dot", "--output", str(out)]) == 0
    assert out.read_text().startswith("digraph")


def test_graph_missing_value_is_bad_input(capsys):
    assert main(["graph", "x*y", "--at", "x=2"]) == 2
    assert "no value for y" in capsys.readouterr().err


def test_check_right_and_wrong(capsys):
    assert main(["check", "x^2 sin(x)", "--wrt", "x", "--answer", "2x sin(x) + x^2 cos(x)"]) == 0
    out = capsys.readouterr().out  # the reading notes come first, then the verdict
    assert out.split("\n\n")[-1].startswith("correct")
    assert main(["check", "x^2 sin(x)", "--wrt", "x", "--answer", "2x sin(x)"]) == 1
    assert "product rule's f·g′ term is missing" in capsys.readouterr().out
