"""Safety by construction: user text never reaches eval/exec/sympify/parse_expr, hostile inputs are
refused as bad input, and the budget stops inputs that would hang or exhaust the stack."""
from __future__ import annotations

import ast
import importlib
import pathlib

import pytest
import sympy

from symgd.cli import main
from symgd.errors import BudgetError, ParseError, SymgdError
from symgd.parse import parse, parse_program
from test_parse import ACCEPTED

# The package, not the function `symgd.parse` that the public API re-exports under that name.
PARSE_DIR = pathlib.Path(importlib.import_module("symgd.parse.program").__file__).parent
PACKAGE_DIR = PARSE_DIR.parent
# Calls that evaluate or import by text; the parser package may use none of them.
FORBIDDEN_IN_PARSER = {"eval", "exec", "compile", "sympify", "S", "parse_expr", "__import__",
                       "getattr", "setattr", "globals", "locals", "vars", "import_module"}
FORBIDDEN_ANYWHERE = {"eval", "parse_expr"}


def _called_names(path: pathlib.Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name:
                names.append((name, node.lineno))
    return names


def test_parser_package_never_calls_an_evaluator():
    found = [(p.name, name, line) for p in sorted(PARSE_DIR.glob("*.py"))
             for name, line in _called_names(p) if name in FORBIDDEN_IN_PARSER]
    assert found == []


def test_no_module_of_the_package_calls_eval_or_parse_expr():
    found = [(str(p.relative_to(PACKAGE_DIR)), name, line) for p in sorted(PACKAGE_DIR.rglob("*.py"))
             for name, line in _called_names(p) if name in FORBIDDEN_ANYWHERE]
    assert found == []


def test_the_ast_walk_would_catch_an_evaluator(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import sympy\ndef f(t):\n    return sympy.sympify(t) + eval(t)\n")
    assert {n for n, _ in _called_names(sample)} >= {"sympify", "eval"}


@pytest.fixture
def evaluated_strings(monkeypatch):
    """Record every string that reaches SymPy's string parser (behind sympify(str)) or eval.

    SymPy itself sympifies constant strings when some of its modules import; the tests check
    that no *user* text is ever among them.
    """
    import builtins
    import sympy.parsing.sympy_parser as sympy_parser

    seen: list[str] = []
    real_parse_expr, real_eval = sympy_parser.parse_expr, builtins.eval

    def parse_expr(text, *args, **kwargs):
        seen.append(text)
        return real_parse_expr(text, *args, **kwargs)

    def eval_(source, *args, **kwargs):
        seen.append(source)
        return real_eval(source, *args, **kwargs)
    monkeypatch.setattr(sympy_parser, "parse_expr", parse_expr)
    monkeypatch.setattr(builtins, "eval", eval_)
    return seen


def test_parsing_evaluates_no_string_at_all(evaluated_strings, capsys):
    def run_all():
        for text, expected in ACCEPTED:
            assert parse(text) == expected
        for fmt in ("text", "latex", "json"):
            assert main(["parse", "u = x^2; 2 sin u", "--format", fmt]) == 0
    run_all()  # SymPy's printers import modules that sympify their own constant strings
    evaluated_strings.clear()
    run_all()
    assert evaluated_strings == []


def test_the_recorder_would_see_a_sympify_of_user_text(evaluated_strings):
    sympy.sympify("x + 1")
    assert "x + 1" in evaluated_strings


HOSTILE = [
    "__import__('os').system('echo pwned')",
    "os.system('ls')",
    "exec('1')",
    "eval(x)",
    "open('/etc/passwd')",
    "x.__class__",
    "(lambda: 1)()",
    "[x for x in y]",
    "{'a': 1}",
    "getattr(x, 'y')",
    "sympify('x')",
    "globals()",
    "`x`",
    "f'{x}'",
    "x; import os",
    "\\input{/etc/passwd}",
    "\\def\\x{1}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_inputs_are_refused_as_bad_input(text, evaluated_strings):
    with pytest.raises(ParseError):
        parse(text)
    assert text not in evaluated_strings


def test_python_keywords_are_only_names():
    """Keywords are names inside math; a Python statement at the start is refused (issue 15)."""
    assert parse("import*os") == sympy.Symbol("import") * sympy.Symbol("os")
    assert parse("x if y else z") == sympy.Mul(*sympy.symbols("x if y else z"))
    with pytest.raises(ParseError, match="this is Python, not math"):
        parse("import os")


def test_import_is_refused_by_the_cli_with_exit_2(capsys):
    assert main(["parse", "__import__('os')"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: names cannot begin with '_'")
    assert "Traceback" not in err


@pytest.mark.parametrize("text", [
    "(" * 10_000 + "x" + ")" * 10_000,
    "-" * 10_000 + "x",
    "sin(" * 2_000 + "x" + ")" * 2_000,
    "x" + "^x" * 5_000,
    "sin " * 10_000 + "x",
    "|" * 10_000,
    "{" * 10_000 + "x" + "}" * 10_000,
    "x" + "**-x" * 3_000,
    "9**9**9**9",
    "2^(10^10)",
    "((9**9)**9999)**9999",
    "(2*x)^(10^10)",
    "(10^3000)^2",
    "10^3999 * 10^3999",
    "sqrt(" + "9" * 500 + ")",
    "*".join(f"sqrt({10**99 + 2 * j + 1})" for j in range(10)),
], ids=lambda text: repr(text[:20]))
def test_budget_refuses_costly_inputs_with_a_symgd_error(text):
    with pytest.raises(SymgdError):
        parse(text)


@pytest.mark.parametrize("text", ["Heaviside(x^4000)", "Heaviside((x+1)^4000)", "DiracDelta(x^4000)",
                                  "Heaviside((x+y)^99999, 1/2)"])
def test_step_functions_of_huge_powers_do_not_expand(text):
    """Regression (found by the fuzz test in CI): Heaviside's evaluation expanded im(x**4000) for minutes."""
    expr = parse(text)
    assert isinstance(expr, (sympy.Heaviside, sympy.DiracDelta)) and expr.args[0].is_Pow


@pytest.mark.parametrize("text, column", [
    ("9**9**9**9.5", 5), ("9**9**9**91e3", 5), ("e^(10.0^900000)", 2), ("2.0^(10^10)", 4),
    ("exp(9.5^9^6)", 1), ("tan(10.0^900000)", 1), ("exp(exp(10.0^300))", 1), ("sqrt(10.0^900000)", 1),
    ("sigmoid sinh 1099999", 1), ("exp(exp(1000))", 1), ("sin(10^400)", 1), ("cos(-sinh(2^20))", 1),
])
def test_floating_point_blowups_are_refused_with_a_caret(text, column):
    """Regression (found by fuzzing): mpmath spent minutes on powers and functions of huge floats, and
    on printing exp(-sinh(1099999)) + 1 (SymPy orders the terms by evaluating them)."""
    with pytest.raises(BudgetError) as info:
        parse(text)
    assert "beyond" in info.value.message and info.value.column == column


@pytest.mark.parametrize("text, expected", [
    ("2.0^10", sympy.Float(1024)), ("E**2.5", sympy.exp(sympy.Float(2.5))), ("0.0^2", sympy.Float(0)),
    ("sin(1e300)", sympy.sin(sympy.Float("1e300", 15))), ("1.5e300^2", sympy.Float("1.5e300") ** 2),
])
def test_ordinary_floating_point_powers_still_evaluate(text, expected):
    assert parse(text) == expected


def test_step_functions_of_numbers_still_evaluate():
    assert parse("Heaviside(3)") == 1 and parse("Heaviside(-2)") == 0 and parse("DiracDelta(1)") == 0
    x = sympy.Symbol("x")
    assert parse("Heaviside(x)") == sympy.Heaviside(x)


def test_unevaluated_big_number_words_stay_symbolic():
    expr = parse("exp(10^10) + pi^5000 + x^(10^10) + (x + 2)^(10^10)")
    x = sympy.Symbol("x")
    assert expr == sympy.exp(10**10) + sympy.pi**5000 + x**(10**10) + (x + 2)**(10**10)


def test_budget_error_is_a_parse_error_with_a_caret():
    with pytest.raises(ParseError) as info:
        parse("1 + 9**9**9**9")
    assert info.value.column == 9
    assert info.value.context.endswith("        ^")


def test_definitions_cannot_blow_up_the_expression():
    text = "a0 = x + 1; " + "".join(f"a{k} = a{k - 1}*a{k - 1} + a{k - 1}; " for k in range(1, 60))
    with pytest.raises(SymgdError):
        parse_program(text + "a59")
