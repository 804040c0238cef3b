"""Hostile data and options for fits (issue 12): every one ends with exit 2 and one ``error:`` line naming the
file / option (through ``symgd.cli.main``) or a ``SymgdError`` (through ``symgd.fit``), never a traceback,
a hang or a fit that reports success on misread data; legitimate odd inputs (a BOM, a Hive-style path, an
odd target column name) fit right. Hypothesis fuzzes column names and CSV bytes through the fit path.
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symgd
from symgd.cli import main
from symgd.errors import DataError, HyperParameterError, SymgdError, VariableError
from symgd.fit import files

LINE = "x,y\n" + "".join(f"{x},{2 * x + 1}\n" for x in range(1, 7))  # y = 2x + 1
EXPLORE = os.environ.get("SYMGD_FUZZ") == "explore"


def fuzz(examples: int) -> settings:
    """A fixed, reproducible replay set (as in test_parse_fuzz); SYMGD_FUZZ=explore draws new ones."""
    return settings(max_examples=examples, deadline=None, derandomize=not EXPLORE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


def refused(capsys, argv: list[str]) -> str:
    """The one error line of ``symgd`` on ``argv``, asserting exit 2, no traceback and no output."""
    code = main(argv)
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2, (code, out, err)
    assert len(errors) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert len(errors[0]) < 300, errors[0]
    return errors[0]


def fitted(capsys, argv: list[str]) -> dict:
    code = main(argv + ["--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)["params"]


# ---------------------------------------------------------------------------------------------- hostile files

def _text(text: str):
    return lambda path: path.write_text(text, encoding="utf-8")


def _bytes(data: bytes):
    return lambda path: path.write_bytes(data)


def _parquet(**cols):
    def write(path):
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        pq.write_table(pa.table(cols), path)
    return write


def _parquet_dup(path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    arrays = [pa.array([1.0, 2.0]), pa.array([3.0, 4.0]), pa.array([5.0, 6.0])]
    pq.write_table(pa.Table.from_arrays(arrays, names=["x", "y", "x"]), path)


def _parquet_corrupt(path):
    """A Parquet file whose second row group's compressed page is overwritten (its footer intact)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    x = np.arange(20000.0)
    pq.write_table(pa.table({"x": x, "y": 2 * x}), path, compression="snappy", row_group_size=5000)
    start = pq.ParquetFile(path).metadata.row_group(1).column(0).data_page_offset + 3000
    data = bytearray(path.read_bytes())
    data[start:start + 3000] = bytes((b * 7 + 3) % 256 for b in data[start:start + 3000])
    path.write_bytes(bytes(data))


def _empty_parquet(path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"x": pa.array([], pa.float64()), "y": pa.array([], pa.float64())}), path)


