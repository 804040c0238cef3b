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
    (x * (x + 1), "x(x + 1)"),
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


# --- the CLI: Unicode math by default, --plain for SymPy's strings, JSON always SymPy's strings -------------

from symgd.cli import main  # noqa: E402

F = "x^2 sin(y) + ln(x)/sqrt(x)"
F_EXPR = x**2 * sin(y) + log(x) / sqrt(x)


def _lines(capsys, *argv: str, code: int = 0) -> list[str]:
    assert main(list(argv)) == code
    return capsys.readouterr().out.splitlines()


def _rhs(lines: list[str], head: str) -> str:
    return next(line for line in lines if line.strip().startswith(head)).split(" = ", 1)[1].strip()


def _same(text: str, expected: sympy.Expr) -> bool:
    return sympy.simplify(parse(text) - expected) == 0


@pytest.mark.parametrize("argv", [["grad", F], ["steps", F, "--wrt", "x"], ["steps", F]])
def test_derivatives_print_as_math_that_reads_back_to_sympy_diff(capsys, argv):
    lines = _lines(capsys, *argv)
    out = "\n".join(lines)
    assert "**" not in out and "log(" not in out and "sqrt" not in out
    assert "ln(x)" in out and "√x" in out and "x²" in out
    assert _same(_rhs(lines, "∂f/∂x"), sympy.diff(F_EXPR, x))
    if "--wrt" not in argv:
        assert _same(_rhs(lines, "∂f/∂y"), sympy.diff(F_EXPR, y))


@pytest.mark.parametrize("argv", [["grad", F], ["steps", F, "--wrt", "x"], ["graph", F, "--at", "x=1,y=2"],
                                  ["parse", F], ["solve", "x^2 + ln(y)^2", "--optimizer", "gd", "--steps", "20"]])
def test_plain_prints_sympy_strings(capsys, argv):
    out = "\n".join(_lines(capsys, *argv, "--plain", code=0 if argv[0] != "solve" else 1))
    assert "x**2" in out and "x²" not in out and "log(" in out


def test_grad_plain_is_sympy_sstr_of_sympy_diff(capsys):
    lines = _lines(capsys, "grad", F, "--plain")
    assert _rhs(lines, "∂f/∂y") == sympy.sstr(sympy.diff(F_EXPR, y))


