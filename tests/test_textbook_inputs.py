"""Issue 15: inputs typed as OpenStax-style textbooks and students write them, read as the textbook
means. The oracle is the SymPy expression written by hand for each input (docs/language.md,
"Textbook readings")."""
from __future__ import annotations

import pytest
import sympy as sp
from sympy import E, cos, cosh, cot, csc, exp, log, sec, sin, sinh, sqrt, tan

from symgd.explain.check import check
from symgd.parse import parse, parse_program

x, y, z, t, a, b = sp.symbols("x y z t a b")
half = sp.Rational(1, 2)

TEXTBOOK = [
    # a function applied to a parenthesised argument ends there
    ("6 sinh^5 (x) cosh (x)", 6 * sinh(x) ** 5 * cosh(x)),
    ("cosh^2 (x) sinh (x)", cosh(x) ** 2 * sinh(x)),
    ("sin^2 (x) cos (x)", sin(x) ** 2 * cos(x)),
    ("3 tan^2 (x) sec^2 (x)", 3 * tan(x) ** 2 * sec(x) ** 2),
    ("sec^3 (2x) tan (2x)", sec(2 * x) ** 3 * tan(2 * x)),
    ("5 cos^4 (x) sin (x)", 5 * cos(x) ** 4 * sin(x)),
    ("sin^2 (x+1) x", sin(x + 1) ** 2 * x),
    ("ln sin (x)", log(sin(x))),
    # a bare one-letter argument followed by a bracket is a product
    ("cos x(x + cos x)", cos(x) * (x + cos(x))),
    ("2 csc x( csc^2 x + cot^2 x)", 2 * csc(x) * (csc(x) ** 2 + cot(x) ** 2)),
    ("sin x(1 + cos x)", sin(x) * (1 + cos(x))),
    ("E**x(1+x)", exp(x) * (1 + x)),
    ("e^x(x^2 + 2x)", exp(x) * (x**2 + 2 * x)),
    ("e^x(sin x + cos x)", exp(x) * (sin(x) + cos(x))),
    ("2^x(1 + x ln 2)", 2**x * (1 + x * log(2))),
    ("e^x(1+x)^2", exp(x) * (1 + x) ** 2),  # the bracket keeps its own power (was e^(x(1+x)^2))
    ("2^x(1 + x)^3", 2**x * (1 + x) ** 3),
    # powers bind tighter than implicit products
    ("18x(3x^2 + 1)^(2)", 18 * x * (3 * x**2 + 1) ** 2),
    ("x(3x^2+1)^2", x * (3 * x**2 + 1) ** 2),
    ("4x(x^2 + 1)^3", 4 * x * (x**2 + 1) ** 3),
    ("2x(x^2 - 1)^(-2)", 2 * x * (x**2 - 1) ** -2),
    ("3t(t^2+4)^5", 3 * t * (t**2 + 4) ** 5),
    ("(x^2+1)^5 (2x-3)^4", (x**2 + 1) ** 5 * (2 * x - 3) ** 4),
    # a numeric fraction followed by a space
    ("1/2 x^2 + 3x", x**2 / 2 + 3 * x),
    ("1/2 x^2", half * x**2),
    ("1/3 x^3 - x", x**3 / 3 - x),
    ("3/4 sin x cos x", sp.Rational(3, 4) * sin(x) * cos(x)),
    ("1/2 (x + 1)^2", half * (x + 1) ** 2),
    ("2/3 x^(3/2)", sp.Rational(2, 3) * x ** sp.Rational(3, 2)),
    ("1/2x", 1 / (2 * x)),
    ("1/(2x)", 1 / (2 * x)),
    # letters that are this input's variables
    ("2xy + y^2 sin x", 2 * x * y + y**2 * sin(x)),
    ("3xy^2 - 2y + x", 3 * x * y**2 - 2 * y + x),
    ("x^2 + xy + y^2", x**2 + x * y + y**2),
    ("ab + a + b", a * b + a + b),
    ("xyz + x + y + z", x * y * z + x + y + z),
    ("xy(x+y) + x", x * y * (x + y) + x),  # a run before a bracket: was "unknown function 'xy'"
    ("2xy(x-y)^2 + y", 2 * x * y * (x - y) ** 2 + y),  # the power takes the bracket only
    ("ab(a+b)", a * b * (a + b)),
    # a function name glued to x, y or z
    ("sinx", sin(x)),
    ("cosx", cos(x)),
    ("lnx", log(x)),
    ("x^2 + sinx", x**2 + sin(x)),
    ("tanx + secx", tan(x) + sec(x)),
    ("expx", exp(x)),
    # OpenStax Calculus Vol. 1, ch. 3 (derivatives), written as printed there
    ("sec x tan x", sec(x) * tan(x)),
    ("x sec x tan x", x * sec(x) * tan(x)),
    ("cot x csc x", cot(x) * csc(x)),
    ("-csc^2 x", -csc(x) ** 2),
    ("3 sec^2 (3x)", 3 * sec(3 * x) ** 2),
    ("e^(-x) (cos x - sin x)", exp(-x) * (cos(x) - sin(x))),
    ("4x^3 e^(x^4)", 4 * x**3 * exp(x**4)),
    ("(2x+1)^3 (x-2)^2", (2 * x + 1) ** 3 * (x - 2) ** 2),
    ("x^(1/3) (x - 4)", sp.cbrt(x) * (x - 4)),
    ("x^(-2/3)/3", x ** sp.Rational(-2, 3) / 3),
    ("2^x ln 2", 2**x * log(2)),
    ("1/2 sin^2 x", half * sin(x) ** 2),
    ("tan^-1 x", sp.atan(x)),
    ("log_2 x", log(x, 2)),
    ("cos^2 x - sin^2 x", cos(x) ** 2 - sin(x) ** 2),
    ("5e^(3x) sin(2x)", 5 * exp(3 * x) * sin(2 * x)),
    # readings that stay as they were
    ("sin (x) cos (x)", sin(x) * cos(x)),
    ("2x sin^2 x", 2 * x * sin(x) ** 2),
    ("x^2 sin x", x**2 * sin(x)),
    ("sqrt(x) + 1/sqrt(x)", sqrt(x) + 1 / sqrt(x)),
    ("e^(2x) cos(3x)", exp(2 * x) * cos(3 * x)),
    ("ln(x^2 + 1)", log(x**2 + 1)),
    ("(x+1)(x-1)", (x + 1) * (x - 1)),
    ("x e^x", x * E**x),
]


