"""``symgd solve`` on indexed sums: --size, a vector start from one number, and the write-ups written out."""
import json
import numpy as np
import pytest
import sympy

from pdflatex import assert_compiles
from symgd.calculus.indexed import unroll
from symgd.cli import main
from symgd.parse import parse

ROSEN = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)"


def unrolled_value(n, xs):
    expr, variables = unroll(parse(ROSEN), {"n": n})
    return float(expr.subs(dict(zip(variables, xs))))


def test_solve_with_size_descends_on_the_whole_vector(capsys):
    code = main(["solve", ROSEN, "--size", "n=40", "--at", "x=0.5", "--optimizer", "adam", "--lr", "0.01",
                 "--steps", "2000", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and out["variables"] == ["x"]
    xs = out["x"]["x"]
    assert len(xs) == 40
    assert out["value"] == pytest.approx(unrolled_value(40, xs), rel=1e-12)  # sympy's value of the sums written out
    assert out["history"][0]["value"] == pytest.approx(unrolled_value(40, [0.5] * 40), rel=1e-12)
    assert out["value"] < 1e-2 * out["history"][0]["value"]
    from symgd import minimize
    lib = minimize(ROSEN, {"x": np.full(40, 0.5)}, optimizer="adam", lr=0.01, steps=2000)
    assert xs == pytest.approx(lib.x["x"], rel=1e-12)  # one number at --at is the same as the full vector


def test_text_output_shows_the_graph_written_out_for_small_sizes(capsys):
    code = main(["solve", ROSEN, "--size", "n=3", "--at", "x=0.5", "--steps", "50", "--optimizer", "adam"])
    text = capsys.readouterr().out
    expr, variables = unroll(parse(ROSEN), {"n": 3})
    at = {v: 0.5 for v in variables}
    want = [float(sympy.diff(expr, v).subs(at)) for v in variables]
    assert want == [-51.0, -1.0, 50.0]
    assert "∂f/∂x[0] = -51, ∂f/∂x[1] = -1, ∂f/∂x[2] = 50" in text
    assert "∂f/∂x[j] = where(1 ≤ j ≤ n − 1, " in text and code in (0, 1)  # Unicode math (issue 15)


def test_text_output_for_large_sizes_skips_the_graph(capsys):
    main(["solve", ROSEN, "--size", "n=100", "--at", "x=1.1", "--steps", "20", "--optimizer", "adam"])
    text = capsys.readouterr().out
    assert "(n=100)" in text and "written out for" not in text and "give e.g. --size n=4" in text


@pytest.mark.parametrize("argv, fragment", [
    ([ROSEN], "--size n=10"),
    (["x^2 + y^2", "--size", "n=3"], "this expression has none"),
    ([ROSEN, "--size", "n=2.5"], "whole number"),
    ([ROSEN, "--size", "n=0"], "whole number"),
    ([ROSEN, "--size", "n=300", "--format", "markdown"], "--size n=4"),
])
def test_bad_sizes_are_clear_errors(capsys, argv, fragment):
    assert main(["solve", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_markdown_writeup_writes_the_sums_out(capsys):
    main(["solve", ROSEN, "--size", "n=3", "--format", "markdown", "--steps", "30", "--at", "x=0.5"])
    text = capsys.readouterr().out
    assert "written out for n = 3" in text and "x[2]" in text and "## Derivatives" in text


def test_latex_writeup_of_deep_derivations_compiles(tmp_path, capsys):
    """Rosenbrock's derivation nests deeper than LaTeX's four itemize levels."""
    main(["solve", ROSEN, "--size", "n=3", "--format", "latex", "--steps", "30"])
    tex = capsys.readouterr().out
    assert "\\triangleright" in tex  # the levels past the fourth are indented by hand
    assert_compiles(tex, tmp_path)


def test_echo_names_sizes_apart_from_variables(capsys):
    assert main(["parse", ROSEN, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["variables"] == ["x"] and out["sizes"] == ["n"]
    assert main(["parse", "n*sum(x[i]^2, i, 0, n-1)", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)  # n outside the sum is a variable too
    assert out["variables"] == ["n", "x"] and "sizes" not in out
