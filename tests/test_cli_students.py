"""The CLI as students type it: expressions and answers starting with '-', and the reading notes printed
by every command before its answer. Oracles: sympy.diff, numpy least squares, and `symgd parse`'s notes."""
import json
import math

import numpy as np
import pytest
import sympy

from symgd.cli import main

x = sympy.Symbol("x")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- 1. a leading minus is an expression, not an option -------------------------------------------------

def test_check_negative_answer_is_correct(capsys):
    assert sympy.diff(1 / x, x) == -1 / x**2  # the oracle: the answer typed is the derivative
    code, out, err = _run(capsys, "check", "1/x", "--wrt", "x", "--answer", "-1/x^2")
    assert code == 0 and err == "" and "correct" in out and "wrong" not in out
    code, out, _ = _run(capsys, "check", "1/x", "--wrt", "x", "--answer=-1/x^2")
    assert code == 0
    code, out, _ = _run(capsys, "check", "1/x", "--answer", "1/x^2", "--wrt", "x")  # the sign matters
    assert code == 1


def test_solve_negative_expression_finds_the_minimum(capsys):
    # -ln x + x has its minimum where 1 - 1/x = 0
    (xmin,) = sympy.solve(sympy.diff(-sympy.log(x) + x, x), x)
    code, out, err = _run(capsys, "solve", "-log(x)+x", "--at", "x=2", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["x"]["x"] == pytest.approx(float(xmin), abs=1e-4)


@pytest.mark.parametrize("point", ["-1", "-0.5", "2"])
def test_grad_negative_expression_and_point(capsys, point):
    f = -x**3 + 2 * x
    expected = float(sympy.diff(f, x).subs(x, sympy.Rational(point)))
    code, out, err = _run(capsys, "grad", "-x^3 + 2x", "--at", f"x={point}", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["gradient_value"][0] == pytest.approx(expected, rel=1e-12)


def test_steps_parse_graph_compile_accept_a_leading_minus(capsys):
    f = -sympy.sin(x) * x
    df = sympy.diff(f, x)
    code, out, _ = _run(capsys, "steps", "-sin(x) x", "--wrt", "x", "--format", "json")
    assert code == 0
    assert sympy.simplify(sympy.sympify(json.loads(out)["result"]) - df) == 0
    code, out, _ = _run(capsys, "parse", "-sin(x) x", "--format", "json")
    assert code == 0 and sympy.sympify(json.loads(out)["expression"]) == f
    code, out, _ = _run(capsys, "graph", "-sin(x) x", "--at", "x=-1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    (node,) = [n for n in data["nodes"] if n["name"] == "x"]
    assert data["value"] == pytest.approx(float(f.subs(x, -1)), rel=1e-12)
    assert node["adjoint"] == pytest.approx(float(df.subs(x, -1)), rel=1e-12)
    code, out, _ = _run(capsys, "compile", "-sin(x) x", "--backend", "python")
    assert code == 0
    namespace: dict = {"math": math, "np": np, "numpy": np}
    exec(out, namespace)  # the printed source (without its imports) defines value_and_grad
    value, grad = namespace["value_and_grad"](-1.0)
    assert value == pytest.approx(float(f.subs(x, -1)), rel=1e-12)
    assert float(np.ravel(grad)[0]) == pytest.approx(float(df.subs(x, -1)), rel=1e-12)


def test_fit_model_with_a_leading_minus(capsys):
    xs = np.linspace(0, 3, 12)
    ys = 1.5 - 0.25 * xs
    data = "x=linspace(0,3,12); y=1.5-0.25*x"
    code, out, err = _run(capsys, "fit", "-a + b*x", "--data", data, "--format", "json")
    assert code == 0, err
    params = json.loads(out)["params"]
    (c0, c1), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(xs), xs]), ys, rcond=None)
    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    assert values["a"] == pytest.approx(-c0, abs=1e-8) and values["b"] == pytest.approx(c1, abs=1e-8)


def test_real_options_still_work(capsys):
    code, out, _ = _run(capsys, "grad", "-h")
    assert code == 0 and out.startswith("usage: symgd grad")
    code, out, err = _run(capsys, "grad", "x^2", "--bogus")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "--bogus" in err.splitlines()[0]


# --- 2. the reading notes, before the answer, in every command and format -------------------------------

def _notes(capsys, text: str) -> list[str]:
    """The oracle: the notes `symgd parse` prints for ``text``."""
    code, out, _ = _run(capsys, "parse", text, "--format", "json")
    assert code == 0
    notes = json.loads(out)["notes"]
    assert notes, f"{text!r} should have a reading note"
    return notes


def _before(out: str, note: str, answer: str) -> None:
    assert note in out, out
    assert answer in out, out
    assert out.index(note) < out.index(answer), out


