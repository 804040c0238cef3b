"""Issue 17, calculus B: equations, the implicit-answer checker (10 forms right on the curve only, 10
typical mistakes named), the CLI commands' JSON, and hostile inputs (one error: line, exit 2)."""
from __future__ import annotations

import json

import pytest
import sympy

from symgd.cli import main
from symgd.errors import ParseError
from symgd.explain.implicit_check import check_implicit
from symgd.parse import parse
from symgd.parse.equation import equal_signs, parse_equation

x, y = sympy.symbols("x y")

# (equation, order, an answer that uses the relation: equal on the curve, not off it)
ON_THE_CURVE = [
    ("x^2 + y^2 = 25", 1, "-x y/(25 - x^2)"),
    ("x y = 1", 1, "-y^2"),
    ("x y = 1", 1, "-1/x^2"),
    ("x^2 + x y + y^2 = 7", 1, "-(2x y + y^2)/(14 - 2x^2 - x y)"),
    ("y^2 = x^3", 1, "3y/(2x)"),
    ("e^y = x", 1, "1/x"),
    ("x^3 + y^3 = 6 x y", 1, "(2y^2 - x^2 y)/(4x y - x^3)"),
    ("x^2 - y^2 = 1", 1, "x y/(x^2 - 1)"),
    ("x y^2 = 4", 1, "-y^3/8"),
    ("x^2 + y^2 = 25", 2, "-(x^2 + y^2)^2/(25y^3)"),
    ("x^2 + 4y^2 = 4", 2, "-(x^2 + 4y^2)^2/(64y^3)"),
]

# (equation, wrong answer, the rule named, the equation's term named)
MISTAKES = [
    ("x^2 + x y + y^2 = 7", "-(2x + 3y)/x", "chain", "y**2"),
    ("x^2 + x y + y^2 = 7", "-(2x + y)/(2y)", "product", "x*y"),
    ("x^2 + x y + y^2 = 7", "-2x/(x + 2y)", "product", "x*y"),
    ("x^2 + x y + y^2 = 7", "(2x + y)/(x + 2y)", "solve", None),
    ("x^2 + x y + y^2 = 7", "-(x + 2y)/(2x + y)", "solve", None),
    ("x^3 + y^3 = 6 x y", "(x^2 + y^2 - 2y)/(2x)", "chain", "y**3"),
    ("sin(x + y) = y^2 cos(x)", "(cos(x + y) + y^2 sin(x))/(2y cos(x))", "chain", "sin(x + y)"),
    ("x^2 + y^2 = x y + 4", "-x/y", "sides", "x*y + 4"),
    ("x^2 + y^3 = 5", "-2x/y^2", "power", "y**3"),
    ("x^2 + y^2 = 25", "-2x/y", "power", "y**2"),
]


@pytest.mark.parametrize("equation, order, answer", ON_THE_CURVE)
def test_answers_right_on_the_curve_are_accepted(equation, order, answer):
    result = check_implicit(equation, answer, order=order)
    assert result.correct and result.method == "on the curve", result.message
    oracle = sympy.idiff(parse_equation(equation).zero_form, y, x, order)
    off = {x: sympy.Rational(3, 10), y: sympy.Rational(7, 10)}  # a point off the curve: they differ there
    assert abs(sympy.N(parse(answer).subs(off) - oracle.subs(off))) > 1e-6
    assert abs(sympy.N(parse(answer).subs(off) - result.expected.subs(off))) > 1e-6


@pytest.mark.parametrize("equation, answer, rule, term", MISTAKES)
def test_typical_mistakes_are_rejected_and_named(equation, answer, rule, term):
    result = check_implicit(equation, answer)
    assert not result.correct
    assert result.rule == rule, result.message
    assert (None if result.term is None else sympy.sstr(result.term)) == term
    assert result.message.startswith("not correct:")


def test_wrong_answer_without_a_known_slip_gives_a_point():
    result = check_implicit("x^2 + y^3 = 5", "x y")
    assert not result.correct and "at the point" in result.message


@pytest.mark.parametrize("text, column", [("x = 1 = 2", 7), ("x^2 + = 3", 6), ("= 3", 1), ("x^2 =", 6),
                                          ("x^2 + y^2 == 1", 15), ("x^2 + y^2", 10)])
def test_equation_errors_point_at_the_whole_input(text, column):
    with pytest.raises(ParseError) as info:
        parse_equation(text)
    assert info.value.column == column


def test_equal_signs_skips_comparisons_and_brackets():
    assert equal_signs("where(x >= 1, x, 0) = y") == [20]
    assert equal_signs("a <= b != c == d") == []


def _json(capsys, *argv) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_steps_implicit_json(capsys):
    data = _json(capsys, "steps", "x^2 + x y + y^2 = 7", "--implicit", "y(x)", "--order", "2", "--format", "json")
    assert data["kind"] == "implicit" and data["order"] == 2
    first, second = parse(data["result"]["derivative"]), parse(data["result"]["second"])
    point = {x: 1, y: 2}  # on the curve: 1 + 2 + 4 = 7
    assert sympy.simplify(first - sympy.idiff(x**2 + x*y + y**2 - 7, y, x)) == 0
    assert sympy.N(second.subs(point)) == pytest.approx(float(sympy.idiff(x**2 + x*y + y**2 - 7, y, x, 2).subs(point)))
    assert any("chain-rule factor" in s["title"] for s in data["steps"])
    assert all(s["derivations"] == [] or s["check"] for s in data["steps"])