def test_json_keeps_sympy_strings(capsys):
    import json
    assert main(["grad", F, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["gradient"][1] == sympy.sstr(sympy.diff(F_EXPR, y))
    assert main(["steps", F, "--wrt", "x", "--format", "json"]) == 0
    assert "**" in json.loads(capsys.readouterr().out)["expression"]


def test_check_message_is_math(capsys):
    lines = _lines(capsys, "check", "x^2 ln(x)", "--wrt", "x", "--answer", "2x ln(x)", code=1)
    message = lines[-1]
    assert message.startswith("not correct") and "**" not in message and "ln(x)" in message
    assert _same(message.rsplit(" = ", 1)[1], sympy.diff(x**2 * log(x), x))
    plain = _lines(capsys, "check", "x^2 ln(x)", "--wrt", "x", "--answer", "2x ln(x)", "--plain", code=1)
    assert "x**2*log(x)" in plain[-1]


def test_negative_answer_is_correct_and_printed_with_a_minus_sign(capsys):
    lines = _lines(capsys, "check", "1/x", "--wrt", "x", "--answer", "-1/x^2")
    assert lines[-1].startswith("correct: −1/x²")


def test_graph_and_solve_text_are_math(capsys):
    out = "\n".join(_lines(capsys, "graph", "x^2 sin(x y)", "--at", "x=1,y=2"))
    assert "f(x, y) = x² sin(x y)" in out and "**" not in out
    out = "\n".join(_lines(capsys, "solve", "(x-3)^2 + 2(y+1)^2", "--at", "x=0,y=0"))
    assert _same(_rhs(out.splitlines(), "∂f/∂y"), 4 * y + 4) and "**" not in out.split("descent")[0]


def test_parse_notes_are_math(capsys):
    out = "\n".join(_lines(capsys, "parse", "u = x^2 + y^2; 2xy sin(u)"))
    assert "read as:     2x y sin(x² + y²)" in out and "u = x² + y² is substituted" in out


def test_fit_model_is_math(capsys):
    lines = _lines(capsys, "fit", "a x^2 + b", "--data", "x=linspace(0,3,20); y=2*x**2+1")
    model = lines[lines.index("[[Model]]") + 1].split("~", 1)[1].strip()
    assert "x²" in model and _same(model, sympy.Symbol("a") * x**2 + sympy.Symbol("b"))


@pytest.mark.parametrize("bad", ["--plain=1", "--plain=yes"])
def test_plain_takes_no_value(capsys, bad):
    assert main(["grad", "x^2", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_web_notes_show_the_reading_as_math():
    pytest.importorskip("markupsafe")
    from symgd.parse import parse_program
    from symgd.web.views import note
    (shown,) = [note(n) for n in parse_program("x^2 sin x").notes if "read as" in n][:1]
    reading = str(shown).split("read as ", 1)[1]
    assert "**" not in reading and parse(reading) == x**2 * sin(x)


def test_hessian_rows_are_math_that_reads_back_to_sympy_hessian(capsys):
    lines = _lines(capsys, "grad", "x^2 sin(y)", "--hessian")
    rows = lines[lines.index("Hessian:") + 1:]
    expected = sympy.hessian(x**2 * sin(y), (x, y))
    for i, row in enumerate(rows):
        entries = row.strip()[1:-1].split(", ")
        assert [_same(e, expected[i, j]) for j, e in enumerate(entries)] == [True, True]


def test_graph_picture_labels_are_math(capsys):
    out = "\n".join(_lines(capsys, "graph", "x^2 sin(x y)", "--at", "x=1,y=2", "--format", "dot"))
    labels = [line.split('label="', 1)[1].split(" | ")[0] for line in out.splitlines() if 'label="' in line]
    definitions = {head.split(" = ")[0]: head.split(" = ", 1)[1] for head in labels if " = " in head}
    assert "**" not in out and _same(definitions["a"], x**2)


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_write_up_notes_have_no_python_syntax(capsys, fmt):
    out = "\n".join(_lines(capsys, "steps", "u = x^2 + y^2; sin(u) + 2xy", "--wrt", "x", "--format", fmt))
    notes = out.split("**Read as:**", 1)[1].split("\n\n**", 1)[0] if fmt == "markdown" else \
        out.split(r"\begin{itemize}", 1)[1].split(r"\end{itemize}", 1)[0]
    assert "**" not in notes and "x**2" not in notes
    assert f"${sympy.latex(x**2 + y**2)}$ is substituted" in notes


def test_write_up_logs_are_ln(capsys):
    out = "\n".join(_lines(capsys, "steps", "x ln(x)", "--wrt", "x", "--format", "latex"))
    assert r"\ln{\left(x \right)}" in out and r"\log" not in out


@pytest.mark.parametrize("text", ["sum(x[i]^2, i, 0, n-1)", "sum(sum(x[i]*y[j], j, 0, m), i, 0, n)",
                                  "prod(1 + x[i]^2, i, 0, n-1)", "2*sum(x[i], i, 0, n-1)^2",
                                  "sqrt(sum((x[i+1] - x[i])^2, i, 0, n-2))"])
def test_indexed_sums_print_as_typed_and_read_back(text):
    expr = parse(text)
    shown = math_text(expr)
    assert "Sum(" not in shown and "Product(" not in shown and parse(shown) == expr


def test_parse_latex_writes_ln(capsys):
    import json
    out = "\n".join(_lines(capsys, "parse", "ln(x)^2 + x", "--format", "latex"))
    assert out.splitlines()[-1] == sympy.latex(log(x)**2 + x, ln_notation=True) and r"\log" not in out
    assert main(["parse", "ln(x)", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["latex"] == r"\ln{\left(x \right)}"


def test_solve_json_has_each_note_once(capsys):
    assert main(["solve", "sinx + x^2", "--steps", "5", "--format", "json"]) in (0, 1)
    out = capsys.readouterr().out
    assert out.count("`sinx` read as") == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("where(x > 0, 1/x, 0)", "where(x > 0, 1/x, 0)"),
    ("where(x >= 0, x, -x)", "where(x ≥ 0, x, −x)"),
    ("where(x != 0, 1, 0)", "where(x ≠ 0, 1, 0)"),
    ("relu(x)^2", "Max(0, x)²"),
    ("Piecewise((x, x<0), (x^2, x<1), (1, True))", "Piecewise((x, x < 0), (x², x < 1), (1, True))"),
])
def test_branches_print_as_typed_and_read_back(text, expected):
    assert math_text(parse(text)) == expected and parse(expected) == parse(text)


def test_an_index_range_reads_as_a_textbook_range():
    j, n = sympy.symbols("j n", integer=True)
    assert math_text(sympy.And(j >= 1, j <= n - 1)) == "1 ≤ j ≤ n − 1"
    assert math_text(sympy.And(x > 0, y > 0)) in ("x > 0 and y > 0", "y > 0 and x > 0")
