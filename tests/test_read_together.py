"""Issue 17: a function and its constraints (or its --box) are one input, so ``xy`` with the constraint
``x + y = 1`` is x·y (the rule: a run of letters is one name unless its letters are one-letter variables
used elsewhere in the same input). Oracles: the Lagrange system and the gradient built here with
sympy.diff and solved with sympy.solve, and the one-variable reduction y = 1 − x solved by hand."""
from __future__ import annotations

import json

import pytest
import sympy as sp

from symgd import critical_points, extremum
from symgd.cli import main
from symgd.errors import ParseError, SymgdError
from symgd.parse.together import one_letter_names, read_with_equations

x, y, lam = sp.symbols("x y lambda")
PRODUCT_NOTE = "`xy` read as the product x·y"


def _lagrange_values(f, g):
    """f at the real solutions of ∇f = λ∇g, g = 0, solved here by sympy."""
    system = [sp.diff(f, v) - lam * sp.diff(g, v) for v in (x, y)] + [g]
    solutions = sp.solve(system, [x, y, lam], dict=True)
    return {sp.simplify(f.subs(s)) for s in solutions if all(s[v].is_real for v in (x, y))}


def test_xy_subject_to_x_plus_y_is_the_product_with_its_maximum_a_quarter():
    result = extremum("xy", subject_to="x + y = 1")
    assert result.expr == x * y
    # by hand: on y = 1 − x, f = x(1 − x), f' = 1 − 2x = 0 at x = 1/2, f = 1/4
    xs = sp.solve(sp.diff(x * (1 - x), x), x)
    assert xs == [sp.Rational(1, 2)]
    assert result.maximum == (x * (1 - x)).subs(x, xs[0]) == sp.Rational(1, 4)
    assert [c.point for c in result.candidates] == [(sp.Rational(1, 2), sp.Rational(1, 2))]
    assert any(note.startswith(PRODUCT_NOTE) for note in result.reading)


def test_the_constraint_knows_the_function_letters():
    result = extremum("x^2 + y^2", subject_to="xy = 1")
    assert result.constraints[0].zero_form == x * y - 1
    assert {c.value for c in result.candidates} == _lagrange_values(x**2 + y**2, x * y - 1) == {2}
    assert any(note.startswith(PRODUCT_NOTE) for note in result.constraints[0].notes)


def test_two_constraints_and_a_list_read_together():
    result = extremum("xyz", ["x + y + z = 3", "x - y = 0"])
    z = sp.Symbol("z")
    assert result.expr == x * y * z
    # by hand: y = x, z = 3 − 2x, f = x²(3 − 2x), f' = 6x − 6x² = 0 at x = 0, 1
    assert {c.value for c in result.candidates} == {(x**2 * (3 - 2 * x)).subs(x, r) for r in (0, 1)}


def test_a_run_of_letters_not_elsewhere_stays_one_name():
    program, (equation,) = read_with_equations("ab + x", ["x + y = 1"])
    assert sp.Symbol("ab") in program.expr.free_symbols
    assert equation.zero_form == x + y - 1


def test_one_letter_names_keep_only_ascii_letters():
    assert one_letter_names(["x", "xy", "x_1", "θ", "y", "2"]) == {"x", "y"}


def test_a_bad_constraint_is_still_a_parse_error_with_its_caret():
    with pytest.raises(ParseError) as info:
        extremum("xy", subject_to="x + = 1")
    assert info.value.column is not None


@pytest.mark.parametrize("subject_to", [5, None, ["x = 1", "y = 2", "x + y = 3"], "x + y"])
def test_hostile_constraints_are_symgd_errors(subject_to):
    with pytest.raises(SymgdError):
        extremum("xy", subject_to=subject_to)


def test_cli_text_and_json_echo_the_reading(capsys):
    assert main(["extremum", "xy", "--subject-to", "x + y = 1"]) == 0
    assert PRODUCT_NOTE in capsys.readouterr().out
    assert main(["extremum", "x^2 + y^2", "--subject-to", "xy = 1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(note.startswith(PRODUCT_NOTE) for note in data["notes"])
    assert sp.sympify(data["result"]["minimum"]) == min(_lagrange_values(x**2 + y**2, x * y - 1))
    lhs, rhs = data["constraints"][0].split(" = ")
    assert (sp.sympify(lhs), sp.sympify(rhs)) == (x * y, 1)


def test_critical_points_read_with_the_box_names():
    result = critical_points("xy", {"x": (-1.0, 1.0), "y": (-1.0, 1.0)})
    assert result.expr == x * y
    oracle = sp.solve([sp.diff(x * y, v) for v in (x, y)], [x, y], dict=True)
    assert [p.point for p in result.points] == [(s[x], s[y]) for s in oracle]
    assert result.points[0].kind == "saddle point"  # D = 0·0 − 1² < 0
    assert any(note.startswith(PRODUCT_NOTE) for note in result.reading)
    assert critical_points("xy").variables == (sp.Symbol("xy"),)  # without the box: one name


def test_critical_cli_echoes_the_reading_with_the_box(capsys):
    assert main(["critical", "xy", "--box", "x=-1:1,y=-1:1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(note.startswith(PRODUCT_NOTE) for note in data["notes"])
    assert data["variables"] == ["x", "y"]


def test_the_web_calculus_tab_reads_the_function_with_its_constraint():
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    pytest.importorskip("jinja2")
    import warnings
    with warnings.catch_warnings():  # starlette's notice about httpx, as in test_web_calculus.py
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from symgd.web.app import create_app
    fields = dict(kind="extremum", expr="xy", subject_to="x + y = 1")
    with TestClient(create_app(seconds=60, workers=1, max_upload=1 << 20)) as client:
        assert client.post("/fragment/calculus", data=fields).status_code == 200
        exported = client.post("/export/calculus?format=json", data=fields)
    assert exported.status_code == 200, exported.text
    data = json.loads(exported.text)
    assert sp.sympify(data["result"]["maximum"]) == sp.Rational(1, 4)
