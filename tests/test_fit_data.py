"""Data sources for fits: dicts, CSV files (header or named columns), generated formulas; located errors."""
import numpy as np
import pytest

from symgd.errors import DataError
from symgd.fit.data import as_source, from_arrays, generate, read_csv


def test_csv_with_header_and_named_columns(tmp_path):
    with_header = tmp_path / "a.csv"
    with_header.write_text("x,y\n1,2\n3,4.5\n# a comment\n5,6e1\n")
    cols = read_csv(with_header)
    np.testing.assert_array_equal(cols["x"], [1, 3, 5])
    np.testing.assert_array_equal(cols["y"], [2, 4.5, 60])
    bare = tmp_path / "b.txt"
    bare.write_text("1 2\n3 4\n")
    cols = read_csv(bare, columns=["u", "v"])
    np.testing.assert_array_equal(cols["v"], [2, 4])


@pytest.mark.parametrize("text, match", [
    ("x,y\n1,2\n3\n", r"line 3: 1 fields, expected 2"),
    ("x,y\n1,2\n3,abc\n", r"line 3: not a number"),
    ("x,y\n1,nan\n", r"line 2: a non-finite value"),
    ("x,x\n1,2\n", "distinct"),
])
def test_bad_csv_rows_are_located(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=match) as info:
        read_csv(path)
    assert "bad.csv" in str(info.value)


def test_missing_file():
    with pytest.raises(DataError, match="cannot read"):
        as_source("/no/such/file.csv")


def test_generated_columns_match_numpy():
    cols = generate("x = linspace(-pi, pi, 2000); y = sin(x)")
    np.testing.assert_array_equal(cols["x"], np.linspace(-np.pi, np.pi, 2000))
    np.testing.assert_allclose(cols["y"], np.sin(cols["x"]), rtol=0, atol=1e-15)
    cols = generate("t = arange(0, 1, 0.25)\nnoise = normal(0, 2, seed=7)\nz = t^2 + noise")
    np.testing.assert_array_equal(cols["t"], np.arange(0, 1, 0.25))
    np.testing.assert_array_equal(cols["noise"], np.random.default_rng(7).normal(0, 2, 4))
    np.testing.assert_allclose(cols["z"], cols["t"] ** 2 + cols["noise"])
    u = generate("u = uniform(-1, 1, n=5, seed=3)")["u"]
    np.testing.assert_array_equal(u, np.random.default_rng(3).uniform(-1, 1, 5))


@pytest.mark.parametrize("text, match", [
    ("x = linspace(0, 1, 10); y = z + 1", "z not defined"),
    ("x + 1", "NAME = VALUE"),
    ("x = linspace(0, 1, 2.5)", "whole, positive"),
    ("x = linspace(0, 1, q)", "not a number"),
    ("x = linspace(0, 1, 3); y = log(x - 2)", "non-finite"),
])
def test_bad_generated_data(text, match):
    with pytest.raises(DataError, match=match):
        generate(text)


def test_arrays_are_checked_and_chunked():
    with pytest.raises(DataError, match="different lengths"):
        from_arrays({"x": [1, 2], "y": [1]})
    with pytest.raises(DataError, match="one-dimensional"):
        from_arrays({"x": [[1, 2]]})
    src = from_arrays({"x": np.arange(10.0), "y": np.arange(10.0)}, chunk_size=4)
    sizes = [len(c["x"]) for c in src.chunks(["x"])]
    assert sizes == [4, 4, 2] and src.n == 10


def test_dataframe_source():
    pd = pytest.importorskip("pandas")
    src = as_source(pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}))
    assert src.names == ("x", "y") and src.n == 2
