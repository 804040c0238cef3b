"""Accepted inputs: each text with the SymPy expression it must mean, built with SymPy constructors."""
from __future__ import annotations

import pytest
import sympy as sp
from sympy import (E, Abs, Float, Indexed, IndexedBase, Integer, Max, Min, Rational, Sum, acos,
                   acosh, acot, acoth, acsc, acsch, asec, asech, asin, asinh, atan, atan2, atanh,
                   cos, cosh, cot, coth, csc, csch, erf, exp, log, pi, sec, sech, sign, sin, sinh,
                   sqrt, tan, tanh)

from symgd.parse import parse, parse_program

x, y, z, a, b, c, d, n, i, t, u, r, k = sp.symbols("x y z a b c d n i t u r k")
theta, alpha, phi, lam, Omega = sp.symbols("theta alpha phi lambda Omega")
xy, w1, x_1, w_0, x1, sinx, theta_1 = sp.symbols("xy w1 x_1 w_0 x1 sinx theta_1")
X = IndexedBase("x")
half = Rational(1, 2)


def sigmoid(v):
    return 1 / (1 + exp(-v))


ACCEPTED = [
    # --- numbers
    ("2", Integer(2)),
    ("0", Integer(0)),
    ("007", Integer(7)),
    ("0.5", Float("0.5", 15)),
    (".5", Float("0.5", 15)),
    ("2.", Float("2.0", 15)),
    ("1e-3", Float("0.001", 15)),
    ("6.02E23", Float("6.02e23", 15)),
    ("2.5e+2", Float("250.0", 15)),
    ("1/3", Rational(1, 3)),
    ("12345678901234567890", Integer(12345678901234567890)),
    # --- names
    ("x", x),
    ("theta", theta),
    ("w1", w1),
    ("x_1", x_1),
    ("w_0", w_0),
    ("w_{0}", w_0),
    ("x1", x1),
    ("xy", xy),
    ("sinx", sp.sin(x)),  # issue 15: the function, noted (docs/language.md)
    ("lambda", lam),
    # --- constants
    ("pi", pi),
    ("e", E),
    ("E", E),
    ("2pi", 2 * pi),
    ("π", pi),
    # --- arithmetic and precedence
    ("x+1", x + 1),
    ("x - y", x - y),
    ("x*y", x * y),
    ("x/y", x / y),
    ("x/y/z", x / y / z),
    ("x - y - z", x - y - z),
    ("-x", -x),
    ("+x", x),
    ("--x", x),
    ("-x^2", -x**2),
    ("-x**2", -x**2),
    ("(-x)^2", x**2),
    ("x^2", x**2),
    ("x**2", x**2),
    ("x^y^z", x**(y**z)),
    ("x**y**z", x**(y**z)),
    ("2^-1", half),
    ("x^-1", 1 / x),
    ("x^-y", x**(-y)),
    ("2*-x", -2 * x),
    ("x*y+z", x * y + z),
    ("x+y*z", x + y * z),
    ("(x+y)*z", (x + y) * z),
    ("x^(1/2)", sqrt(x)),
    ("x^0.5", x**Float("0.5", 15)),
    ("((x))", x),
    ("{x+1}", x + 1),
    ("2^10", Integer(1024)),
    ("10^100", Integer(10)**100),
    ("9^9^2", Integer(9)**81),
    # --- implicit multiplication
    ("2x", 2 * x),
    ("2 x", 2 * x),
    ("x y", x * y),
    ("2(x+1)", 2 * x + 2),
    ("(x+1)(x-1)", (x + 1) * (x - 1)),
    ("3x^2", 3 * x**2),
    ("2pi x", 2 * pi * x),
    ("x sin(x)", x * sin(x)),
    ("2 x y z", 2 * x * y * z),
    ("x(y+1)", x * (y + 1)),
    ("a(b+c)", a * (b + c)),
    ("(x)(y)", x * y),
    ("x^2y", x**2 * y),
    ("x^2 y", x**2 * y),
    ("-2x", -2 * x),
    ("2x/3", 2 * x / 3),
    ("1/2x", 1 / (2 * x)),
    ("1/2 x", x / 2),  # issue 15: a numeric fraction then a space is ½·x (docs/language.md)
    ("(1/2)x", x / 2),
    ("x/2y", x / (2 * y)),
    ("a b/c d", a * b / (c * d)),
    ("2e", 2 * E),
    ("2e3", Float("2000.0", 15)),
    ("2e-3x", Float("0.002", 15) * x),
    ("3(x)^2", 3 * x**2),
    ("x2", sp.Symbol("x2")),
    ("2 x^2 + 3x + 1", 2 * x**2 + 3 * x + 1),
    # --- functions with parentheses
    ("sin(x)", sin(x)),
    ("sin(x**2+y**2)", sin(x**2 + y**2)),
    ("cos(x)", cos(x)),
    ("tan(x)", tan(x)),
    ("sec(x)", sec(x)),
    ("csc(x)", csc(x)),
    ("cot(x)", cot(x)),
    ("asin(x)", asin(x)),
    ("acos(x)", acos(x)),
    ("atan(x)", atan(x)),
    ("acot(x)", acot(x)),
    ("asec(x)", asec(x)),
    ("acsc(x)", acsc(x)),
    ("arcsin(x)", asin(x)),
    ("arctan(x)", atan(x)),
    ("atan2(y, x)", atan2(y, x)),
    ("sinh(x)", sinh(x)),
    ("cosh(x)", cosh(x)),
    ("tanh(x)", tanh(x)),
    ("sech(x)", sech(x)),
    ("csch(x)", csch(x)),
    ("coth(x)", coth(x)),
    ("asinh(x)", asinh(x)),
    ("acosh(x)", acosh(x)),
    ("atanh(x)", atanh(x)),
    ("asech(x)", asech(x)),
    ("acsch(x)", acsch(x)),
    ("acoth(x)", acoth(x)),
    ("arsinh(x)", asinh(x)),
    ("exp(x)", exp(x)),
    ("log(x)", log(x)),
    ("ln(x)", log(x)),
    ("log(x, 2)", log(x, 2)),
    ("log(x, b)", log(x) / log(b)),
    ("log10(x)", log(x) / log(10)),
    ("log2(x)", log(x) / log(2)),
    ("sqrt(x)", sqrt(x)),
    ("sqrt(4)", Integer(2)),
    ("cbrt(x)", x**Rational(1, 3)),
    ("abs(x)", Abs(x)),
    ("Abs(x)", Abs(x)),
    ("sign(x)", sign(x)),
    ("sigmoid(x)", sigmoid(x)),
    ("softplus(x)", log(1 + exp(x))),
    ("relu(x)", Max(0, x)),
    ("min(x, y)", Min(x, y)),
    ("max(x, y, z)", Max(x, y, z)),
    ("Max(0, x)", Max(0, x)),
    ("erf(x)", erf(x)),
    ("Heaviside(x)", sp.Heaviside(x)),
    ("DiracDelta(x)", sp.DiracDelta(x)),
    ("sin (x+1)^2", sin(x + 1)**2),
    ("sin(x)^2", sin(x)**2),
    ("exp(-x^2)", exp(-x**2)),
    ("e^x", exp(x)),
    ("e**x", exp(x)),
    ("E**x", exp(x)),
    ("e^(-x)", exp(-x)),
    ("e^-x", exp(-x)),
    ("2^x", 2**x),
    # --- functions without parentheses
    ("sin x", sin(x)),
    ("sin 2x", sin(2 * x)),
    ("ln x", log(x)),
    ("sqrt x", sqrt(x)),
    ("sin x^2", sin(x**2)),
    ("sin^2 x", sin(x)**2),
    ("sin^2(x)", sin(x)**2),
    ("cos^3(4x+1)", cos(4 * x + 1)**3),
    ("sin^-1 x", asin(x)),
    ("tan^-1(x)", atan(x)),
    ("cosh^-1 x", acosh(x)),
    ("sin x cos x", sin(x) * cos(x)),
    ("sec x tan x", sec(x) * tan(x)),
    ("2 sin x cos x", 2 * sin(x) * cos(x)),
    ("ln sin x", log(sin(x))),
    ("sin x + 1", sin(x) + 1),
    ("sin x/2", sin(x) / 2),
    ("-sin x", -sin(x)),
    ("x sin x", x * sin(x)),
    ("log_2 x", log(x, 2)),
    ("exp x", exp(x)),
    ("sin 2 x y", sin(2 * x * y)),
    # --- Unicode
    ("θ", theta),
    ("2θ", 2 * theta),
    ("2πr", 2 * pi * r),
    ("α + φ", alpha + phi),
    ("Ω", Omega),
    ("θ_1", theta_1),
    ("x²", x**2),
    ("x³ + y²", x**3 + y**2),
    ("x⁻¹", 1 / x),
    ("sin²x", sin(x)**2),
    ("√x", sqrt(x)),
    ("√(x+1)", sqrt(x + 1)),
    ("√x^2", sqrt(x**2)),
    ("∛x", x**Rational(1, 3)),
    ("x·y", x * y),
    ("x × y", x * y),
    ("x ÷ y", x / y),
    ("x − y", x - y),
    ("|x|", Abs(x)),
    ("|x - 1| + |y|", Abs(x - 1) + Abs(y)),
    ("2|x|", 2 * Abs(x)),
    ("|x||y|", Abs(x) * Abs(y)),
    ("||x| - 1|", Abs(Abs(x) - 1)),
    ("|sin x|", Abs(sin(x))),
    # --- indexed sums
    ("x[i]", Indexed(X, i)),
    ("x[i+1]", Indexed(X, i + 1)),
    ("sum(x[i]^2, i, 1, n)", Sum(Indexed(X, i)**2, (i, 1, n))),
    ("sum(x[i]*x[i+1], i, 0, n-1)", Sum(Indexed(X, i) * Indexed(X, i + 1), (i, 0, n - 1))),
    ("Sum(x[i]**2, (i, 1, n))", Sum(Indexed(X, i)**2, (i, 1, n))),
    ("sum((y[k] - a*x[k] - b)^2, k, 1, n)",
     Sum((Indexed(IndexedBase("y"), k) - a * Indexed(X, k) - b)**2, (k, 1, n))),
    # --- definitions
    ("u = x^2 + y^2; sin(u)", sin(x**2 + y**2)),
    ("u = x^2 + y^2\nsin(u)", sin(x**2 + y**2)),
    ("P3(t) = (5t^3 - 3t)/2; a + b*P3(c + d*x)",
     a + b * ((5 * t**3 - 3 * t) / 2).xreplace({t: c + d * x})),
    ("f(p, q) = p*q^2; f(x, y+1)", x * (y + 1)**2),
    ("u = x + 1; v = u^2; v + u", (x + 1)**2 + x + 1),
    ("u = 2;; u*x;", 2 * x),
    ("f(t) = t^2; u = f(x); u + f(y)", x**2 + y**2),
    ("f(x) = x^2; f(y)", y**2),
    ("u = x^2", x**2),
    ("(x +\n y)", x + y),
    # --- LaTeX
    (r"\sin(x^2+y^2)", sin(x**2 + y**2)),
    (r"\frac{a}{b}", a / b),
    (r"\frac{1}{2}x", x / 2),
    (r"\sqrt{x}", sqrt(x)),
    (r"\sqrt[3]{x}", x**Rational(1, 3)),
    (r"x^{2}", x**2),
    (r"e^{-x}", exp(-x)),
    (r"\ln x", log(x)),
    (r"a \cdot b", a * b),
    (r"a \times b", a * b),
    (r"\left( x + 1 \right)^2 \cdot y", (x + 1)**2 * y),
    (r"\alpha + \beta", alpha + sp.Symbol("beta")),
    (r"\tanh(x)", tanh(x)),
    (r"\theta_1", theta_1),
    (r"\pi r^2", pi * r**2),
    (r"\sin^2 x + \cos^2 x", sin(x)**2 + cos(x)**2),
    (r"\sin^{-1}(x)", asin(x)),
    (r"\frac{\sqrt{x}}{2}", sqrt(x) / 2),
    (r"\log_{10}(x)", log(x, 10)),
    (r"\frac12", half),
    (r"\left| x \right|", Abs(x)),
    (r"\lvert x \rvert", Abs(x)),
    (r"\operatorname{sigmoid}(x)", sigmoid(x)),
    (r"\exp(x)\,y", exp(x) * y),
    ("$x^2 + 1$", x**2 + 1),
    ("$xy$", x * y),
    ("$$2xy$$", 2 * x * y),
    (r"\frac{d}{c}", d / c),
    (r"x_{1}", x_1),
    # --- what SymPy prints (round trip)
    ("x**(-2)", x**-2),
    ("x**(1/3)", x**Rational(1, 3)),
    ("1/sqrt(x)", 1 / sqrt(x)),
    ("log(x)/log(2)", log(x, 2)),
    ("-x - y", -x - y),
    ("(-1)**x", (-1)**x),
    ("2*x**2/3", 2 * x**2 / 3),
    ("Min(x, y)", Min(x, y)),
    ("exp(2)", exp(2)),
    ("0.500000000000000", Float("0.5", 15)),
    ("1.00000000000000e-20", Float("1e-20", 15)),
]


