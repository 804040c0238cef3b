"""The CLI of issue 17 part A: steps --diff/--order/--hessian, grad --direction/--tangent/--linearize,
taylor. Results are read from --format json and checked against sympy built here; hostile options give
one error line and exit 2."""
from __future__ import annotations

import json

import pytest
import sympy as sp

from symgd.cli import main
from symgd.parse import parse
from symgd.report.writeup import latex_document
from tests.pdflatex import assert_compiles

x, y, z = sp.symbols("x y z")


def _json(capsys, argv) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _expr(text: str) -> sp.Expr:
    """A result printed by symgd, read back with symgd's parser (it reads the Unicode math it prints)."""
    return parse(text)


def test_steps_diff_json_is_sympy_diff_and_names_the_stages(capsys):
    data = _json(capsys, ["steps", "x^3 y^2 + sin(x y)", "--diff", "x,y", "--format", "json"])
    assert data["kind"] == "partial" and data["order"] == ["x", "y"]
    assert [s["wrt"] for s in data["stages"]] == ["x", "y"]
    truth = sp.diff(x**3 * y**2 + sp.sin(x * y), x, y)
    assert sp.simplify(_expr(data["result"]) - truth) == 0
    assert "notes" in data


def test_diff_x_x_equals_wrt_x_order_2(capsys):
    a = _json(capsys, ["steps", "exp(x) sin(x y)", "--diff", "x,x", "--format", "json"])
    b = _json(capsys, ["steps", "exp(x) sin(x y)", "--wrt", "x", "--order", "2", "--format", "json"])
    assert a["result"] == b["result"]
    assert sp.simplify(_expr(a["result"]) - sp.diff(sp.exp(x) * sp.sin(x * y), x, 2)) == 0


@pytest.mark.parametrize("text,order", [("d^2/dx^2 (x^4 y)", ("x", "x")), ("∂²/∂x∂y (x^3 y^2)", ("y", "x"))])
def test_second_order_operator_typed_first_is_the_default_diff(capsys, text, order):
    data = _json(capsys, ["steps", text, "--format", "json"])
    assert tuple(data["order"]) == order
    f = x**4 * y if "x^4" in text else x**3 * y**2
    assert sp.simplify(_expr(data["result"]) - sp.diff(f, *map(sp.Symbol, order))) == 0


def test_hessian_with_clairaut(capsys):
    data = _json(capsys, ["steps", "x^2 y + y^3 + exp(x y)", "--hessian", "--format", "json"])
    f = x**2 * y + y**3 + sp.exp(x * y)
    truth = sp.hessian(f, (x, y))
    for i in range(2):
        for j in range(2):
            assert sp.simplify(_expr(data["hessian"][i][j]) - truth[i, j]) == 0
    assert data["symmetry"][0]["equal"] is True and data["symmetry"][0]["pair"] == ["x", "y"]
    assert len(data["entries"]) == 2 and len(data["entries"][0]) == 2
    assert main(["steps", "x^2 y + y^3", "--hessian", "--entries"]) == 0
    out = capsys.readouterr().out
    assert "Clairaut" in out and "equal" in out and "entry f_xy" in out


def test_grad_direction_json(capsys):
    data = _json(capsys, ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "3,4", "--format", "json"])
    d = data["directional"]
    assert d["value"] == pytest.approx(16 / 5)  # ∇f(1,2) = (4, 1); u = (3/5, 4/5) (by hand)
    assert d["rate_value"] == pytest.approx(17 ** 0.5)
    assert [_expr(c) for c in d["unit"]] == [sp.Rational(3, 5), sp.Rational(4, 5)]
    assert any(line["check"] for line in d["lines"])


def test_grad_direction_text_states_the_rate(capsys):
    assert main(["grad", "x^2 + y^2", "--at", "x=1,y=1", "--direction", "1,0"]) == 0
    out = capsys.readouterr().out
    assert "directional derivative" in out and "steepest ascent" in out and "checked" in out


