"""Write-ups a student hands in: the summarised descent table, math-mode numbers and notes, and
standalone LaTeX (solve and steps) that compiles with pdflatex without overfull boxes."""
from __future__ import annotations

import math
import re
import shutil
import subprocess

import pytest
import sympy

import symgd
from symgd import minimize
from symgd.cli import main
from symgd.report.descent import Gap, summary_indices, tex_number
from symgd.report.writeup import note_markdown, note_tex
from tests.pdflatex import assert_compiles

parse = pytest.importorskip("symgd.parse")
if not hasattr(parse, "parse_program"):
    pytest.skip("the parser (symgd.parse.parse_program) is not built yet", allow_module_level=True)


@pytest.mark.parametrize("n", [*range(1, 60), 97, 100, 101, 257, 999, 1000, 1001, 20001])
def test_summary_shows_first_last_and_a_whole_stride(n):
    items = summary_indices(n)
    shown = [i for i in items if not isinstance(i, Gap)]
    gaps = [i for i in items if isinstance(i, Gap)]
    assert shown == sorted(set(shown)) and shown[0] == 0 and shown[-1] == n - 1
    assert len(items) <= 27
    if n <= 25:
        assert shown == list(range(n)) and not gaps
        return
    middle = [i for i in shown if 5 <= i < n - 5]
    every = gaps[0].every
    # the middle is exactly every k-th recorded row: none it claims to show is skipped
    assert middle == [i for i in range(5, n - 5) if i % every == 0]
    assert shown[:5] == list(range(5)) and shown[-5:] == list(range(n - 5, n))
    assert gaps[0].total == n - len(shown)
    # each "…" row counts the rows between its neighbours
    for before, gap, after in zip(items, items[1:], items[2:]):
        if isinstance(gap, Gap):
            assert gap.left_out == after - before - 1


def test_summary_on_request_is_the_full_table():
    assert summary_indices(1000, None) == list(range(1000))


def _solve(args: list[str], capsys) -> str:
    main(["solve", *args])
    return capsys.readouterr().out


def _table_steps(markdown: str) -> list[int]:
    return [int(m) for m in re.findall(r"^\| (\d+) \|", markdown, flags=re.M)]


def test_every_recorded_step_up_to_the_limit_is_shown(capsys):
    """The issue's case: 13 records (0, 10, ..., 120); step 60 was skipped by a fractional stride."""
    expr, args = "sin(x) + cos(y)", ["--at", "x=1,y=1", "--lr", "0.3", "--steps", "120", "--tol", "0",
                                "--record-every", "10"]
    history = minimize(expr, {"x": 1.0, "y": 1.0}, lr=0.3, steps=120, tol=0, record_every=10).history
    assert len(history) == 13
    steps = _table_steps(_solve([expr, *args, "--format", "markdown"], capsys))
    assert steps == [r.step for r in history] and 60 in steps


def test_text_table_shows_every_step_up_to_the_limit(capsys):
    """The terminal table thinned 13 records to 12 with a fractional stride, dropping step 60."""
    history = minimize("x^2 + y^2", {"x": 1.0, "y": 1.0}, lr=0.01, steps=120, tol=0, record_every=10).history
    out = _solve(["x^2 + y^2", "--lr", "0.01", "--steps", "120", "--tol", "0", "--record-every", "10"], capsys)
    shown = [int(m) for m in re.findall(r"^│\s*(\d+) │", out, flags=re.M)]
    assert shown == [r.step for r in history] and 60 in shown