@pytest.mark.parametrize("text,expected", ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_accepted(text, expected):
    assert parse(text) == expected


def test_table_size():
    assert len(ACCEPTED) >= 150


def test_sympy_expression_passes_through():
    expr = sin(x) + y
    assert parse(expr) is expr


def test_program_fields():
    program = parse_program("u = x^2 + y^2; P3(t) = (5t^3 - 3t)/2; sin(u) + P3(z)")
    assert program.expr == sin(x**2 + y**2) + (5 * z**3 - 3 * z) / 2
    assert program.variables == (x, y, z)
    assert list(program.definitions) == ["u", "P3"]
    assert program.definitions["u"] == ((), x**2 + y**2)
    assert program.definitions["P3"] == ((t,), (5 * t**3 - 3 * t) / 2)
    assert program.source.startswith("u = x^2")


def test_variables_sorted_by_name_and_include_arrays():
    assert parse_program("z + a + theta + b_2").variables == (a, sp.Symbol("b_2"), theta, z)
    assert parse_program("sum(x[i]*w, i, 1, n)").variables == (n, w := sp.Symbol("w"), x)
    assert w.name == "w"


NOTES = [
    ("xy", "`xy` is one name; write `x*y` or `x y` for a product"),
    ("sinx", "`sinx` read as sin(x), the function sin"),
    ("2x", "`2x` read as 2*x"),
    ("sin 2x", "`sin 2x` read as sin(2*x)"),
    ("sin x cos x", "read as sin(x)*cos(x)"),
    ("sin^-1 x", "inverse function asin"),
    ("1/2x", "binds tighter than '/'"),
    ("x^2y", "the exponent is one factor"),
    ("e^x", "Euler's number"),
    ("x(y+1)", "x is not a function"),
    ("θ", "`θ` read as the name theta"),
    ("√2x", "applies only to `2`"),
    ("$ab$", "`ab` read as a*b"),
    ("$x$", "read as LaTeX"),
    ("u = x^2; sin(u)", "u = x**2 is substituted"),
    ("u = x^2", "its value is the expression"),
]


@pytest.mark.parametrize("text,fragment", NOTES)
def test_notes_name_each_implicit_reading(text, fragment):
    notes = parse_program(text).notes
    assert any(fragment in note for note in notes), notes


def test_plain_python_syntax_has_no_notes():
    assert parse_program("sin(x**2 + y**2) * exp(-x)").notes == []