def _fifo(path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(path)


def _loop(path):
    other = path.with_name("other.csv")
    os.symlink(other, path)
    os.symlink(path, other)


#: (id, file name, writer, extra arguments, the fragment the message must hold); each runs in memory and
#: streamed (``--chunk-size 2``) where the file is a CSV.
HOSTILE_FILES = [
    ("header-only", "d.csv", _text("x,y\n"), [], "no data rows"),
    ("comments-only", "d.csv", _text("# x,y\n\n"), [], "no data rows"),
    ("empty-file", "d.csv", _text(""), [], "no data rows"),
    ("duplicate-names", "d.csv", _text("x,y,x\n1,2,3\n2,4,5\n"), [], "distinct"),
    ("empty-name", "d.csv", _text("x,,y\n1,2,3\n"), [], "empty name"),
    ("control-char-name", "d.csv", _text('x,"y\x07"\n1,2\n'), [], "control character"),
    ("zero-width-name", "d.csv", _text("x,y\u200b\n1,2\n"), [], "control character"),
    ("long-name", "d.csv", _text("x," + "y" * 300 + "\n1,2\n"), [], "characters long"),
    ("column-e", "d.csv", _text("x,e,y\n1,2,3\n2,3,5\n"), [], "constant e"),
    ("column-pi", "d.csv", _text("pi,y\n1,2\n2,3\n"), [], "constant pi"),
    ("underscore-number", "d.csv", _text("x,y\n1_000,2\n2,3\n"), [], "'1_000'"),
    ("unicode-digits", "d.csv", _text("x,y\n\u0661\u0662,2\n2,3\n"), [], "x"),
    ("hex-number", "d.csv", _text("x,y\n0x10,2\n2,3\n"), [], "'0x10'"),
    ("true-cell", "d.csv", _text("x,y\nTrue,2\n2,3\n"), [], "'True'"),
    ("nan-cell", "d.csv", _text("x,y\n1,nan\n2,3\n"), [], "nan"),
    ("inf-cell", "d.csv", _text("x,y\n1,-Infinity\n2,3\n"), [], "nfinit"),
    ("overflow-cell", "d.csv", _text("x,y\n1,1e999\n2,3\n"), [], "1e999"),
    ("empty-cell", "d.csv", _text("x,y\n1,\n2,3\n"), [], "line 2"),
    ("too-many-fields", "d.csv", _text("x,y\n1,2,3\n2,3\n"), [], "3 fields"),
    ("binary-garbage", "d.csv", _bytes(bytes(range(128, 256)) * 4 + bytes(range(128))), [], "line 1: not UTF-8"),
    ("latin1-cell", "d.csv", _bytes(b"x,y\n1,2\n2,\xe9\n"), [], "line 3: not UTF-8"),
    ("nul-byte", "d.csv", _bytes(b"x,y\n1,\x002\n"), [], "line 2"),
    ("field-over-128k", "d.csv", _text("x,y\n1," + "2" * 200_000 + "\n"), [], "field limit"),
    ("line-over-1mib", "d.csv", _text("x,y\n1,2\n" + "3," * 600_000 + "\n"), [], "line 3: a line longer"),
    ("header-over-1mib", "d.csv", _text("x" * 1_100_000 + ",y\n1,2\n"), [], "line 1: a line longer"),
    ("named-pipe", "d.csv", _fifo, [], "named pipe"),
    ("symlink-loop", "d.csv", _loop, [], "loop of symbolic links"),
    ("headerless-duplicate-columns", "d.csv", _text("1,2\n3,4\n"), ["--columns", "x,x"], "distinct"),
    ("parquet-empty", "d.parquet", _empty_parquet, [], "no data rows"),
    ("parquet-list-column", "d.parquet", _parquet(x=[[1.0], [2.0]], y=[1.0, 2.0]), [], "list<"),
    ("parquet-text-number", "d.parquet", _parquet(x=["1_000", "2"], y=[1.0, 2.0]), [], "'1_000'"),
    ("parquet-duplicate-names", "d.parquet", _parquet_dup, [], "distinct"),
    ("parquet-corrupt-page", "d.parquet", _parquet_corrupt, [], "row group 1"),
    ("parquet-garbage", "d.parquet", _bytes(b"PAR1" + bytes(range(256)) + b"PAR1"), [], "cannot read Parquet"),
    ("parquet-with-columns", "d.parquet", _parquet(x=[1.0, 2.0], y=[1.0, 2.0]), ["--columns", "x,y"], "--columns"),
]


FILE_CASES = [pytest.param(*case[1:], streamed, id=f"{case[0]}-{'streamed' if streamed else 'in-memory'}")
              for case in HOSTILE_FILES for streamed in (False, True)
              if not (streamed and case[1].endswith(".parquet"))]  # Parquet is always streamed


@pytest.mark.parametrize("name, writer, extra, fragment, streamed", FILE_CASES)
def test_hostile_files_are_refused_naming_the_file(tmp_path, capsys, name, writer, extra, fragment, streamed):
    path = tmp_path / name
    writer(path)
    chunk = ["--chunk-size", "2"] if streamed else []
    model = "a + b*pi" if "pi," in fragment else "a + b*x"
    line = refused(capsys, ["fit", model, "--data", str(path), *extra, *chunk])
    assert name in line and fragment in line, line
    columns = extra[1].split(",") if extra else None
    with pytest.raises(SymgdError, match="d\\.(csv|parquet)"):
        symgd.fit(model, path, columns=columns, chunk_size=2 if streamed else None)


def test_special_paths_are_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text(LINE)  # `--data ""` must not fit every CSV of the folder
    assert "data is empty" in refused(capsys, ["fit", "a + b*x", "--data", ""])
    assert "data is empty" in refused(capsys, ["fit", "a + b*x", "--data", "  "])
    assert "no such file" in refused(capsys, ["fit", "a + b*x", "--data", "missing.csv"])
    assert "no data files match" in refused(capsys, ["fit", "a + b*x", "--data", "*.parquet"])
    line = refused(capsys, ["fit", "a + b*x", "--data", "year=2021/p.parquet"])
    assert "no such data file or folder: 'year=2021/p.parquet'" in line
    (tmp_path / "empty").mkdir()
    assert "holds no .parquet or .csv" in refused(capsys, ["fit", "a + b*x", "--data", "empty"])
    if os.path.exists("/dev/zero"):
        assert "/dev/zero is a character device" in refused(capsys, ["fit", "a + b*x", "--data", "/dev/zero"])
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    assert "over the limit" in refused(capsys, ["fit", "a + b*x", "--data", "a.csv"])


# ---------------------------------------------------------------------------------------------- legitimate odd data

@pytest.mark.parametrize("chunk", [[], ["--chunk-size", "2"]], ids=["in-memory", "streamed"])
def test_bom_header_is_read(tmp_path, capsys, chunk):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + LINE.encode())
    params = fitted(capsys, ["fit", "a + b*x", "--data", str(path), *chunk])
    assert params == pytest.approx({"a": 1.0, "b": 2.0})