def test_long_descent_is_summarised_and_full_on_request(capsys):
    expr, args = "x^2 + y^2", ["--lr", "0.01", "--steps", "1000", "--record-every", "1", "--tol", "0"]
    recorded = [r.step for r in minimize(expr, {"x": 1.0, "y": 1.0}, lr=0.01, steps=1000, tol=0,
                                         record_every=1).history]
    short = _solve([expr, *args, "--format", "markdown"], capsys)
    full = _solve([expr, *args, "--format", "markdown", "--full-table"], capsys)
    assert _table_steps(full) == recorded
    shown = _table_steps(short)
    assert len(shown) <= 25 and shown[0] == recorded[0] and shown[-1] == recorded[-1]
    assert set(shown) <= set(recorded) and "rows left out" in short
    assert len(short.splitlines()) < 120
    text = _solve([expr, *args], capsys)
    assert "rows left out" in text and len(text.splitlines()) < 80


@pytest.mark.parametrize("value", [3.67e-8, -1.5e12, 2.0, 0.125, 1e-20, 6.02214076e23, -7.1e-300])
def test_tex_number_is_math_and_keeps_the_value(value):
    tex = tex_number(value, 8)
    assert "e" not in tex.replace("\\times", "")
    m = re.fullmatch(r"(-?[\d.]+)(?: \\times 10\^\{(-?\d+)\})?|(-?)10\^\{(-?\d+)\}", tex)
    assert m, tex
    parsed = (float(m.group(1)) * 10.0 ** int(m.group(2) or 0) if m.group(1) else
              float(f"{m.group(3)}1e{m.group(4)}"))
    assert math.isclose(parsed, value, rel_tol=1e-7)


X = sympy.Symbol("x")


def parse_latex_like(tex: str) -> sympy.Expr:
    """The few LaTeX forms sympy.latex prints for a product of powers and sines, read back by hand
    (sympy's parse_latex needs antlr, not installed): enough to check the note's math independently."""
    text = tex.replace("\\left(", "(").replace("\\right)", ")").replace("\\sin", "sin")
    text = re.sub(r"\^\{([^}]*)\}", r"**(\1)", text).replace("{", "(").replace("}", ")")
    return sympy.sympify(re.sub(r"(?<=[\w)])\s+(?=[\w(])", "*", text))


def test_notes_lose_backticks_and_python_powers():
    tex = note_tex("`2x^2 sin x` read as 2*x**2*sin(x)")
    assert "`" not in tex and "**" not in tex and "\\texttt{2x" in tex
    math_part = re.search(r"\$([^$]+)\$", tex).group(1)
    assert sympy.simplify(parse_latex_like(math_part) - 2 * X**2 * sympy.sin(X)) == 0
    prose = note_tex("`sin^-1` read as the inverse function asin, not 1/sin")
    assert "$" not in prose.replace("\\^{}", "") and "`" not in prose
    assert "**" not in note_tex("`x**y` read as x**y")
    assert note_markdown("`xy` read as x**2*y: noted") == "`xy` read as $x^{2} y$: noted"


def test_write_ups_print_no_e_notation_in_math(capsys):
    args = ["x^2 + y^2", "--lr", "0.1", "--steps", "400", "--tol", "0"]
    for fmt in ("markdown", "latex"):
        out = _solve([*args, "--format", fmt], capsys)
        for math_span in re.findall(r"\$([^$]+)\$", out):
            assert not re.search(r"\de[-+]?\d", math_span), math_span
        assert "\\times 10^{" in out


#: Textbook expressions (OpenStax-style) and losses: each is solved and differentiated into LaTeX.
EXPRESSIONS = ["x^2 + y^2", "(x-1)^2 + (y+2)^2", "sin(x)*cos(y)", "exp(-x^2) + y^2", "log(1 + x^2) + y^2",
               "x^4 - 3x^2 + y^2", "(1-x)^2 + 100(y-x^2)^2", "sqrt(x^2 + y^2 + 1)", "tanh(x)^2 + y^2",
               "x*exp(-x) + y^2", "(x^2+1)^5 (2x-3)^4", "tan(x)*sec(x)", "cos(x)/sqrt(x)", "x^3 - 2x",
               "sin(x^2)*y + y^2", "atan(x) + x^2/10", "cosh(x) + sinh(y)^2", "exp(x)*(1 + x) + y^2",
               "1/(1 + exp(-x)) + (y - 3)^2", "x^2*y^2 + (x - y)^2 + x/y"]