@pytest.mark.parametrize(("text", "expected"), TEXTBOOK, ids=[t for t, _ in TEXTBOOK])
def test_textbook_input_reads_as_the_textbook_means(text, expected):
    assert sp.simplify(parse(text) - expected) == 0


def test_there_are_at_least_sixty_textbook_inputs():
    """Issue 15, "Done when": at least 60 textbook inputs with their expected reading (and the Leibniz ones)."""
    assert len(TEXTBOOK) >= 60
    assert len(TEXTBOOK) + len(LEIBNIZ) >= 75


@pytest.mark.parametrize("text", ["6 sinh^5 (x) cosh (x)", "cos x(x + cos x)", "E**x(1+x)",
                                  "18x(3x^2 + 1)^(2)", "1/2 x^2", "2xy + y^2 sin x", "sinx"])
def test_every_new_reading_is_noted(text):
    assert parse_program(text).notes


def test_single_names_stay_names_without_their_letters_elsewhere():
    assert parse("xy") == sp.Symbol("xy")
    assert parse("cost") == sp.Symbol("cost")  # t is not x, y or z: a name, not cos(t)


def test_a_run_before_a_bracket_without_its_letters_elsewhere_is_an_unknown_function():
    from symgd.errors import UnknownFunctionError
    with pytest.raises(UnknownFunctionError, match="unknown function 'ab'"):
        parse("ab(x)")


def test_user_functions_keep_their_call():
    f = sp.Lambda(t, t**2)
    assert parse("f(t) = t^2; 3 f(x)^2") == 3 * f(x) ** 2


