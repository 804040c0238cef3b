"""Issue 15 follow-up: a Unicode superscript is a power exactly like ``^`` (tighter than juxtaposition).

Two oracles per input: the reading of the same input written with ``^``, and a SymPy expression built by
hand. ``x(x+1)²`` used to read as x²(x+1)² (the superscript took the whole implicit product x(x+1)).
"""
from __future__ import annotations

import json

import pytest
import sympy as sp
from sympy import cos, exp, sin

from symgd.cli import main
from symgd.errors import ParseError
from symgd.parse import derivative_request, parse, parse_program

x, y, t, r = sp.symbols("x y t r")

# (superscript form, the same with ^, the reading built by hand)
CASES = [
    ("x(x+1)²", "x(x+1)^2", x * (x + 1) ** 2),  # was x²(x+1)²
    ("2x²", "2x^2", 2 * x**2),
    ("(x+1)²x", "(x+1)^2x", (x + 1) ** 2 * x),
    ("x²y³", "x^2y^3", x**2 * y**3),
    ("sin²x", "sin^2 x", sin(x) ** 2),
    ("cos²x sin³x", "cos^2 x sin^3 x", cos(x) ** 2 * sin(x) ** 3),
    ("e^x(1+x)²", "e^x(1+x)^2", exp(x) * (1 + x) ** 2),  # was e^(x²(x+1)²)
    ("2^x(1+x)³", "2^x(1+x)^3", 2**x * (1 + x) ** 3),
    ("3x(2x-1)³(x+1)²", "3x(2x-1)^3(x+1)^2", 3 * x * (2 * x - 1) ** 3 * (x + 1) ** 2),  # was 3x³(…)
    ("x(x+1)²(x-1)", "x(x+1)^2(x-1)", x * (x + 1) ** 2 * (x - 1)),
    ("4x(x²+1)³", "4x(x^2+1)^3", 4 * x * (x**2 + 1) ** 3),
    ("t(t²+4)⁵", "t(t^2+4)^5", t * (t**2 + 4) ** 5),
    ("x⁻¹", "x^-1", 1 / x),
    ("(x+1)⁻²", "(x+1)^-2", (x + 1) ** -2),
    ("x(x+1)⁻¹", "x(x+1)^-1", x / (x + 1)),  # was 1/(x(x+1))
    ("x²(x+1)", "x^2(x+1)", x**2 * (x + 1)),
    ("-x²", "-x^2", -(x**2)),
    ("1/x²", "1/x^2", x**-2),
    ("2^x²", "2^x^2", 2 ** (x**2)),
    ("xy² + y + x", "xy^2 + y + x", x * y**2 + y + x),
    ("sin x(x+1)²", "sin x(x+1)^2", sin(x) * (x + 1) ** 2),  # was sin(x(x+1)²) in both forms
    ("2 sin x(1 + cos x)² + 1", "2 sin x(1 + cos x)^2 + 1", 2 * sin(x) * (1 + cos(x)) ** 2 + 1),
    ("2πr²", "2πr^2", 2 * sp.pi * r**2),
    ("x¹⁰", "x^10", x**10),
    ("√x²", "√x^2", sp.sqrt(x**2)),
]


@pytest.mark.parametrize(("sup", "caret", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_superscript_reads_like_a_caret(sup, caret, expected):
    assert parse(caret) == parse(sup)
    assert sp.simplify(parse(sup) - expected) == 0


@pytest.mark.parametrize(("text", "power"), [("x(x+1)²", "²"), ("e^x(1+x)²", "²"), ("3x(2x-1)³(x+1)²", "³"),
                                             ("x(x+1)⁻¹", "⁻¹")])
def test_the_reading_is_noted_with_the_superscript_written(text, power):
    notes = parse_program(text).notes
    assert any(f"(…){power}:" in note for note in notes), notes


def test_the_old_reading_is_gone():
    assert sp.expand(parse("x(x+1)²") - x**2 * (x + 1) ** 2) != 0


def test_a_leibniz_operand_with_a_superscript():
    program = parse_program("d²/dx² x(x+1)²")
    assert sp.simplify(program.expr - x * (x + 1) ** 2) == 0
    assert derivative_request("d²/dx² x(x+1)²") == ("x", "x")


def test_the_gradient_cli_differentiates_the_textbook_reading(capsys):
    assert main(["grad", "x(x+1)²", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (gradient,) = data["gradient"]
    assert sp.simplify(sp.sympify(gradient) - sp.diff(x * (x + 1) ** 2, x)) == 0
    assert any("binds tighter" in note for note in data["notes"])


@pytest.mark.parametrize(("text", "written"), [("x½", "1/2"), ("¾x", "3/4"), ("2x⅓", "1/3")])
def test_a_vulgar_fraction_is_an_error_with_the_fraction_to_write(text, written):
    with pytest.raises(ParseError, match=f"write {written}") as info:
        parse(text)
    assert info.value.hint and "^" in info.value.hint


def test_a_vulgar_fraction_on_the_command_line_is_one_error_line(capsys):
    assert main(["parse", "x½"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
SWEEP = ["x(x+1)^2 + y(y-1)^3", "2x(x-1)^2/3", "x^2(x+1)^3", "(x+1)^2(x-1)^3", "sin^2 x(x+1)^2",
         "e^x(1+x)^2 sin x", "x y(x+y)^2", "xy(x+y)^2 + x + y", "2xy(x-y)^3 + y", "f(t) = t^2; x f(x)^2", "3x^2y^3", "x(x+1)^10",
         "a(b+1)^2 + b", "cos x(1 - sin x)^2", "2^x(1 + x)^3", "1/2 x^2 + x(x+1)^-1", "d/dx x(x^2+1)^3"]


@pytest.mark.parametrize("caret", SWEEP)
def test_every_caret_power_written_as_a_superscript_reads_the_same(caret):
    """The sweep: each ``^n`` (a whole number, maybe negative) rewritten as its superscript."""
    import re
    sup = re.sub(r"\^(-?\d+)(?![\d.(])", lambda m: m.group(1).translate(_SUP), caret)
    assert sup != caret
    assert parse_program(sup).expr == parse_program(caret).expr