TEXT_CASES = [  # (argv, the answer's first words)
    (["grad", "sinx"], "f(x) ="),
    (["steps", "sinx"], "∂f/∂x"),
    (["graph", "sinx", "--at", "x=1"], "gradient"),
    (["solve", "sinx + x^2", "--at", "x=1"], "converged"),
    (["compile", "sinx"], "def value_and_grad"),
]


@pytest.mark.parametrize("argv,answer", TEXT_CASES, ids=[a[0] for a, _ in TEXT_CASES])
def test_text_notes_come_before_the_answer(capsys, argv, answer):
    notes = _notes(capsys, argv[1])
    code, out, _ = _run(capsys, *argv)
    assert code == 0
    _before(out, notes[0], answer)


def test_check_notes_of_the_function_and_the_answer(capsys):
    (note,) = _notes(capsys, "x sinx")[:1]
    code, out, _ = _run(capsys, "check", "x sinx", "--wrt", "x", "--answer", "sinx + x cos(x)")
    assert code == 0
    _before(out, note, "correct")
    assert "answer: " in out.split("correct")[0]  # the answer's own reading is noted too


@pytest.mark.parametrize("command", ["grad", "steps", "check", "graph", "solve"])
def test_json_has_the_notes_field(capsys, command):
    notes = _notes(capsys, "sinx")
    extra = {"check": ["--wrt", "x", "--answer", "cos(x)"], "graph": ["--at", "x=1"],
             "solve": ["--at", "x=0"]}.get(command, [])
    expr = "sinx + x^2" if command == "solve" else "sinx"
    code, out, _ = _run(capsys, command, expr, *extra, "--format", "json")
    assert code in (0, 1)
    data = json.loads(out)
    assert notes[0] in data["notes"]
    if command != "solve":
        assert list(data)[0] == "notes"  # first: before the answer


@pytest.mark.parametrize("command", ["steps", "check", "graph"])
def test_markdown_notes_come_before_the_answer(capsys, command):
    notes = _notes(capsys, "sinx")
    extra = {"check": ["--wrt", "x", "--answer", "cos(x)"], "graph": ["--at", "x=1"]}.get(command, [])
    code, out, _ = _run(capsys, command, "sinx", *extra, "--format", "markdown")
    assert code == 0
    assert notes[0].startswith("`sinx` read as sin(x)")
    reading = f"`sinx` read as ${sympy.latex(sympy.sin(sympy.Symbol('x')))}$"  # issue 15: the reading as math
    _before(out, reading, r"\cos" if command != "graph" else "| node")


def test_latex_steps_notes_come_before_the_answer_also_standalone(capsys):
    code, out, _ = _run(capsys, "steps", "sinx", "--format", "latex", "--standalone")
    assert code == 0
    body = out.split(r"\begin{document}")[1]
    _before(body, r"\paragraph{Read as}", r"\cos")
    assert r"\texttt{sinx} read as $" + sympy.latex(sympy.sin(sympy.Symbol("x"))) + "$" in body


def test_fit_notes_come_before_the_report(capsys):
    notes = _notes(capsys, "a*sinx + b")
    data = "x=linspace(0,3,20); y=2*sin(x)+1"
    code, out, _ = _run(capsys, "fit", "a*sinx + b", "--data", data)
    assert code == 0
    _before(out, notes[0], "[[Model]]")
    code, out, _ = _run(capsys, "fit", "a*sinx + b", "--data", data, "--format", "json")
    parsed = json.loads(out)
    assert notes[0] in parsed["notes"]
    xs = np.linspace(0, 3, 20)
    (a, b), *_ = np.linalg.lstsq(np.column_stack([np.sin(xs), np.ones_like(xs)]), 2 * np.sin(xs) + 1, rcond=None)
    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in parsed["params"].items()}
    assert math.isclose(values["a"], a, abs_tol=1e-8) and math.isclose(values["b"], b, abs_tol=1e-8)


def test_no_notes_no_block(capsys):
    code, out, _ = _run(capsys, "parse", "sin(x)", "--format", "json")
    assert code == 0 and json.loads(out)["notes"] == []  # the oracle: nothing was read implicitly
    code, out, _ = _run(capsys, "grad", "sin(x)")
    assert code == 0 and out.startswith("f(x) =")


def test_graph_dot_notes_are_comments_graphviz_still_reads(capsys):
    import shutil
    import subprocess
    notes = _notes(capsys, "sinx")
    code, out, _ = _run(capsys, "graph", "sinx", "--at", "x=1", "--format", "dot")
    assert code == 0
    _before(out, f"// note: {notes[0]}", "digraph")
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tsvg"], input=out, capture_output=True, text=True)
        assert done.returncode == 0 and "<svg" in done.stdout, done.stderr
