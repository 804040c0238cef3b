"""The command line under hostile or careless input: one handler turns every exception into one
``error:`` line (exit 2, 1 for a divergence, 70 for a bug), options are validated, output files are
written whole or not at all. Every case calls ``symgd.cli.main`` and reads capsys."""
import errno
import json
import os

import pytest

import symgd.cli.grad
from symgd.cli import EXIT_INTERNAL, MAX_LINE, main
from symgd.errors import CompileError, OutputError


def error_lines(capsys, argv, code=2):
    """Run ``argv``; check the exit status, one ``error:`` line first, no traceback, every line short."""
    assert main(argv) == code
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines and lines[0].startswith("error:"), err
    assert sum(line.startswith("error:") for line in lines) == 1, err
    assert "Traceback" not in err
    assert all(len(line) <= MAX_LINE + 1 for line in lines), [len(line) for line in lines]
    return lines


BAD = [
    # argparse's own errors: one line, returned (not raised) as exit 2
    (["solve"], "the following arguments are required: EXPR"),
    (["frobnicate", "x"], "invalid choice"),
    (["grad", "x", "--nope"], "unrecognized arguments: --nope"),
    (["solve", "x^2", "--steps", "abc"], "argument --steps: expected a whole number"),
    # counts, seeds, rates
    (["solve", "x^2", "--steps", "0"], "argument --steps: expected a whole number of at least 1"),
    (["solve", "x^2", "--steps", "-5"], "argument --steps"),
    (["solve", "x^2", "--steps", "1_000"], "argument --steps"),
    (["solve", "x^2", "--starts", "0"], "argument --starts"),
    (["solve", "x^2", "--starts", "3", "--seed", "-1"], "argument --seed: expected a whole number of at least 0"),
    (["solve", "x^2", "--record-every", "0"], "argument --record-every"),
    (["solve", "x^2", "--lr", "0"], "argument --lr: expected a finite number greater than 0"),
    (["solve", "x^2", "--lr", "-1"], "argument --lr"),
    (["solve", "x^2", "--lr", "nan"], "argument --lr"),
    (["solve", "x^2", "--lr", "inf"], "argument --lr"),
    (["solve", "x^2", "--tol", "-1"], "argument --tol: expected a finite number of at least 0"),
    (["solve", "x^2", "--ftol", "nan"], "argument --ftol"),
    (["solve", "x^2", "--optimizer", "adam", "--eps", "inf"], "argument --eps: expected a finite number"),
    (["solve", "x^2", "--optimizer", "adam", "--betas", "0.9"], "argument --betas: expected two numbers"),
    (["solve", "x^2", "--optimizer", "adam", "--betas", "0.9,nan"], "argument --betas"),
    (["graph", "x^2", "--at", "x=1", "--depth", "0"], "argument --depth"),
    (["graph", "x^2", "--at", "x=1", "--depth", "-3"], "argument --depth"),
    # contradictory options
    (["solve", "x^2", "--device", "cpu"], "add --backend torch"),
    (["solve", "x^2", "--seed", "3"], "--seed only applies to a multi-start run"),
    (["solve", "x^2", "--starts", "3", "--at", "x=1"], "give one or the other"),
    (["solve", "x^2", "--starts", "3", "--box", "x=-1e308:1e308"], "too wide"),
    # --at: unknown, missing, repeated, non-finite names and values
    (["grad", "x^2", "--at", "x=1,y=2,z=3"], "--at names y, z, which are not variables of the expression"),
    (["graph", "x^2", "--at", "x=1,z=3"], "--at names z, which is not a variable of the expression (variables: x)"),
    (["solve", "x^2", "--at", "x=1,z=3"], "--at names z, which is not a variable"),
    (["grad", "x^2*y", "--at", "x=1"], "--at gives no value for y"),
    (["grad", "x^2*y", "--wrt", "x", "--at", "x=1"], "--at gives no value for y"),
    (["graph", "x*y", "--at", "x=1"], "no value for y"),
    (["grad", "x^2", "--at", "x=1,x=2"], "--at gives x more than once"),
    (["grad", "x^2", "--at", "x=10^400"], "is not a finite number"),
    # evaluation outside the domain, with the term
    (["grad", "log(x)", "--at", "x=0"], "f = log(x) is undefined at (x=0): log of zero"),
    (["grad", "1/x", "--at", "x=0"], "division by zero"),
    (["grad", "sqrt(x)", "--at", "x=0"], "∂f/∂x = 1/(2*sqrt(x)) is undefined at (x=0)"),
    (["grad", "x^0.5", "--at", "x=-1"], "fractional power of a negative number"),
    # output files
    (["graph", "x^2", "--at", "x=1", "--output", "/nonexistent-symgd-dir/g.txt"], "does not exist"),
    (["graph", "x^2", "--at", "x=1", "--output", "/"], "it is a folder"),
    (["graph", "x^2", "--at", "x=1", "--output", ""], "the file name is empty"),
    (["graph", "x^2", "--at", "x=1", "--output", "/etc/hostname/g.txt"], "is not a folder"),
]


