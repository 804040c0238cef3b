"""Hostile sizes, constants and points (issue 12): every size is checked against the memory budget
before anything is allocated, complex and non-finite constants are refused after parsing with a caret,
and evaluation outside the domain at a point is a DomainError naming the term. Each case runs through
``symgd.cli.main`` (exit 2, one ``error:`` line, no traceback) and through the library."""
import math

import numpy as np
import pytest
import sympy

import symgd
from symgd.calculus.evaluate import values_at
from symgd.calculus.indexed import unroll
from symgd.cli import main
from symgd.errors import BudgetError, DomainError, ParseError, UnknownFunctionError, VariableError
from symgd.optim.multistart import sample_starts
from symgd.parse import budget, parse

BIG = "9" * 5000
SUM = "sum(x[i]^2, i, 0, n-1)"


def one_error(capsys, argv: list[str]) -> str:
    """Run ``argv``: exit 2, one ``error:`` line first, no traceback; the error line."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines and lines[0].startswith("error:"), err
    assert sum(line.startswith("error:") for line in lines) == 1, err
    assert "Traceback" not in err and "set_int_max_str_digits" not in err
    return lines[0]


# (argv, fragments of the error line): a budget refusal names the figure and the limit
BUDGET = [
    (["solve", SUM, "--size", "n=10^12"], ["--size n=10^12 needs 7.28 TiB for one vector", "the limit is 1 GiB"]),
    (["solve", SUM, "--size", "n=200000000"], ["needs 1.49 GiB for one vector", "the limit is 1 GiB"]),
    (["solve", SUM, "--size", "n=100000000"], ["the vector x (100,000,000 entries) needs 5.96 GiB", "1 GiB"]),
    (["solve", "sum(x[i]^2, i, 0, 10^12)"], ["1,000,000,000,001 entries", "TiB", "the limit is 1 GiB"]),
    (["solve", "x[10^100]^2"], ["about 10^100 entries", "the limit is 1 GiB"]),
    (["solve", "x^2", "--starts", "1000000000"], ["1,000,000,000 starts", "GiB", "the limit is 1 GiB"]),
    (["solve", "x^3", "--steps", "10000000", "--record-every", "1"],
     ["a history of 10,000,002 records", "GiB", "the limit is 1 GiB"]),
    (["solve", SUM, "--size", "n=1000000", "--steps", "2000", "--record-every", "1"],
     ["a history of 2,002 copies of", "14.9 GiB", "the limit is 1 GiB"]),
]


@pytest.mark.parametrize("argv, fragments", BUDGET, ids=[" ".join(a)[:50] for a, _ in BUDGET])
def test_cli_refuses_sizes_over_the_memory_budget(capsys, argv, fragments):
    line = one_error(capsys, argv)
    for fragment in fragments:
        assert fragment in line


CONSTANTS = [  # (input, fragment, caret column)
    ("x^2 + (-8)^(1/3)", "(-8)^(1/3) is not a real number", 11),  # the caret under its "^"
    ("∜(-16)", "is not a real number", 1),
    ("(-2)^0.5*x", "(-2)^(0.5) is not a real number", 5),
    ("x + log(-1)", "log(-1) is not a real number", 5),
    ("asin(2)*x", "asin(2) is not a real number", 1),
    ("acosh(0) + x", "acosh(0) is not a real number", 1),
    ("x + cot(0)", "cot(0) is undefined", 5),
    ("atan2(0, 0)*x", "atan2(0, 0) is undefined", 1),
    ("f(t) = t^(1/3); f(-8) + x", "is not a real number", 17),
    ("1e999999999", "beyond the float64 range", 1),
    ("x*1e-999999999", "below the float64 range", 3),
    ("log(x, 0)", "a logarithm to base 0 is undefined", 1),
    ("log(x, 1)", "a logarithm to base 1 is undefined", 1),
    ("log_0 x", "a logarithm to base 0 is undefined", 1),
    ("log_0(x)", "a logarithm to base 0 is undefined", 1),
    ("log(x, -2)", "negative base -2", 1),
    ("2^" + BIG, "a number with 5,000 digits; the limit is 4,000", 3),
    ("1e" + BIG, "beyond the float64 range", 1),
    ("1.5e-" + BIG, "below the float64 range", 1),
    ("1." + BIG + "*x", "a number with 5,001 digits", 1),
    ("log_" + BIG + "(x)", "a number with 5,000 digits", 4),
    ("x" + "²" * 5000, "a number with 5,000 digits", 2),
]


@pytest.mark.parametrize("text, fragment, column", CONSTANTS, ids=[c[0][:30] for c in CONSTANTS])
def test_parse_refuses_complex_and_non_finite_constants(text, fragment, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert fragment in info.value.message
    assert info.value.column == column
    assert len(info.value.message) < 300


@pytest.mark.parametrize("text, fragment, column", CONSTANTS[:12], ids=[c[0][:30] for c in CONSTANTS[:12]])
def test_cli_refuses_complex_and_non_finite_constants(capsys, text, fragment, column):
    assert fragment in one_error(capsys, ["grad", text])


def test_unknown_operatorname_is_an_unknown_function(capsys):
    with pytest.raises(UnknownFunctionError, match="unknown function 'exec'"):
        parse(r"\operatorname{exec}(x)")
    assert "did you mean sin" in str(pytest.raises(UnknownFunctionError, parse, r"\operatorname{sinn}(x)").value)
    assert parse(r"\operatorname{sin}(x)") == sympy.sin(sympy.Symbol("x"))
    assert "unknown function 'exec'" in one_error(capsys, ["parse", r"\operatorname{exec}(x)"])


LEGAL = [  # constants that stay legal: real, finite, documented (exp(10^10) stays symbolic)
    ("(-8)^3", -512), ("8^(1/3)", 2), ("-(8^(1/3))", -2), ("log(8, 2)", 3), ("1.5e300/1e300", 1.5),
    ("exp(10^10)", None), ("log_2 x", None), ("log(x, y)", None), ("(-1)^x", None), ("2.5e-300", 2.5e-300),
]


@pytest.mark.parametrize("text, value", LEGAL, ids=[c[0] for c in LEGAL])
def test_real_constants_stay_legal(text, value):
    expr = parse(text)
    if value is not None:
        assert float(expr) == pytest.approx(value)


POINTS = [  # (argv, fragments): evaluation at a point outside the domain names the term
    (["grad", "log(x)", "--at", "x=0"], ["f = log(x) is undefined at (x=0): log of zero"]),
    (["grad", "1/x", "--at", "x=0"], ["1/x is undefined at (x=0): division by zero"]),
    (["grad", "sqrt(x)", "--at", "x=0"], ["∂f/∂x = 1/(2*sqrt(x)) is undefined at (x=0)", "division by zero"]),
    (["grad", "x^0.5", "--at", "x=-1"], ["x**0.5 is undefined at (x=-1): fractional power of a negative"]),
    (["grad", "x^x^x^x^x", "--at", "x=3"], ["overflows float64 at (x=3)", "about 10^3,638,334,640,024"]),
    (["graph", "x^x^x^x^x^x", "--at", "x=2"], ["node d = x**c overflows float64 at (x=2)", "10^19,728"]),
    (["graph", "log(x) + y", "--at", "x=-1,y=1"], ["node a = log(x) is undefined at (x=-1, y=1)", "negative"]),
    (["graph", "sqrt(x)", "--at", "x=0"], ["∂f/∂x = 1/(2*sqrt(x)) is undefined at (x=0)"]),
    (["graph", "x^0.5", "--at", "x=-1"], ["node f = x**0.5 is undefined at (x=-1)"]),
    (["graph", "exp(exp(x))", "--at", "x=6.6"], ["node f = exp(a) overflows float64", "about 10^319"]),
    (["solve", "x^0.5", "--at", "x=-1"], ["start point (x=-1) is outside the domain", "x**0.5 is undefined"]),
    (["solve", "x^(1/3)", "--at", "x=-8"], ["start point (x=-8)", "fractional power of a negative number"]),
    (["solve", "x^x^x^x^x", "--at", "x=3"], ["start point (x=3)", "overflows float64"]),
    (["solve", "sqrt(x)", "--at", "x=0"], ["the gradient is not defined at the start point (x=0)"]),
    (["solve", "log(x)", "--at", "x=0", "--backend", "numpy"], ["log(x) is undefined there: log of zero"]),
    (["solve", "x^2", "--starts", "3", "--box", "x=-1e308:1e308"], ["too wide"]),
]


@pytest.mark.parametrize("argv, fragments", POINTS, ids=[" ".join(a)[:50] for a, _ in POINTS])
def test_cli_domain_errors_at_a_point(capsys, argv, fragments):
    line = one_error(capsys, argv)
    for fragment in fragments:
        assert fragment in line


# ------------------------------------------------------------------------------------------ the library

def test_library_sizes_refused_before_allocation():
    with pytest.raises(BudgetError, match=r"sizes n=1,000,000,000,000 needs 7.28 TiB.*the limit is 1 GiB"):
        symgd.minimize(SUM, {"x": 1.0}, sizes={"n": 10**12})
    with pytest.raises(BudgetError, match="1,000,000,001 entries"):
        symgd.minimize("sum(x[i]^2, i, 0, 10^9)", {"x": 1.0})
    with pytest.raises(BudgetError, match="starts of 2 variables"):
        symgd.minimize("x^2 + y^2", starts=10**9)
    with pytest.raises(BudgetError, match="a history of 10,000,002 records"):
        symgd.minimize("x^3", steps=10**7, record_every=1)
    with pytest.raises(BudgetError, match="terms; the limit is 10,000"):
        symgd.gradient(SUM, sizes={"n": 10**6})
    with pytest.raises(BudgetError, match="needs 7.28 TiB"):
        unroll(parse(SUM), {"n": 10**12})
    from symgd.codegen.indexed import compile_indexed
    with pytest.raises(BudgetError, match="the limit is 1 GiB"):
        compile_indexed(parse(SUM), sizes={"n": 10**12})


@pytest.mark.parametrize("sizes", [{"n": -1}, {"n": 2.5}, {"n": True}, {"n": "5"}, {"n": math.inf}])
def test_sizes_must_be_whole(sizes):
    with pytest.raises(VariableError, match="a size is a whole number"):
        budget.check_sizes(sizes)


def test_the_memory_limit_is_read_at_each_check(monkeypatch):
    with pytest.raises(BudgetError, match="1.49 GiB for one vector; the limit is 1 GiB"):
        budget.check_sizes({"n": 200_000_000})
    monkeypatch.setattr(budget, "MEMORY_LIMIT", 4 * 2**30)
    assert budget.check_sizes({"n": 200_000_000}) == {"n": 200_000_000}
    monkeypatch.setattr(budget, "MEMORY_LIMIT", 1000)
    with pytest.raises(BudgetError, match="the limit is 1000 bytes"):
        budget.check_sizes({"n": 1000})


def test_sizes_within_the_budget_still_solve():
    result = symgd.minimize(SUM, {"x": 1.0}, sizes={"n": 1000}, lr=0.1, steps=300)
    assert result.converged and len(result.x["x"]) == 1000


def test_a_large_vector_gets_a_history_within_the_budget(monkeypatch):
    monkeypatch.setattr(budget, "MEMORY_LIMIT", 2**20)  # 1 MiB: 10,000 entries are 78 KiB a copy
    result = symgd.minimize(SUM, {"x": 1.0}, sizes={"n": 10_000}, lr=0.1, steps=1000)
    assert len(result.history) * 10_000 * 8 <= 2**20 / 4 + 2 * 10_000 * 8


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_sample_starts_refuses_bad_seeds(seed):
    with pytest.raises(VariableError, match="seed must be a whole number of at least 0"):
        sample_starts(["x"], 3, None, seed)


def test_sample_starts_refuses_a_box_wider_than_float64():
    with pytest.raises(VariableError, match="wider than float64"):
        symgd.minimize("x^2", starts=4, bounds={"x": (-1e308, 1e308)})
    points = sample_starts(["x"], 5, {"x": (-1e300, 1e300)}, 0)
    assert np.isfinite(points).all()


X = sympy.Symbol("x")


@pytest.mark.parametrize("text, at, fragment", [
    ("log(x)", 0.0, "log(x) is undefined at (x=0): log of zero"),
    ("log(x)", -2.0, "log of a negative number (-2)"),
    ("1/x", 0.0, "division by zero"),
    ("x^0.5", -1.0, "fractional power of a negative number (-1)"),
    ("asin(x)", 2.0, "asin of 2 is outside its domain"),
    ("x^x^x^x^x", 3.0, "overflows float64"),
    ("exp(x)", 1000.0, "overflows float64 at (x=1000): about 10^434"),
])
def test_values_at_names_the_term(text, at, fragment):
    with pytest.raises(DomainError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("^", r"\^")):
        values_at([parse(text)], {X: at})


def test_values_at_gives_right_floats():
    expr = parse("x^x^x")
    (grad,) = symgd.gradient(expr)
    value, slope = values_at([expr, grad], {X: 1.5})
    assert value == pytest.approx(1.5 ** (1.5 ** 1.5))
    h = 1e-6
    f = lambda t: t ** (t ** t)  # noqa: E731
    assert slope == pytest.approx((f(1.5 + h) - f(1.5 - h)) / (2 * h), rel=1e-6)
    assert values_at([parse("sign(x)*abs(x)^(1/3)")], {X: -8.0}) == [pytest.approx(-2.0)]
    assert values_at([sympy.Piecewise((X, X > 0), (X**2, True))], {X: -3.0}) == [9.0]


def test_graph_at_a_point_overflow_and_right_answer():
    with pytest.raises(DomainError, match="overflows float64"):
        symgd.graph("x^x^x^x^x", at={"x": 3})
    view = symgd.graph("x^x^x", at={"x": 2})  # f = x^(x^x): f' = f*(x^x*(ln x + 1)*ln x + x^x/x)
    assert view.value == 16.0
    assert view.gradient[0] == pytest.approx(16 * (4 * (math.log(2) + 1) * math.log(2) + 2), rel=1e-12)


def test_minimize_start_outside_the_domain_names_the_term():
    with pytest.raises(DomainError, match=r"start point \(x=-1\) is outside the domain.*x\*\*0.5"):
        symgd.minimize("x^0.5", {"x": -1})
    with pytest.raises(DomainError, match="overflows float64"):
        symgd.minimize("x^x^x^x^x", {"x": 3})


@pytest.mark.parametrize("value, fragment", [(math.inf, "not a finite number"), ("abc", "is not a number")])
def test_graph_point_must_be_finite_numbers(value, fragment):
    with pytest.raises(VariableError, match=fragment):
        symgd.graph("x^2", at={"x": value})
    if value == math.inf:
        with pytest.raises(VariableError, match="no finite value"):
            values_at([X**2], {X: value})
