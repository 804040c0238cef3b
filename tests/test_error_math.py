"""Error lines print the expressions symgd derived as Unicode math, like all text output (``--plain``:
SymPy syntax), and what the user typed as typed. The library's message keeps SymPy syntax and lists the
derived expressions in ``exprs``; the CLI rewrites exactly those (symgd.cli.message_lines)."""
from __future__ import annotations

import pytest
import sympy as sp

from symgd import extremum
from symgd.cli import main
from symgd.errors import SymgdError, VariableError
from symgd.parse import parse
from symgd.report.mathtext import math_text

x, y = sp.symbols("x y")


def _error(capsys, *argv: str) -> list[str]:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith("error: ")
    return lines


def test_the_library_message_keeps_sympy_syntax_and_lists_the_expressions():
    with pytest.raises(VariableError) as info:
        extremum("x y", "x^2 + y^2 = -1")
    assert "x**2 + y**2" in info.value.message
    assert x**2 + y**2 in info.value.exprs


def test_a_derived_constraint_prints_as_math(capsys):
    first, *rest = _error(capsys, "extremum", "x y", "--subject-to", "x^2 + y^2 = -1")
    assert math_text(x**2 + y**2) in first and "**" not in first
    assert parse(math_text(x**2 + y**2)) == x**2 + y**2  # the math printed reads back as the expression
    assert [line for line in rest if line.startswith("hint: ")]  # the hint stays on its own line


def test_plain_keeps_sympy_syntax_in_the_error(capsys):
    first, *_ = _error(capsys, "extremum", "x y", "--subject-to", "x^2 + y^2 = -1", "--plain")
    assert "x**2 + y**2" in first


def test_a_switching_sign_at_a_corner_prints_as_math(capsys):
    first, *_ = _error(capsys, "taylor", "abs(x - 1) x", "--at", "x=1")
    assert math_text(sp.sign(x - 1)) in first and "x - 1" not in first


@pytest.mark.parametrize(("argv", "typed"), [
    (("parse", "x = 2*3"), "`x = 2*3`"),  # the definition as typed, not as read (x = 6)
    (("grad", "x**2", "--wrt", "y*z"), "y*z"),  # a typed name is not an expression to rewrite
    (("solve", "x^2", "--lr", "1e-3*2"), "'1e-3*2'"),
])
def test_what_the_user_typed_stays_as_typed(capsys, argv, typed):
    first, *_ = _error(capsys, *argv)
    assert typed in first


def test_an_error_without_expressions_is_unchanged():
    err = SymgdError("x**2 is what the user typed")
    assert err.exprs == () and err.message == "x**2 is what the user typed"