def test_bom_header_with_the_dask_engine(tmp_path, capsys):
    pytest.importorskip("distributed")
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + LINE.encode())
    params = fitted(capsys, ["fit", "a + b*x", "--data", str(path), "--engine", "dask", "--chunk-size", "2"])
    assert params == pytest.approx({"a": 1.0, "b": 2.0})


def test_hive_style_path_is_a_path(tmp_path, capsys, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "year=2020").mkdir()
    x = np.arange(1.0, 7.0)
    pq.write_table(pa.table({"x": x, "y": 2 * x + 1}), tmp_path / "year=2020" / "p.parquet")
    for data in ("year=2020/p.parquet", "year=2020", "year=*/p.parquet"):
        assert fitted(capsys, ["fit", "a + b*x", "--data", data]) == pytest.approx({"a": 1.0, "b": 2.0})


@pytest.mark.parametrize("target", ["y z", "e", "2x", "n", "lambda", "y=1", "(y)"])
def test_a_target_column_with_an_odd_name_is_that_column(tmp_path, capsys, target):
    path = tmp_path / "odd.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["x", target]] + [[x, 2 * x + 1] for x in range(1, 7)])
    params = fitted(capsys, ["fit", "a + b*x", "--data", str(path), "--target", target])
    assert params == pytest.approx({"a": 1.0, "b": 2.0})


# ---------------------------------------------------------------------------------------------- options

