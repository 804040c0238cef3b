"""``symgd parse`` in its three formats, through ``symgd.cli.main`` (no subprocess)."""
from __future__ import annotations

import json

import sympy as sp

from symgd.cli import main

x, y, t = sp.symbols("x y t")


def test_text_echo_shows_reading_variables_definitions_and_notes(capsys):
    assert main(["parse", "u = x^2 + y^2; 2xy sin(u)"]) == 0
    out = capsys.readouterr().out
    assert "read as:     2x y sin(x² + y²)" in out  # issue 15: x, y are variables here
    assert "variables:   x, y" in out
    assert "  u = x² + y²" in out
    assert "`xy` read as the product x·y" in out
    assert sp.pretty(2 * x * y * sp.sin(x**2 + y**2)).splitlines()[-1] in out


def test_json_echo_is_one_object_with_the_expression_in_sympy_form(capsys):
    assert main(["parse", "P3(t) = (5t^3 - 3t)/2; P3(x)", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    body = (5 * t**3 - 3 * t) / 2
    assert data["expression"] == str(body.subs(t, x))
    assert data["latex"] == sp.latex(body.subs(t, x))
    assert data["variables"] == ["x"]
    assert data["definitions"] == [{"name": "P3", "params": ["t"], "expression": str(body),
                                    "latex": sp.latex(body)}]
    assert any("`5t^3` read as 5*t**3" in note for note in data["notes"])
    assert data["input"] == "P3(t) = (5t^3 - 3t)/2; P3(x)"


def test_latex_echo_ends_with_the_expression_and_comments_the_notes(capsys):
    assert main(["parse", "\\frac{1}{2}\\sin^2 x", "--format", "latex"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == sp.latex(sp.sin(x)**2 / 2)
    assert "% variables: x" in lines
    assert "% note: read as LaTeX" in lines


def test_latex_echo_lists_definitions(capsys):
    assert main(["parse", "u = x + 1; f(t) = t^2; f(u)", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert f"u = {sp.latex(x + 1)}" in out
    assert f"{sp.latex(sp.Function('f')(t))} = {sp.latex(t**2)}" in out


def test_bad_input_exits_2_with_the_caret_and_no_traceback(capsys):
    assert main(["parse", "sin(x"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[:3] == ["error: unbalanced brackets: '(' at column 4 is never closed",
                                    "sin(x", "     ^"]
    assert "Traceback" not in err


def test_unknown_function_suggests_the_name(capsys):
    assert main(["parse", "sinn(x)"]) == 2
    assert "did you mean sin" in capsys.readouterr().err
