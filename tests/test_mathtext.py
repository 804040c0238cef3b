"""The Unicode math printer (symgd/report/mathtext.py). Oracle: symgd's own parser reads every printed
line back to the expression SymPy's string reads back to, on the oracle, textbook and random corpora and
their derivatives; plus the notation each case promises (², √, ln, −, ·)."""
from __future__ import annotations

import random

import pytest
import sympy
from sympy import Abs, E, Rational, exp, log, pi, sin, sqrt

from oracle_exprs import EXPRS
from random_exprs import random_expr
from symgd import parse
from symgd.errors import SymgdError
from symgd.report.mathtext import expression_printer, math_text, plain_text
from test_textbook_inputs import TEXTBOOK

x, y, z, theta = sympy.symbols("x y z theta")


def _corpus() -> list[sympy.Expr]:
    exprs = list(EXPRS.values()) + [e for _, e in TEXTBOOK]
    rng = random.Random(15)
    exprs += [parse(random_expr(rng)) for _ in range(150)]
    exprs += [sympy.diff(e, s) for e in list(EXPRS.values()) + [e for _, e in TEXTBOOK]
              for s in sorted(e.free_symbols, key=str)]
    return exprs


def _reads_back(expr: sympy.Expr) -> bool:
    try:
        reference = parse(sympy.sstr(expr))  # what the language makes of SymPy's own string (floats, too)
    except SymgdError:  # Derivative(re(x), x) and the like: no form of it is in the language
        return True
    back = parse(math_text(expr))
    return back == reference or sympy.simplify(back - reference) == 0


CORPUS = _corpus()


def test_the_corpus_is_large():
    assert len(CORPUS) > 350


@pytest.mark.parametrize("index", range(0, len(CORPUS), 1))
def test_every_printed_line_reads_back_to_the_same_expression(index):
    expr = CORPUS[index]
    assert _reads_back(expr), (expr, math_text(expr))


@pytest.mark.parametrize("expr", [e for e in CORPUS if e.has(sympy.Pow, sympy.log, sympy.Mul)][:50])
def test_no_python_syntax_is_left(expr):
    text = math_text(expr)
    assert "**" not in text and "*" not in text and "log(" not in text and "sqrt" not in text


@pytest.mark.parametrize(("expr", "expected"), [
    (x**2 * sin(x), "x² sin(x)"),
    (log(x), "ln(x)"),
    (sqrt(x), "√x"),
    (sqrt(x + 1), "√(x + 1)"),
    (1 / sqrt(x), "1/√x"),
    (x**Rational(1, 3), "∛x"),
    (2 * 3**x, "2·3^x"),
    (x - y, "x − y"),
    (-x, "−x"),
    (x / (2 * y), "x/(2y)"),
    (exp(-x**2), "e^(−x²)"),
    (exp(x), "e^x"),
    (sin(x)**2, "sin²(x)"),
    (log(x)**2, "ln(x)²"),
    (Abs(x), "|x|"),
    (pi * x, "π x"),
    (E, "e"),
    (theta**2, "θ²"),
    (2 * x * (x + 1)**2, "2x (x + 1)²"),
    ((x + 1) * (x - 1)**2, "(x − 1)²(x + 1)"),
    (x**y, "x^y"),
    (x**(y + 1), "x^(y + 1)"),
    (2**x * y, "2^x·y"),
    (x**-2, "1/x²"),
    (2 * sin(x), "2 sin(x)"),
])
def test_notation(expr, expected):
    assert math_text(expr) == expected
    assert parse(expected) == expr


def test_floats_keep_their_ascii_exponent_sign():
    text = math_text(sympy.Float("1e-8") * x - sympy.Float("2.5"))
    assert "e-8" in text and text.count("−") == 1 and parse(text) == parse("1e-8*x - 2.5")


def test_order_none_keeps_the_stored_order():
    expr = sympy.Add(*[x**k for k in range(1, 30)])
    assert parse(math_text(expr, order="none")) == expr


def test_plain_is_sympy_string():
    assert plain_text(x**2 * sin(x)) == sympy.sstr(x**2 * sin(x)) == "x**2*sin(x)"
    assert expression_printer(plain=True) is plain_text and expression_printer() is math_text
