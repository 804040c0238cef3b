"""The core commands through `main(argv)`: solve, grad, compile; exit codes and error messages."""
import json
import math

import pytest
import sympy

from symgd.cli import main

x, y = sympy.symbols("x y")


def run_json(capsys, argv):
    code = main(argv + ["--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_solve_sin_reaches_minus_one_with_exact_gradient(capsys):
    from symgd import parse
    code, out = run_json(capsys, ["solve", "sin(x**2+y**2)", "--at", "x=1.5,y=1"])
    assert code == 0 and out["converged"] is True
    assert abs(out["value"] - (-1.0)) < 1e-6
    assert out["variables"] == ["x", "y"] and out["echo"]["expression"] == "sin(x**2 + y**2)"
    expected = [2 * x * sympy.cos(x**2 + y**2), 2 * y * sympy.cos(x**2 + y**2)]
    for text, exact in zip(out["gradient"], expected):
        assert sympy.simplify(parse(text) - exact) == 0


def test_solve_quadratic_converges_to_its_minimum(capsys):
    code, out = run_json(capsys, ["solve", "(x-3)^2 + 2*(y+1)^2"])
    assert code == 0
    assert abs(out["x"]["x"] - 3) < 1e-6 and abs(out["x"]["y"] + 1) < 1e-6
    assert out["grad_norm"] < 1e-8 and out["steps"] > 0


def test_solve_text_shows_gradient_and_result(capsys):
    assert main(["solve", "(x-3)^2 + 2*(y+1)^2", "--at", "x=0,y=0"]) == 0
    text = capsys.readouterr().out
    assert "2x − 6" in text and "4y + 4" in text  # Unicode math (issue 15)
    result_line = next(line for line in text.splitlines() if line.startswith("result:"))
    point = dict(part.split(" = ") for part in result_line[len("result: "):].split(", "))
    assert abs(float(point["x"]) - 3) < 1e-6 and abs(float(point["y"]) + 1) < 1e-6
    assert "converged" in text.lower() and "descent" in text
    assert "read as:" in text  # the interpretation echo comes first


def test_solve_no_graph_hides_graph(capsys):
    assert main(["solve", "x^2", "--no-graph"]) == 0
    text = capsys.readouterr().out
    assert "adjoint" not in text and "result:" in text
    assert main(["solve", "x^2"]) == 0
    assert "adjoint" in capsys.readouterr().out


def test_solve_optimizer_and_hyper_parameters(capsys):
    code, out = run_json(capsys, ["solve", "(x-1)^2 + (y+2)^2", "--optimizer", "adam", "--lr", "0.05",
                                  "--betas", "0.9,0.99", "--steps", "20000", "--tol", "1e-7"])
    assert code == 0 and out["optimizer"] == "adam"
    assert out["x"]["x"] == pytest.approx(1, abs=1e-6) and out["x"]["y"] == pytest.approx(-2, abs=1e-6)


def test_solve_multistart_finds_himmelblau_minima(capsys):
    code, out = run_json(capsys, ["solve", "(x^2+y-11)^2 + (x+y^2-7)^2", "--starts", "64",
                                  "--box", "x=-5:5,y=-5:5", "--lr", "0.005", "--seed", "1"])
    assert code == 0
    found = sorted((round(m["x"]["x"], 3), round(m["x"]["y"], 3)) for m in out["minima"])
    assert found == [(-3.779, -3.283), (-2.805, 3.131), (3.0, 2.0), (3.584, -1.848)]
    assert all(m["value"] < 1e-10 for m in out["minima"])


def test_solve_markdown_writeup(capsys):
    assert main(["solve", "(x-3)^2", "--format", "markdown"]) == 0
    text = capsys.readouterr().out
    assert "$" in text and "2 x - 6" in text.replace("\\", "")


def test_solve_budget_spent_exits_1(capsys):
    code, out = run_json(capsys, ["solve", "(x-3)^2", "--optimizer", "gd", "--steps", "3"])
    assert code == 1 and out["converged"] is False and out["steps"] == 3


def test_syntax_error_exits_2_with_caret(capsys):
    assert main(["solve", "sin(x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    lines = err.splitlines()
    caret_line = next(line for line in lines if line.strip() == "^")
    source_line = lines[lines.index(caret_line) - 1]
    assert source_line.strip() == "sin(x"
    assert caret_line.index("^") - source_line.index("s") == len("sin(x")
    assert "Traceback" not in err


def test_python_injection_is_refused(capsys):
    assert main(["solve", "__import__('os')"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_grad_json_at_point(capsys):
    code, out = run_json(capsys, ["grad", "x**2*y", "--at", "x=3,y=2", "--hessian"])
    assert code == 0
    assert out["variables"] == ["x", "y"]
    assert out["gradient_value"] == pytest.approx([12.0, 9.0], rel=1e-15)
    assert out["hessian_value"] == [[4.0, 6.0], [6.0, 0.0]]
    assert out["at"] == {"x": 3.0, "y": 2.0}


def test_grad_wrt_order_and_pi_in_point(capsys):
    code, out = run_json(capsys, ["grad", "sin(x)*y", "--wrt", "y,x", "--at", "x=pi/3,y=2"])
    assert code == 0 and out["variables"] == ["y", "x"]
    assert out["gradient_value"] == pytest.approx([math.sin(math.pi / 3), 2 * math.cos(math.pi / 3)], rel=1e-14)


def test_grad_missing_point_value_is_bad_input(capsys):
    assert main(["grad", "x*y", "--at", "x=1"]) == 2
    assert "no value for y" in capsys.readouterr().err


def test_grad_unknown_wrt_is_bad_input(capsys):
    assert main(["grad", "x*y", "--wrt", "z"]) == 2
    assert "z does not occur" in capsys.readouterr().err


def test_compile_prints_source_that_computes_the_gradient(capsys):
    assert main(["compile", "x*y + sin(x)", "--backend", "python"]) == 0
    source = capsys.readouterr().out
    assert "def " in source and "cos" in source


def test_usage_error_exits_2(capsys):
    assert main(["solve"]) == 2  # returned, not raised: main is a library function too
    assert capsys.readouterr().err.startswith("error: the following arguments are required: EXPR")


def test_module_entry_point_runs():
    import subprocess, sys
    done = subprocess.run([sys.executable, "-m", "symgd", "grad", "x**3", "--at", "x=2", "--format", "json"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["gradient_value"] == [12.0]