_OVER = re.compile(r"Overfull \\(h|v)box \((\d+(?:\.\d+)?)pt too (wide|high)\)")


def _compile_clean(tex: str, folder) -> None:
    folder.mkdir()
    assert_compiles(tex, folder)
    log = (folder / "w.log").read_text(errors="replace")
    bad = [(kind, float(pt)) for kind, pt, _ in _OVER.findall(log) if kind == "v" or float(pt) > 20]
    assert not bad, bad


@pytest.mark.parametrize("i", range(len(EXPRESSIONS)))
def test_standalone_latex_compiles_without_overfull_boxes(i, capsys, tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    expr = EXPRESSIONS[i]
    main(["solve", expr, "--steps", "300", "--record-every", "1", "--lr", "0.01", "--format", "latex",
          "--standalone"])
    _compile_clean(capsys.readouterr().out, tmp_path / "solve")
    assert main(["steps", expr, "--format", "latex", "--standalone"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\documentclass") and out.rstrip().endswith("\\end{document}")
    _compile_clean(out, tmp_path / "steps")


def test_a_page_renders_to_a_non_empty_png(capsys, tmp_path):
    if shutil.which("pdflatex") is None or shutil.which("pdftoppm") is None:
        pytest.skip("pdflatex or pdftoppm is not installed")
    main(["solve", "x^2 + y^2", "--steps", "300", "--lr", "0.01", "--format", "latex", "--standalone"])
    assert_compiles(capsys.readouterr().out, tmp_path)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "w.pdf", "page"], cwd=tmp_path,
                   check=True, timeout=120)
    png = next(tmp_path.glob("page*.png"))
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


def test_full_latex_table_breaks_across_pages(capsys, tmp_path):
    """A 1,000-row table ran 13,141pt off page 2 as one tabular; a longtable breaks across pages."""
    main(["solve", "x^2 + y^2", "--lr", "0.01", "--steps", "1000", "--record-every", "1", "--tol", "0",
          "--format", "latex", "--full-table"])
    out = capsys.readouterr().out
    assert out.count("\\\\\n") >= 1000 and "\\begin{longtable}" in out
    _compile_clean(out, tmp_path / "full")
    pages = re.search(r"Output written on w\.pdf \((\d+) pages?", (tmp_path / "full" / "w.log").read_text())
    assert pages and int(pages.group(1)) > 10


@pytest.mark.parametrize("argv", [["steps", "x^2", "--standalone"], ["solve", "x^2", "--standalone"],
                                  ["solve", "x^2", "--format", "json", "--full-table"]])
def test_options_that_would_be_ignored_are_refused(argv, capsys):
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert "error:" in err and ("--standalone" in err or "--full-table" in err) and "Traceback" not in err


def test_check_markdown_message_is_written_math(capsys):
    main(["check", "x^2 sin x", "--wrt", "x", "--answer", "2x cos x", "--format", "markdown"])
    out = capsys.readouterr().out.partition("**not correct**")[2]  # the verdict (after any reading notes)
    assert out and "**" not in out
    shown = re.search(r"\] = \$(.+)\$$", out.strip()).group(1)  # the message's expressions are $LaTeX$
    back = symgd.parse(shown)
    assert sympy.simplify(back - sympy.diff(X**2 * sympy.sin(X), X)) == 0


@pytest.mark.parametrize("expr", ["2x^2 sin x", "1/2 x^2 + 3x", "sin^-1 x + x^2"])
def test_standalone_with_reading_notes_compiles(expr, capsys, tmp_path):
    assert main(["steps", expr, "--format", "latex", "--standalone"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\documentclass")
    _compile_clean(out, tmp_path / "steps")
    main(["solve", expr, "--steps", "50", "--at", "x=0.5", "--format", "latex", "--standalone"])
    _compile_clean(capsys.readouterr().out, tmp_path / "solve")