@pytest.mark.parametrize("argv, fragment", BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_input_is_one_error_line(capsys, argv, fragment):
    lines = error_lines(capsys, argv)
    assert fragment in lines[0]


@pytest.mark.parametrize("expr, at, expected", [
    ("-x^2", "x=3", [-6.0]),
    ("-sin(x)", "x=0", [-1.0]),
    ("-(x+1)^2", "x=1", [-4.0]),
    ("-x*y", "x=2,y=5", [-5.0, -2.0]),
    ("-x", "x=1", [-1.0]),
])
def test_expression_starting_with_minus_is_the_expression(capsys, expr, at, expected):
    assert main(["grad", expr, "--at", at, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["gradient_value"] == pytest.approx(expected)


def test_real_options_still_work_beside_a_minus_expression(capsys, tmp_path):
    out = tmp_path / "g.txt"
    assert main(["graph", "-x^2", "--at", "x=1", "-o", str(out), "--plain"]) == 0
    assert out.read_text().startswith("f(x) = -x**2")
    assert main(["grad", "-h"]) == 0 and "--wrt" in capsys.readouterr().out
    assert main(["--version"]) == 0


def test_grad_other_names_are_constants_at_the_point(capsys):
    assert main(["grad", "x^2*y", "--wrt", "x", "--at", "x=1,y=3", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gradient_value"] == [6.0] and out["at"] == {"x": 1.0, "y": 3.0}


def test_long_messages_are_cut_and_the_caret_still_points(capsys):
    lines = error_lines(capsys, ["grad", "x", "--at", "x=1," + "y" * 20000])
    assert lines[0].endswith("…")
    many = ",".join(f"a{i}=1" for i in range(300))
    lines = error_lines(capsys, ["grad", "x", "--at", f"x=1,{many}"])
    assert "(300 in all)" in lines[0]
    terms = [f"x{i}" for i in range(300)]
    for text in ("+".join(terms) + "+)", "+".join(terms[:150]) + "+)+" + "+".join(terms[150:])):
        lines = error_lines(capsys, ["parse", text])
        source, caret = lines[1], lines[2]
        assert source.startswith("…") and source[caret.index("^")] == ")"


@pytest.mark.parametrize("exc", [ZeroDivisionError("division by zero"), KeyError("surprise"),
                                 TypeError("x" * 5000)])
def test_unexpected_exception_is_one_internal_error_line(capsys, monkeypatch, exc):
    def run(args):
        raise exc
    monkeypatch.setattr(symgd.cli.grad, "run", run)
    lines = error_lines(capsys, ["grad", "x"], code=EXIT_INTERNAL)
    assert lines[0].startswith(f"error: internal error ({type(exc).__name__}")
    assert "please report this" in lines[0] and len(lines) == 1


def test_debug_prints_the_traceback(capsys, monkeypatch):
    def run(args):
        return 1 / 0
    monkeypatch.setattr(symgd.cli.grad, "run", run)
    for argv in (["--debug", "grad", "x"], ["grad", "x", "--debug"]):
        assert main(argv) == EXIT_INTERNAL
        err = capsys.readouterr().err
        assert "Traceback" in err and "ZeroDivisionError" in err
        assert err.splitlines()[-1].startswith("error: internal error (ZeroDivisionError")


@pytest.mark.parametrize("exc, code, fragment", [
    (MemoryError(), 2, "too large: it ran out of memory"),
    (RecursionError("maximum recursion depth exceeded"), 2, "too large: it ran out of recursion depth"),
])
def test_too_large_is_bad_input(capsys, monkeypatch, exc, code, fragment):
    def run(args):
        raise exc
    monkeypatch.setattr(symgd.cli.grad, "run", run)
    assert fragment in error_lines(capsys, ["grad", "x"], code=code)[0]


def test_interrupt_exits_130_quietly(capsys, monkeypatch):
    def run(args):
        raise KeyboardInterrupt
    monkeypatch.setattr(symgd.cli.grad, "run", run)
    assert main(["grad", "x"]) == 130
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("device, fragment", [
    ("nonsense", "is not a torch device"),
    ("meta", "holds no numbers"),
    ("cuda:99", "cuda:99"),
])
def test_bad_device_is_one_error_line(capsys, device, fragment):
    pytest.importorskip("torch")
    lines = error_lines(capsys, ["solve", "x^2", "--backend", "torch", "--device", device])
    assert fragment in lines[0]


def test_bad_dtype_is_refused_by_the_library():
    pytest.importorskip("torch")
    import symgd
    for dtype in ("nonsense", "int64", "complex128"):
        with pytest.raises(CompileError, match="floating-point"):
            symgd.minimize("x^2", backend="torch", dtype=dtype, steps=3)


def test_plot_with_unknown_format_fails_before_the_run_and_writes_nothing(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "loss.xyz"
    lines = error_lines(capsys, ["solve", "x^2", "--plot", str(target)])
    assert "does not write 'xyz' images" in lines[0]
    assert list(tmp_path.iterdir()) == []
    assert "does not exist" in error_lines(capsys, ["solve", "x^2", "--plot", str(tmp_path / "no" / "a.png")])[0]


def test_unwritable_file_is_named(capsys, tmp_path):
    if not os.path.exists("/proc/version"):
        pytest.skip("needs /proc")
    lines = error_lines(capsys, ["graph", "x^2", "--at", "x=1", "--output", "/proc/version"])
    assert lines[0].startswith("error: cannot write /proc/version:")


def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    from symgd.report import files
    target = tmp_path / "out.txt"
    target.write_text("old")

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(files.os, "replace", full_disk)
    with pytest.raises(OutputError, match="cannot write .*out.txt: No space left on device"):
        files.write_output(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_output_to_a_device_is_written_in_place(capsys):
    if not os.path.exists(os.devnull):
        pytest.skip("no null device")
    assert main(["graph", "x^2", "--at", "x=1", "--output", os.devnull]) == 0
    assert os.path.exists(os.devnull) and not os.path.isfile(os.devnull)


def test_unbounded_below_is_said_and_no_rate_is_advised(capsys):
    assert main(["solve", "x^3", "--at", "x=-1", "--no-graph", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert "unbounded below" in out["message"] and "learning rate" not in out["message"]
    assert "suggested_lr" not in out


def test_too_large_a_rate_still_gets_the_advice(capsys):
    assert main(["solve", "x^2", "--lr", "5", "--no-graph", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert "grew without bound" in out["message"] and out["suggested_lr"] == pytest.approx(0.5)


def test_error_message_is_one_line_whatever_it_quotes(tmp_path, capsys):
    """A file name holding a newline is quoted in the message with the newline escaped."""
    name = str(tmp_path / "no\nsuch.csv")
    assert main(["fit", "a + b*x", "--data", name]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: ") and "\\n" in err[0]
    assert not any(line.startswith("such.csv") for line in err[1:])


@pytest.mark.parametrize("argv", [
    ["grad", "abs(x-1)", "--at", "x=1"],
    ["grad", "Heaviside(x**2-1)*x", "--at", "x=1"],
    ["grad", "abs(x) + y^2", "--at", "x=0,y=1", "--hessian"],
    ["grad", "abs(x) + y^2", "--at", "x=0.0,y=1", "--direction", "1,0"],
])
def test_a_gradient_at_a_corner_is_refused_not_zero(capsys, argv):
    """SymPy's sign(0) = 0 would print |x|' at 0 as 0 (and drop a jump's DiracDelta): the derivative does
    not exist there, so one error line says so (the one-sided derivatives, -1 and 1, differ)."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "switches there" in err and "Traceback" not in err


def test_a_gradient_off_the_corner_is_the_slope(capsys):
    assert main(["grad", "abs(x-1)", "--at", "x=2.5", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["gradient_value"] == [1.0]  # d|x-1|/dx = 1 for x > 1