def test_check_implicit_cli(capsys):
    assert main(["check", "x^2 + y^2 = 25", "--implicit", "y", "--answer", "-x y/(25 - x^2)"]) == 0
    assert "correct on the curve" in capsys.readouterr().out
    assert main(["check", "x^2 + x y + y^2 = 7", "--implicit", "y(x)", "--answer", "-(2x+3y)/x",
                 "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["correct"] is False and data["rule"] == "chain" and data["term"] == "y**2"


def test_critical_cli_json(capsys):
    data = _json(capsys, "critical", "x^3 - 3x + y^3 - 3y", "--format", "json")
    points = {tuple(map(int, p["point"])): p["kind"] for p in data["result"]["points"]}
    assert points == {(-1, -1): "local maximum", (1, 1): "local minimum", (-1, 1): "saddle point",
                      (1, -1): "saddle point"}
    data = _json(capsys, "critical", "x^2 + y^2", "--box", "x=1:2,y=-1:1", "--format", "json")
    assert data["result"]["points"] == []


def test_extremum_cli_json(capsys):
    data = _json(capsys, "extremum", "x + y", "--subject-to", "x^2 + y^2 = 1", "--format", "json")
    assert float(sympy.N(parse(data["result"]["maximum"]))) == pytest.approx(2 ** 0.5)
    data = _json(capsys, "extremum", "z", "--subject-to", "x + y + z = 1", "--subject-to", "x^2 + y^2 = 1",
                 "--format", "json")
    assert data["multipliers"] == ["lambda", "mu"]
    assert float(sympy.N(parse(data["result"]["minimum"]))) == pytest.approx(1 - 2 ** 0.5)


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_other_formats_say_the_result(capsys, fmt):
    assert main(["critical", "x^4 + y^4", "--format", fmt]) == 0
    assert "inconclusive" in capsys.readouterr().out


HOSTILE = [
    ["steps", "x = 1 = 2", "--implicit", "y"],
    ["steps", "x^2 + = 3", "--implicit", "y"],
    ["steps", "x^2 + y^2 = 1", "--implicit", "z"],
    ["steps", "x^2 + y^2 = 1", "--implicit", "y(t)"],
    ["steps", "x^2 + y^2 = 1", "--implicit", "y(x"],
    ["steps", "x^2 + y^2 = 1", "--implicit", "y", "--order", "3"],
    ["steps", "x^2 + y^2 = 1", "--implicit", "y", "--hessian"],
    ["steps", "x^2 + y^2 = 1; u = 2", "--implicit", "y"],
    ["steps", "x^2 = 4", "--implicit", "y"],
    ["check", "x^2 + y^2 = -1", "--implicit", "y", "--answer", "x/y"],
    ["check", "x^2 + y^2 = 25", "--implicit", "y", "--answer", "-x/q"],
    ["check", "x^2 + y^2 = 25", "--implicit", "y", "--answer", "__import__('os')"],
    ["check", "x^2 sin(x)", "--wrt", "x", "--answer", "2x", "--order", "2"],
    ["extremum", "x + y", "--subject-to", "x^2 + y^2 = -1"],
    ["extremum", "x y", "--subject-to", "x^2 + y^2"],
    ["extremum", "x y z", "--subject-to", "x = 1", "--subject-to", "y = 1", "--subject-to", "z = 1"],
    ["extremum", "a + b + c + d + f + g + h", "--subject-to", "a^2 + b^2 = 1"],
    ["extremum", "x", "--subject-to", "x = 1"],
    ["extremum", "x y", "--subject-to", "x + y = 1 = 2"],
    ["critical", "a b c d f g h"],
    ["critical", "5"],
    ["critical", "x y", "--box", "z=0:1"],
    ["critical", "x y", "--box", "x=1:0"],
    ["critical", "x y", "--format", "markdown", "--standalone"],
]


@pytest.mark.parametrize("argv", HOSTILE)
def test_hostile_inputs_end_in_one_error_line(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and "internal error" not in err


def test_huge_system_falls_back_to_numbers_and_says_so():
    from symgd.explain.critical import critical_points
    result = critical_points("x^40 y^39 + y^41 x^3 + x^2 + y^2", {"x": (-1, 1), "y": (-1, 1)})
    assert result.method == "numeric" and "sympy is tried up to" in result.notes[0]
    f = parse("x^40 y^39 + y^41 x^3 + x^2 + y^2")
    for p in result.points:
        at = dict(zip((x, y), p.point))
        assert all(abs(float(sympy.diff(f, v).subs(at))) < 1e-8 for v in (x, y))
    assert (0, 0) in [tuple(p.point) for p in result.points]


def test_surface_answers_are_checked_on_the_surface():
    """∂z/∂x on x² + y² + z² = 9: z² replaced by 9 − x² − y² is right on the surface only."""
    right = check_implicit("x^2 + y^2 + z^2 = 9", "-x z/(9 - x^2 - y^2)", "z", "x")
    assert right.correct and right.method == "on the curve"
    wrong = check_implicit("x^2 + y^2 + z^2 = 9", "-x/(2z)", "z", "x")
    assert not wrong.correct and wrong.rule == "power" and sympy.sstr(wrong.term) == "x**2"


def test_lagrange_over_the_budget_is_solved_numerically():
    """A system sympy is not given (Bézout bound 512): the numeric extremes match a dense sampling of the
    circle (the oracle: f at 400,001 points of x = cos t, y = sin t)."""
    import numpy as np

    from symgd.explain.lagrange import extremum
    result = extremum("x^9 y^8 + x^3 + y", ["x^2 + y^2 = 1"])
    assert result.method == "numeric" and "sympy is tried up to" in result.notes[0]
    t = np.linspace(0, 2 * np.pi, 400_001)
    values = np.cos(t) ** 9 * np.sin(t) ** 8 + np.cos(t) ** 3 + np.sin(t)
    assert float(result.maximum) == pytest.approx(values.max(), abs=1e-9)
    assert float(result.minimum) == pytest.approx(values.min(), abs=1e-9)


def test_solve_in_time_reports_what_sympy_cannot_do():
    from symgd.explain.solving import solve_in_time, within_budget
    solutions, why = solve_in_time([x - sympy.cos(x)], [x])
    assert solutions is None and "could not solve" in why
    solutions, why = solve_in_time([x**2 - 2, y - x], [x, y])
    assert why == "" and {(s[x], s[y]) for s in solutions} == {(sympy.sqrt(2),) * 2, (-sympy.sqrt(2),) * 2}
    assert "may have 100 solutions" in within_budget([x**10 - 1, y**10 - 1], [x, y])


@pytest.mark.parametrize("command", [["steps"], ["check", "--wrt", "x", "--answer", "-x/y"]])
def test_an_equation_without_implicit_names_the_option(capsys, command):
    assert main([command[0], "x^2 + y^2 = 25", *command[1:]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: this is an equation") and "--implicit y(x)" in err
    assert main(["steps", "u = x^2; sin(u)"]) == 0  # a definition still reads as one


@pytest.mark.parametrize("argv", [
    ["steps", "x^2 + x y + y^2 = 7", "--implicit", "y(x)", "--order", "2"],
    ["critical", "sin(x) sin(y)", "--box", "x=-1:4,y=-1:4"],
    ["extremum", "x", "--subject-to", "y^2 = x^3"],
    ["extremum", "z", "--subject-to", "x + y + z = 1", "--subject-to", "x^2 + y^2 = 1", "--full"],
])
def test_latex_documents_compile(capsys, tmp_path, argv):
    from tests.pdflatex import assert_compiles
    assert main([*argv, "--format", "latex", "--standalone"]) == 0
    assert_compiles(capsys.readouterr().out, tmp_path)


def test_a_worked_line_that_fails_its_check_is_a_bug_report():
    from symgd.explain.worked import WorkError, verified
    verified(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, sympy.S.One, "Pythagoras")
    with pytest.raises(WorkError, match="a bug in symgd"):
        verified(x**2, x**2 + 1, "off by one")


def test_a_curve_far_from_the_origin_is_still_sampled():
    """y = x² + 1000 lies beyond ±60: the logarithmic grid finds it; the answer adds F, 0 on the curve."""
    result = check_implicit("y - x^2 = 1000", "2x + (y - x^2 - 1000)")
    assert result.correct and result.method == "on the curve" and result.points >= 4


def test_an_answer_right_on_one_branch_is_told_so():
    """y = √(25 − x²) differentiated explicitly: right on the upper half of the circle only."""
    result = check_implicit("x^2 + y^2 = 25", "-x/sqrt(25 - x^2)")
    assert not result.correct and result.rule == "branch" and "one part (branch)" in result.message
    upper = {x: sympy.Rational(3), y: sympy.Rational(4)}  # on the circle, y > 0: they agree there (oracle: idiff)
    assert parse("-x/sqrt(25 - x^2)").subs(upper) == sympy.idiff(x**2 + y**2 - 25, y, x).subs(upper)


# x² + y² = 25, y' = −x/y (worked by hand): y'' = −1/y − x²/y³ = −25/y³ on the circle
@pytest.mark.parametrize("answer, rule, words", [
    ("-1/y", "chain", "treated as a constant"),          # ∂y'/∂x alone
    ("-x^2/y^3", "sum", "∂y'/∂x"),                       # ∂y'/∂y·y' alone
    ("-1/y + x/y^2", "chain", "factor y' is missing"),   # ∂y'/∂x + ∂y'/∂y (no y')
    ("25/y^3", "sign", "sign"),
])
def test_second_derivative_mistakes_are_named(answer, rule, words):
    result = check_implicit("x^2 + y^2 = 25", answer, order=2)
    assert not result.correct and result.rule == rule and words in result.message
