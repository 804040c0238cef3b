"""Streaming data sources: chunks reassemble the written data; bad rows fail with file and row named."""
from __future__ import annotations

import numpy as np
import pytest

from symgd.errors import DataError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")
from symgd.fit.dask_source import DaskSource  # noqa: E402
from symgd.fit.sources import FileSource, open_files, open_source  # noqa: E402


@pytest.fixture
def cols():
    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 2, 1037)
    return {"x": x, "y": 1.5 - x + 0.25 * x ** 3 + rng.normal(0, 0.1, x.size)}


def _write_parquet(path, cols, row_group_size=250):
    pq.write_table(pa.table(cols), path, row_group_size=row_group_size)


def _gathered(source, names=("x", "y")):
    chunks = list(source.chunks(names))
    return chunks, {k: np.concatenate([c[k] for c in chunks]) for k in names}


def test_parquet_chunks_reassemble_and_respect_chunk_size(tmp_path, cols):
    _write_parquet(tmp_path / "d.parquet", cols)
    source = open_source(tmp_path / "d.parquet", chunk_size=100)
    assert isinstance(source, FileSource) and not source.in_memory
    assert source.n == source.n_rows == 1037 and source.columns == ("x", "y")
    chunks, whole = _gathered(source)
    assert max(len(c["x"]) for c in chunks) <= 100
    assert all(c["x"].dtype == np.float64 for c in chunks)
    np.testing.assert_array_equal(whole["x"], cols["x"])
    np.testing.assert_array_equal(whole["y"], cols["y"])
    parts = source.parts()
    assert len(parts) == 5  # row groups of 250
    np.testing.assert_array_equal(source.read_part(parts[2], ["y"])["y"], cols["y"][500:750])


def test_csv_chunks_folder_and_glob_in_file_order(tmp_path, cols):
    frame = pd.DataFrame(cols)
    frame.iloc[:400].to_csv(tmp_path / "a.csv", index=False)
    frame.iloc[400:].to_csv(tmp_path / "b.csv", index=False)
    for spec in (tmp_path, str(tmp_path / "*.csv")):
        source = open_source(spec, chunk_size=128)
        assert source.n_rows is None  # unknown until counted
        chunks, whole = _gathered(source)
        assert max(len(c["x"]) for c in chunks) <= 128
        np.testing.assert_allclose(whole["x"], cols["x"], rtol=1e-15)
        np.testing.assert_allclose(whole["y"], cols["y"], rtol=1e-15)
        assert source.n == 1037


def test_small_csv_and_formulas_stay_with_the_in_memory_reader(tmp_path, cols):
    pd.DataFrame(cols).to_csv(tmp_path / "a.csv", index=False)
    assert open_source(tmp_path / "a.csv") is None
    assert open_source("x=linspace(0,1,5); y=x") is None
    assert open_source({"x": [1.0], "y": [2.0]}) is None
    assert isinstance(open_source(tmp_path / "a.csv", chunk_size=10), FileSource)


def test_headerless_csv_with_named_columns(tmp_path):
    (tmp_path / "h.csv").write_text("1,2\n3,4\n5,6\n")
    source = open_files(tmp_path / "h.csv", columns=["x", "y"], chunk_size=2)
    _, whole = _gathered(source)
    assert whole["x"].tolist() == [1.0, 3.0, 5.0] and whole["y"].tolist() == [2.0, 4.0, 6.0]


@pytest.mark.parametrize("text, row, line, what", [
    ("x,y\n1,2\n3,4\n5,abc\n7,8\n", 3, 4, "'abc'"),
    ("x,y\n1,2\n\n# note\n3,4,5\n", 2, 5, "3 fields"),
    ("x,y\n1,2\n3,\n", 2, 3, "''"),
    ("x,y\n1,2\n3,4\n5,6\n7,nan\n", 4, 5, "'nan'"),
    ("x y\n1 2\n3   inf\n", 2, 3, "'inf'"),
])
def test_bad_csv_rows_are_located(tmp_path, text, row, line, what):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        list(open_source(path, chunk_size=2).chunks())
    message = str(info.value)
    assert str(path) in message and f"row {row} (line {line})" in message and what in message


def test_bad_parquet_values_are_located(tmp_path, cols):
    y = cols["y"].copy()
    y[613] = np.nan
    _write_parquet(tmp_path / "good.parquet", cols)
    _write_parquet(tmp_path / "nan.parquet", {"x": cols["x"], "y": y})
    source = open_source(tmp_path / "*.parquet", chunk_size=100)  # good.parquet is read second
    with pytest.raises(DataError, match=r"nan\.parquet: row 614: column 'y' is missing or NaN"):
        list(source.chunks())
    pq.write_table(pa.table({"x": [1.0, 2.0, 3.0], "y": ["1", "2", "z"]}), tmp_path / "s.parquet")
    with pytest.raises(DataError, match=r"s\.parquet: row 3: column 'y' is not a number: 'z'"):
        list(open_source(tmp_path / "s.parquet").chunks())
    pq.write_table(pa.table({"x": pa.array([1.0, None]), "y": [1.0, 2.0]}), tmp_path / "null.parquet")
    with pytest.raises(DataError, match=r"null\.parquet: row 2: column 'x' is missing"):
        list(open_source(tmp_path / "null.parquet").chunks())


def test_missing_files_and_columns(tmp_path, cols):
    with pytest.raises(DataError, match="no data files match"):
        open_source(str(tmp_path / "*.parquet"))
    _write_parquet(tmp_path / "a.parquet", cols)
    _write_parquet(tmp_path / "b.parquet", {"x": cols["x"]})
    with pytest.raises(DataError, match="lacks column"):
        open_source(tmp_path)
    with pytest.raises(DataError, match="missing data column"):
        list(open_files(tmp_path / "a.parquet").chunks(["z"]))


def test_dask_dataframe_array_and_dict_sources(cols):
    dd = pytest.importorskip("dask.dataframe")
    da = pytest.importorskip("dask.array")
    frame = dd.from_pandas(pd.DataFrame(cols), npartitions=3)
    stacked = da.stack([da.from_array(cols["x"], chunks=300), da.from_array(cols["y"], chunks=300)], axis=1)
    split = {"x": da.from_array(cols["x"], chunks=300), "y": da.from_array(cols["y"], chunks=211)}
    for data, columns in ((frame, None), (stacked, ["x", "y"]), (split, None)):
        source = open_source(data, columns=columns, chunk_size=200)
        assert isinstance(source, DaskSource)
        chunks, whole = _gathered(source)
        assert max(len(c["x"]) for c in chunks) <= 200
        np.testing.assert_array_equal(whole["x"], cols["x"])
        np.testing.assert_array_equal(whole["y"], cols["y"])
        assert source.n == 1037
    with pytest.raises(DataError, match="column names"):
        open_source(stacked)
    bad = dict(cols, y=np.where(np.arange(1037) == 700, np.inf, cols["y"]))
    with pytest.raises(DataError, match=r"Dask partition 2: row 101: column 'y' is infinite"):
        list(open_source({k: da.from_array(v, chunks=300) for k, v in bad.items()}).chunks())
