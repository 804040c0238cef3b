"""Issue 15: a derivative operator inside an expression (``3 + d/dx (x^2)``, after ``=``) differentiates the
bracket right after it, ``( )``, ``[ ]`` or ``{ }``, and is evaluated with a note; without a bracket it is an
error with a hint. ``d/dx [x^2]`` and ``d/dx {x^2}`` typed first read like ``d/dx (x^2)``. The oracle is
sympy.diff of the operand written by hand."""
from __future__ import annotations

import json

import pytest
import sympy as sp
from sympy import cos, exp, log, sin

from symgd.cli import main
from symgd.errors import BudgetError, ParseError
from symgd.parse import derivative_request, parse_program

x, y, t = sp.symbols("x y t")

INLINE = [  # (text, what the text means, written with sympy.diff)
    ("3 + d/dx (x^2)", 3 + sp.diff(x**2, x)),
    ("3 + d/dx [x^2]", 3 + sp.diff(x**2, x)),
    ("3 + d/dx {x^2}", 3 + sp.diff(x**2, x)),
    ("y = d/dx (x^3 sin x)", sp.diff(x**3 * sin(x), x)),
    ("x^2 + d/dx [x^3 y]", x**2 + sp.diff(x**3 * y, x)),
    (r"3 + \frac{d}{dx}(x^2 \ln x)", 3 + sp.diff(x**2 * log(x), x)),
    ("1 + ∂/∂y (x y^2)", 1 + sp.diff(x * y**2, y)),
    ("2 d/dx (x^2)", 2 * sp.diff(x**2, x)),
    ("x + d^2/dx^2 [x^3 sin x]", x + sp.diff(x**3 * sin(x), x, 2)),
    ("x + d/dx (d/dx (x^3))", x + sp.diff(x**3, x, 2)),
    ("-2e^(2x) + d/dx (e^(2x))", sp.diff(exp(2 * x), x) - 2 * exp(2 * x)),
    ("f(t) = d/dt (t^3 cos t); f(x)", sp.diff(t**3 * cos(t), t).subs(t, x)),
    ("u = x^2; u + d/dx [u^2]", x**2 + sp.diff(x**4, x)),
    (r"3 + \frac{d}{dx}\left[x^2 \sin x\right]", 3 + sp.diff(x**2 * sin(x), x)),
    ("3+d/dx[x^2]", 3 + sp.diff(x**2, x)),
]


@pytest.mark.parametrize("text,expected", INLINE, ids=[t for t, _ in INLINE])
def test_an_operator_inside_an_expression_is_evaluated_and_noted(text, expected):
    program = parse_program(text)
    assert sp.simplify(program.expr - expected) == 0
    assert program.derivative is None  # nothing is left to differentiate: the whole is the expression
    assert sum("is evaluated" in note for note in program.notes) >= 1, program.notes


@pytest.mark.parametrize("text,operand", [("d/dx [x^2]", x**2), ("d/dx {x^2}", x**2),
                                          ("d/dx [x^2 + 1] + 3x", x**2 + 1 + 3 * x),
                                          ("d/dx [(x^2 + 1)(x - 1)]", (x**2 + 1) * (x - 1)),
                                          (r"\frac{d}{dx}\left[x^2 \sin x\right]", x**2 * sin(x))])
def test_square_and_curly_brackets_after_a_leading_operator(text, operand):
    program = parse_program(text)
    assert sp.expand(program.expr - operand) == 0
    assert derivative_request(text) == ("x",)


def test_indexing_inside_the_bracket_is_kept():
    program = parse_program("d/dx [w[1] x^2]")
    assert program.derivative == ("x",)
    assert sp.IndexedBase("w")[1] in program.expr.atoms(sp.Indexed)


@pytest.mark.parametrize("text,words", [
    ("3 + d/dx x^2", "differentiates the bracket right after it"),
    ("a + d/dx", "differentiates the bracket right after it"),
    ("x + ∂/∂x x", "differentiates the bracket right after it"),
    ("x + d/de (x)", "constant e"),
    ("u = x^2; 3 + d/du (u)", "defined above"),
    ("x + d^2/dx (x^3)", "orders do not match"),
    ("3 + d/dx (x^2", "("),
])
def test_bad_inline_operators_are_errors_with_a_caret(text, words):
    with pytest.raises(ParseError, match=None) as info:
        parse_program(text)
    assert words in str(info.value)


def test_a_huge_inline_derivative_is_refused_not_built():
    with pytest.raises(BudgetError, match="grows past"):
        parse_program("x + d^20/dx^20 (tan(tan(tan(x))))")


def test_the_old_quotient_of_names_is_still_typeable():
    assert parse_program("a + d/(dx)").derivative is None


@pytest.mark.parametrize("command", [["parse"], ["grad"], ["steps"]])
def test_cli_prints_the_value_and_the_note(command, capsys):
    code = main([*command, "3 + d/dx (x^3)", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert "is evaluated" in json.dumps(data, ensure_ascii=False)