def test_grad_tangent_and_linearize_json(capsys):
    data = _json(capsys, ["grad", "x^2 + y^2 + z^2", "--at", "x=1,y=2,z=2", "--tangent", "--linearize",
                          "--format", "json"])
    assert data["tangent"]["what"] == "tangent plane"
    assert [_expr(c) for c in data["tangent"]["normal"]] == [2, 4, 4]
    L = _expr(data["linearization"]["result"])
    assert sp.expand(L - (9 + 2 * (x - 1) + 4 * (y - 2) + 4 * (z - 2))) == 0


def test_taylor_json_and_text(capsys):
    data = _json(capsys, ["taylor", "exp(x) cos(y)", "--at", "x=0,y=0", "--order", "3", "--format", "json"])
    t = sp.Symbol("t")
    truth = sp.series(sp.exp(t * x) * sp.cos(t * y), t, 0, 4).removeO().subs(t, 1)
    assert sp.expand(_expr(data["expanded"]) - truth) == 0
    assert data["remainder_order"] == 4 and len(data["terms"]) == 10
    assert main(["taylor", "sin(x)", "--order", "5"]) == 0
    out = capsys.readouterr().out
    assert "Taylor polynomial" in out and "remainder" in out


@pytest.mark.parametrize("argv", [
    ["steps", "x^3 y^2", "--diff", "x,q"],
    ["steps", "x^3 y^2", "--diff", ","],
    ["steps", "x^3 y^2", "--order", "0"],
    ["steps", "x^3", "--order", "1e9"],
    ["steps", "x^3", "--order", "2.5"],
    ["steps", "x y", "--order", "2"],
    ["steps", "x y", "--entries"],
    ["steps", "x y", "--hessian", "--diff", "x,y"],
    ["steps", "d^2/dx^2 (x^3 y)", "--diff", "x,y"],
    ["steps", "x", "--diff", ",".join(["x"] * 50)],
    ["steps", "x^3", "--diff", "__import__('os')"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "1,nan"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "0,0"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "1,2,3"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "1,oo"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "1,__import__('os')"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", ""],
    ["grad", "x^2 y", "--direction", "1,2"],
    ["grad", "x^2 y", "--at", "x=1", "--direction", "1,2"],
    ["grad", "x^2 y", "--at", "x=1,y=2,w=3", "--tangent"],
    ["grad", "x^2 + y^2", "--at", "x=0,y=0", "--tangent"],
    ["grad", "x^2", "--at", "x=1", "--tangent"],
    ["grad", "ln(x y)", "--at", "x=0,y=1", "--linearize"],
    ["grad", "x^2 y", "--format", "latex"],
    ["taylor", "x y", "--order", "0"],
    ["taylor", "x y", "--order", "1e9"],
    ["taylor", "x y z w", "--order", "20"],
    ["taylor", "sqrt(x)", "--at", "x=0"],
    ["taylor", "exp(x)", "--at", "x=nan"],
    ["taylor", "exp(x)", "--at", "y=1"],
    ["taylor", "d/dx (x^2)"],
])
def test_hostile_options_are_one_error_line(capsys, argv):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("argv", [
    ["steps", "x^3 y^2 + sin(x y)", "--diff", "x,y", "--format", "latex"],
    ["steps", "x^2 y + y^3", "--hessian", "--entries", "--format", "latex"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "3,4", "--tangent", "--linearize", "--format", "latex"],
    ["taylor", "exp(x) cos(y)", "--at", "x=0,y=0", "--order", "2", "--format", "latex"],
])
def test_latex_output_compiles(capsys, tmp_path, argv):
    assert main(argv) == 0
    assert_compiles(latex_document(capsys.readouterr().out), tmp_path)


@pytest.mark.parametrize("argv", [
    ["steps", "x^3 y^2", "--diff", "x,y", "--format", "markdown"],
    ["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "3,4", "--format", "markdown"],
    ["taylor", "ln(x)", "--at", "x=1", "--order", "3", "--format", "markdown"],
])
def test_markdown_output_has_math(capsys, argv):
    assert main(argv) == 0
    assert "$" in capsys.readouterr().out


@pytest.mark.parametrize("argv,words", [
    (["taylor", "tan(x)", "--order", "20"], "grow too large"),          # was 4 minutes and more
    (["taylor", "abs(x)", "--at", "x=0"], "switches there"),             # sign(0) = 0 would say f'(0) = 0
    (["grad", "abs(x) y", "--at", "x=0,y=2", "--direction", "1,1"], "switches there"),
    (["taylor", "max(x,y)", "--at", "x=1,y=1"], "switches there"),
])
def test_costly_or_non_differentiable_requests_are_refused(capsys, argv, words):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_taylor_of_high_order_is_checked_by_mpmath_where_sympy_series_is_slow(capsys):
    # sympy.series(exp(sin(x)), x, 0, 21) did not finish in 2 minutes; mpmath checks each coefficient
    data = _json(capsys, ["taylor", "exp(sin(x))", "--order", "12", "--format", "json"])
    assert "mpmath" in data["check"]
    truth = sp.series(sp.exp(sp.sin(x)), x, 0, 8).removeO()  # the low orders against sympy here
    low = sum(t for t in sp.Add.make_args(sp.expand(_expr(data["expanded"]))) if sp.degree(t, x) < 8)
    assert sp.expand(low - truth) == 0


def test_a_value_with_no_short_exact_form_is_shown_as_a_number():
    from symgd.explain.geometry import directional
    text = "+".join(f"sin({i}x + y^{i})*exp(x y/{i})" for i in range(1, 6))
    r = directional(text, "x=0.3,y=0.7", "1,2")
    f = sum(sp.sin(i * x + y**i) * sp.exp(x * y / i) for i in range(1, 6))
    grad = [float(sp.diff(f, s).subs({x: sp.Rational(3, 10), y: sp.Rational(7, 10)})) for s in (x, y)]
    assert all(isinstance(g, sp.Float) for g in r.gradient_at)
    assert [float(g) for g in r.gradient_at] == pytest.approx(grad, rel=1e-13)
    assert float(r.value) == pytest.approx((grad[0] + 2 * grad[1]) / 5 ** 0.5, rel=1e-13)


def test_operator_with_the_same_wrt_is_accepted(capsys):
    data = _json(capsys, ["steps", "d^2/dx^2 (x^3 y)", "--wrt", "x", "--format", "json"])
    assert sp.expand(_expr(data["result"]) - sp.diff(x**3 * y, x, 2)) == 0


@pytest.mark.parametrize("argv, field", [
    (["taylor", "exp(x) cos(y)", "--order", "2"], lambda d: d["result"]),
    (["steps", "x^3 y^2 + sin(x y)", "--diff", "x,x"], lambda d: d["result"]),
    (["steps", "x^2 y^2 + y^3", "--hessian"], lambda d: d["hessian"][0][0]),
    (["grad", "x^2 y", "--at", "x=1,y=2", "--direction", "1,1", "--linearize"],
     lambda d: d["linearization"]["result"]),
])
def test_calculus_json_holds_sympy_strings_and_plain_text_prints_them(capsys, argv, field):
    """JSON is for programs, so its expressions are SymPy's strings (as in grad's and steps' JSON);
    --plain text prints those strings, the default text Unicode math."""
    result = field(_json(capsys, [*argv, "--format", "json"]))
    assert result == sp.sstr(sp.sympify(result))
    assert main([*argv, "--plain"]) == 0
    plain = capsys.readouterr().out
    assert result in plain and "**" in plain
    assert main(argv) == 0
    assert "**" not in capsys.readouterr().out
