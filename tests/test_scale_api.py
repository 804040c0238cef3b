"""The same `symgd.fit` call and `symgd fit` command on a Parquet glob, in memory, out of core and on Dask."""
import json

import numpy as np
import pytest

import symgd
from symgd.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

MODEL = "a + b*x + c*x^2 + d*x^3"


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """Four Parquet files of a noisy cubic, and the same data as arrays."""
    folder = tmp_path_factory.mktemp("parts")
    rng = np.random.default_rng(7)
    x = np.linspace(-np.pi, np.pi, 4000)
    y = np.sin(x) + rng.normal(0, 0.01, x.size)
    for k, rows in enumerate(np.array_split(np.arange(x.size), 4)):
        pq.write_table(pa.table({"x": x[rows], "y": y[rows]}), folder / f"part{k}.parquet")
    return folder, {"x": x, "y": y}


def test_parquet_glob_out_of_core_equals_in_memory_and_lstsq(parts):
    folder, arrays = parts
    in_memory = symgd.fit(MODEL, arrays)
    streamed = symgd.fit(MODEL, str(folder / "*.parquet"), chunk_size=700)
    x, y = arrays["x"], arrays["y"]
    exact = np.linalg.lstsq(np.vander(x, 4, increasing=True), y, rcond=None)[0]
    for name, value in zip("abcd", exact):
        assert streamed.params[name] == pytest.approx(in_memory.params[name], rel=1e-10, abs=1e-13)
        assert streamed.params[name] == pytest.approx(value, rel=1e-8, abs=1e-11)
    assert streamed.rss == pytest.approx(in_memory.rss, rel=1e-10)


def test_cli_fit_on_dask_equals_in_memory(parts, capsys):
    pytest.importorskip("distributed")
    folder, arrays = parts
    in_memory = symgd.fit(MODEL, arrays)
    code = main(["fit", MODEL, "--data", str(folder / "*.parquet"), "--engine", "dask", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    for name in "abcd":
        assert out["params"][name] == pytest.approx(in_memory.params[name], rel=1e-8, abs=1e-11)