DATA = "x=linspace(0,1,20); y=2*x+1"
HOSTILE_OPTIONS = [
    (["--method", "sgd", "--epochs", "-1"], "--epochs must be a whole number of at least 1"),
    (["--method", "gd", "--steps", "0"], "--steps must be"),
    (["--method", "sgd", "--batch-size", "0"], "--batch-size must be"),
    (["--chunk-size", "-3"], "--chunk-size must be"),
    (["--max-nfev", "0"], "--max-nfev must be"),
    (["--method", "sgd", "--seed", "-1"], "--seed must be a whole number of at least 0"),
    (["--method", "gd", "--hyper", "foo=1"], "--hyper foo: the optimizer gd takes no hyper-parameter 'foo'; it takes "
                                             "momentum"),
    (["--method", "gd", "--hyper", "x0=1"], "--hyper x0"),
    (["--method", "adam", "--hyper", "__class__=1"], "--hyper __class__"),
    (["--hyper", "momentum=0.9"], "--hyper momentum is for the gradient methods"),
    (["--lr", "0.1"], "--lr is for the gradient methods; lm stops by --max-nfev"),
    (["--steps", "10"], "--steps is for the gradient methods"),
    (["--method", "gd", "--lr", "nan"], "--lr must be a finite number greater than 0"),
    (["--method", "gd", "--lr", "-1"], "--lr must be"),
    (["--method", "gd", "--tol", "-1"], "--tol must be a finite number at least 0"),
    (["--ftol", "nan"], "--ftol must be"),
    (["--xtol", "inf"], "--xtol must be"),
    (["--loss", "huber", "--huber-delta", "0"], "--huber-delta must be"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
    (["--method", "nonsense"], "unknown method 'nonsense'"),
    (["--method", "gd", "--steps", "5", "--epochs", "5"], "not both"),
    (["--method", "gd", "--max-nfev", "5"], "--max-nfev is for lm and gauss-newton"),
    (["--method", "gd", "--lr", "0.1", "--hyper", "lr=0.2"], "given twice"),
    (["--target", ""], "the target is empty"),
    (["--target", "1"], "neither a data column nor a formula"),
    (["--target", "zz"], "zz, which are not data columns"),
    (["--target", "y)"], "the target 'y)' is not a data column"),
    (["--at", "a=nan"], "--at a"),
]


@pytest.mark.parametrize("extra, fragment", HOSTILE_OPTIONS, ids=[" ".join(o[0]) for o in HOSTILE_OPTIONS])
def test_hostile_options_are_refused_naming_the_option(capsys, extra, fragment):
    assert fragment in refused(capsys, ["fit", "a + b*x", "--data", DATA, *extra])


GENERATED = [
    ("x=linspace(0,1,10^10); y=x", "linspace of 10,000,000,000 points needs 74.5 GiB"),
    ("x=arange(0,2^62); y=x", "the limit is 1 GiB"),
    ("x=arange(0,1,0); y=x", "step is 0"),
    ("x=arange(5,1); y=x", "has no points"),
    ("x=arange(1e308,-1e308,-1e-300); y=x", "more points than any computer can hold"),
    ("x=normal(0,-1,10); y=x", "standard deviation must be at least 0"),
    ("x=uniform(1,0,10); y=x", "low end 1 is above its high end 0"),
    ("x=uniform(0,1,10,seed=-1); y=x", "seed is a whole number of at least 0"),
    ("x=linspace(0,1,5); y=linspace(0,1,6)", "6 rows, but the columns before it have 5"),
    ("x=linspace(0,1,10^400); y=x", "not a finite real number"),
    ("x=linspace(0,1,5); y=normal(0,1,foo=3)", "which takes (mean, sd, n, seed)"),
    ("x=linspace(0,1,5); y=log(x-2)", "non-finite value in row 1"),
    ("x=linspace(0,1,5); e=x; y=e", "constant e"),
]


@pytest.mark.parametrize("data, fragment", GENERATED)
def test_hostile_generated_data_is_refused_before_allocation(capsys, data, fragment):
    assert fragment in refused(capsys, ["fit", "a + b*x", "--data", data])


def test_unreachable_dask_scheduler_is_refused_quickly(capsys, monkeypatch):
    pytest.importorskip("distributed")
    from symgd.fit import dask_engine
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_S", 0.5)
    for address in ("tcp://127.0.0.1:1", "nonsense", "foo://x"):
        line = refused(capsys, ["fit", "a + b*x", "--data", DATA, "--engine", "dask", "--scheduler", address])
        assert "cannot reach the Dask scheduler" in line


# ---------------------------------------------------------------------------------------------- library

XY = {"x": [1.0, 2.0, 3.0], "y": [3.0, 5.0, 7.0]}
HOSTILE_LIBRARY = [
    ({"x": [], "y": []}, {}, DataError, "no rows"),
    ({"x": [1, 2, 3], "y": [1, 2]}, {}, DataError, "different lengths"),
    ({"x": ["a", "b", "c"], "y": [1, 2, 3]}, {}, DataError, "row 1: column 'x' is not a number: 'a'"),
    ({"x": ["1_000", "2", "3"], "y": [1, 2, 3]}, {}, DataError, "'1_000'"),
    ({"x": np.ones((3, 2)), "y": [1, 2, 3]}, {}, DataError, "one-dimensional"),
    ({"x": 3.0, "y": [1, 2, 3]}, {}, DataError, "single value"),
    ({"x": [1, np.nan, 3], "y": [1, 2, 3]}, {}, DataError, "row 2: column 'x' is missing or NaN"),
    ({"x": [1, np.inf, 3], "y": [1, 2, 3]}, {}, DataError, "infinite"),
    ({"x": np.array([1, 2, 3]) + 1j, "y": [1, 2, 3]}, {}, DataError, "complex"),
    ({"x": [True, False, True], "y": [1, 2, 3]}, {}, DataError, "true/false"),
    ({"x": [[1], [2, 3], [4]], "y": [1, 2, 3]}, {}, DataError, "one number per row"),
    ({"x": [1, None, 3], "y": [1, 2, 3]}, {}, DataError, "missing"),
    ({1: [1, 2, 3], "1": [1, 2, 3], "y": [1, 2, 3]}, {}, DataError, "distinct"),
    ({"x": [1, 2, 3], "e": [1, 2, 3], "y": [1, 2, 3]}, {}, DataError, "constant e"),
    ({}, {}, DataError, "no data columns"),
    ("", {}, DataError, "data is empty"),
    (42, {}, DataError, "cannot read data of type int"),
    (XY, {"target": "zz"}, VariableError, "zz, which are not data columns"),
    (XY, {"target": ""}, VariableError, "target is empty"),
    (XY, {"target": "pi"}, VariableError, "neither a data column"),
    (XY, {"foo": 1}, HyperParameterError, "foo= is for the gradient methods"),
    (XY, {"method": "gd", "foo": 1}, HyperParameterError, "foo=: the optimizer gd takes no hyper-parameter"),
    (XY, {"method": "gd", "steps": -1}, HyperParameterError, "steps= must be"),
    (XY, {"method": "gd", "steps": 2.5}, HyperParameterError, "steps= must be"),
    (XY, {"method": "gd", "steps": True}, HyperParameterError, "steps= must be"),
    (XY, {"method": "sgd", "seed": -1}, HyperParameterError, "seed= must be"),
    (XY, {"chunk_size": 0}, HyperParameterError, "chunk_size= must be"),
    (XY, {"scheduler": "tcp://x:1"}, HyperParameterError, "scheduler= needs engine='dask'"),
    (XY, {"engine": "spark"}, HyperParameterError, "unknown engine 'spark'"),
    (XY, {"method": 3}, HyperParameterError, "unknown method 3"),
    (XY, {"x0": [float("nan"), 1.0]}, VariableError, "not finite"),
    (XY, {"x0": {"a": "one"}}, VariableError, "not a number"),
]


@pytest.mark.parametrize("data, kw, error, fragment", HOSTILE_LIBRARY,
                         ids=[f"{i}-{case[3]}" for i, case in enumerate(HOSTILE_LIBRARY)])
def test_hostile_library_input_is_refused(data, kw, error, fragment):
    with pytest.raises(error) as info:
        symgd.fit("a + b*x", data, **kw)
    assert fragment in str(info.value) and len(str(info.value).splitlines()[0]) < 300


def test_dataframe_with_repeated_names_is_refused():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], columns=["x", "y", "x"])
    with pytest.raises(DataError, match="distinct"):
        symgd.fit("a + b*x", frame)


