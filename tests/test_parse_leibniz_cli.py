"""A derivative operator typed first (d/dx, ∂/∂y) is the wrt of grad, steps and graph (issue 15)."""
from __future__ import annotations

import json

import sympy as sp

from symgd.cli import main

x, y = sp.symbols("x y")


def test_grad_takes_the_operator_variable(capsys):
    assert main(["grad", "d/dx (x^2 sin(y))", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["variables"] == ["x"]
    assert sp.simplify(sp.sympify(data["gradient"][0]) - sp.diff(x**2 * sp.sin(y), x)) == 0
    assert any("differentiating with respect to x" in n for n in data["notes"])


def test_graph_takes_the_partial_operator_variable(capsys):
    assert main(["graph", "∂/∂y (x y^2)", "--at", "x=1.5,y=2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["variables"] == ["y"]


def test_a_different_wrt_is_an_error_with_a_hint(capsys):
    assert main(["grad", "d/dx (x^2 y)", "--wrt", "y"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the input asks for d/dx") and "hint:" in err and "Traceback" not in err


def test_steps_differentiates_by_the_operator_variable(capsys):
    assert main(["steps", "d/dx (x^3 y)", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "differentiating with respect to x" in out


def test_python_statement_is_one_error_line(capsys):
    assert main(["grad", "import os"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 'import' starts a Python statement") and "this is Python, not math" in err


def test_check_takes_the_variable_from_d_dx(capsys):
    """`check "d/dx (x^2 sin(x))" --answer ...` needs no --wrt; without either it says what to add."""
    from symgd.cli import main
    assert main(["check", "d/dx (x^2 sin(x))", "--answer", "2x sin(x) + x^2 cos(x)", "--format", "json"]) == 0
    assert main(["check", "d/dx (x^2 sin(x))", "--answer", "2x cos(x)"]) == 1
    capsys.readouterr()
    assert main(["check", "x^2 sin(x)", "--answer", "2x sin(x)"]) == 2
    assert capsys.readouterr().err.startswith("error: check needs the variable")