def test_check_reads_the_answer_with_the_expression_letters():
    result = check("x^2 y", "x", "2xy")
    assert result.correct
    assert sp.simplify(result.answer - sp.diff(x**2 * y, x)) == 0


def test_a_lone_constant_definition_is_an_error_with_a_hint():
    from symgd.errors import ParseError
    with pytest.raises(ParseError, match="only defines x") as info:
        parse("x = 1")
    assert info.value.hint
    assert parse("u = x^2") == x**2  # a definition with variables stays its value (noted)


# Leibniz and partial notation: the operand is what is differentiated, the request is the variables in the
# order they are differentiated (∂²f/∂x∂y = ∂/∂x(∂f/∂y): the rightmost first).
LEIBNIZ = [
    ("d/dx (x^3)", x**3, ("x",)),
    ("d/dx x^2", x**2, ("x",)),
    ("d/dx x^2 + 3x", x**2 + 3 * x, ("x",)),
    (r"\frac{d}{dx} x^2", x**2, ("x",)),
    (r"\frac{d}{dx}(x^2 \sin x)", x**2 * sin(x), ("x",)),
    ("∂/∂x (x^2 y)", x**2 * y, ("x",)),
    (r"\frac{\partial}{\partial y} x y^2", x * y**2, ("y",)),
    ("d^2/dx^2 (x^3)", x**3, ("x", "x")),
    ("d²/dx² (sin x)", sin(x), ("x", "x")),
    ("∂²/∂x∂y (x^2 y^3)", x**2 * y**3, ("y", "x")),
    (r"\frac{\partial^2}{\partial x \partial y} x^2 y", x**2 * y, ("y", "x")),
    (r"\frac{d^2}{dx^2} e^{2x}", exp(2 * x), ("x", "x")),
    ("d/dt (3t(t^2+4)^5)", 3 * t * (t**2 + 4) ** 5, ("t",)),
    ("d/dx (2xy + y^2 sin x)", 2 * x * y + y**2 * sin(x), ("x",)),
    ("d/dx(x^2)", x**2, ("x",)),
]


@pytest.mark.parametrize("text,expected,request_", LEIBNIZ, ids=[t for t, *_ in LEIBNIZ])
def test_leibniz_operator_sets_what_is_differentiated(text, expected, request_):
    from symgd.parse import derivative_request
    program = parse_program(text)
    assert sp.simplify(program.expr - expected) == 0
    assert program.derivative == request_ == derivative_request(text)
    assert any("differentiating" in note for note in program.notes)


@pytest.mark.parametrize("text", ["x^2", "dy/dx", r"\frac{d}{c}", "lambda*x", "a + d/(dx)",
                                  "3 + d/dx (x^2)"])
def test_no_operator_no_request(text):
    from symgd.parse import derivative_request
    assert derivative_request(text) is None


def test_mixed_request_order_matches_the_convention():
    """∂²/∂x∂y f = ∂/∂x(∂f/∂y): differentiating in the request's order gives sympy's mixed partial."""
    from symgd.parse import derivative_request
    f = x**2 * sp.sin(x * y) + y**3 * x
    req = derivative_request("∂²/∂x∂y (x^2 sin(x y) + y^3 x)")
    assert sp.simplify(sp.diff(f, *[sp.Symbol(v) for v in req]) - sp.diff(sp.diff(f, y), x)) == 0


@pytest.mark.parametrize("text, span", [("sinx", "`sinx`"), ("x(3x^2+1)^2", "`x(3x^2+1)^2`"),
                                        ("2xy + y^2 sinx", "`sinx`"), ("E**x(1+x)", "`E**x("), ("e^x(1+x)^2", "`e^x("),
                                        ("e^x(x^2 + 2x)", "`e^x(")])
def test_each_reading_is_echoed_once(text, span):
    """The textbook note and the generic "read as" note of the same span used to both print."""
    from symgd import parse_program
    notes = parse_program(text).notes
    assert sum(note.startswith(span) for note in notes) == 1, notes