def test_dask_sources_refuse_repeated_names():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    da = pytest.importorskip("dask.array")
    frame = dd.from_pandas(pd.DataFrame([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], columns=["x", "y", "x"]), npartitions=1)
    with pytest.raises(DataError, match="distinct"):
        symgd.fit("a + b*x", frame)
    with pytest.raises(DataError, match="distinct"):
        symgd.fit("a + b*x", da.ones((4, 2), chunks=2), columns=["y", "y"])


# ---------------------------------------------------------------------------------------------- fuzz

HOSTILE_NAMES = [
    "z=__import__('os').system('touch pwned.txt')", "y'); import os; os.system('touch pwned.txt') #",
    '"', "'", "=", "(", ")", "a=b", "lambda", "import", "def", "class", "None", "True", "__class__",
    "__builtins__", "self", "numpy", "np", "math", "values", "n", "x0", "theta", "e", "E", "pi", "I", "π",
    "\ufeffy", "y\n", "y\r", "\x00", "y\u202e", "y z", " y", "ÿ", "θ", "变量", "🙂", "1", "1e5", "inf", "nan",
    "x", "y", "", " ", "#y", "y#", "\\", "{", "}", "[0]", "y" * 300,
]
NAME = st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=12),
                 st.text(st.characters(codec="utf-8"), min_size=1, max_size=6).map(lambda s: "y" + s))


class _NoNewFiles:
    """The files under a folder before and after a run, so a test can say no run wrote any."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.before = self.snapshot()

    def snapshot(self) -> set[str]:
        return {str(p.relative_to(self.folder)) for p in self.folder.rglob("*")}

    def check(self, *allowed: Path) -> None:
        extra = self.snapshot() - self.before - {str(p.relative_to(self.folder)) for p in allowed}
        assert not extra, f"files written: {sorted(extra)}"


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "Traceback" not in err and "internal error" not in err, err
    return code, out, err


@fuzz(120)
@given(target=NAME, other=NAME)
def test_fuzzed_column_names_fit_or_are_refused(tmp_path_factory, capsys, monkeypatch, target, other):
    folder = tmp_path_factory.mktemp("names")
    monkeypatch.chdir(folder)
    guard = _NoNewFiles(folder)
    path = folder / "d.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["x", target, other]] + [[x, 2 * x + 1, x % 3] for x in range(1, 7)])
    code, out, _ = _run(capsys, ["fit", "a + b*x", "--data", str(path), "--target", target, "--format", "json"])
    clean = target == target.strip() and target not in ("x", other) and "\n" not in target
    if code == 0 and clean:  # the target named the column exactly: the fit is of y = 2x + 1
        assert json.loads(out)["params"] == pytest.approx({"a": 1.0, "b": 2.0})
    try:
        res = symgd.fit("a + b*x", {"x": np.arange(1.0, 7.0), target: 2 * np.arange(1.0, 7.0) + 1}, target=target)
    except SymgdError:
        pass
    else:
        if target != "x":
            assert res.params == pytest.approx({"a": 1.0, "b": 2.0})
    guard.check(path)


CSV_PREFIXES = [b"", b"x,y\n", b"\xef\xbb\xbfx,y\n", b"x y\n", b"x,y\n1,3\n2,5\n"]


@fuzz(150)
@given(prefix=st.sampled_from(CSV_PREFIXES), body=st.binary(max_size=120), chunked=st.booleans())
def test_fuzzed_csv_bytes_fit_or_are_refused(tmp_path_factory, capsys, monkeypatch, prefix, body, chunked):
    folder = tmp_path_factory.mktemp("bytes")
    monkeypatch.chdir(folder)
    guard = _NoNewFiles(folder)
    path = folder / "d.csv"
    path.write_bytes(prefix + body)
    chunk = ["--chunk-size", "3"] if chunked else []
    _run(capsys, ["fit", "a + b*x", "--data", str(path), "--format", "json", *chunk])
    guard.check(path)


@fuzz(60)
@given(rows=st.lists(st.lists(st.sampled_from(["1", "2.5", "-3e2", " 4 ", "1_0", "0x1", "nan", "", "True", "\u0661",
                                               "+.5", "1e999", "'", '"', "inf", "١", "1,5", "--1", "2#3",
                                               "#"]),
                              min_size=2, max_size=2), min_size=1, max_size=5))
def test_fuzzed_cells_are_read_the_same_in_memory_and_streamed(tmp_path_factory, capsys, rows):
    """Both readers accept the same cells, so a file never fits one way and fails the other."""
    path = tmp_path_factory.mktemp("cells") / "d.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["x", "y"]] + rows)
    whole = _run(capsys, ["fit", "a + b*x", "--data", str(path), "--format", "json"])[0]
    streamed = _run(capsys, ["fit", "a + b*x", "--data", str(path), "--format", "json", "--chunk-size", "2"])[0]
    assert (whole == 2) == (streamed == 2)


LINES = st.lists(st.sampled_from(["1,2", "# note", "  # note # more", "", "   ", "1,2 # late", "#", "3,4#",
                                  "x" * 30, "# " + "c" * 40]), max_size=12)


@fuzz(100)
@given(lines=LINES, bom=st.booleans())
def test_streamed_lines_are_bounded_and_comments_whole(tmp_path_factory, monkeypatch, lines, bom):
    """Read in blocks far smaller than the lines: a '#' after data, or a line over the limit, is found
    wherever the blocks cut the file, exactly when a line-by-line reading finds it."""
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 40)
    path = tmp_path_factory.mktemp("lines") / "d.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode())
    expected = None
    for no, line in enumerate(lines, 1):
        if len(line.encode()) + (no < len(lines)) > 40:
            expected = expected or f"line {no}: a line longer"
        elif "#" in line and not line.lstrip().startswith("#"):
            expected = expected or f"line {no}: a '#' after data"
    try:
        with files.open_bounded(path) as fh:
            while fh.read(7):
                pass
    except DataError as exc:
        assert expected is not None and expected in str(exc), (str(exc), expected)
    else:
        assert expected is None, expected
