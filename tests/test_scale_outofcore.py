"""Out-of-core fits: chunked CSV / Parquet give the in-memory fit's iterates; memory follows the chunk size."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")
from symgd.fit.api import fit  # noqa: E402
from symgd.fit.data import from_arrays  # noqa: E402
from symgd.fit.minibatch import minibatch_descent  # noqa: E402
from symgd.fit.model import build_model  # noqa: E402
from symgd.fit.outofcore import open_objective, streaming_minibatch  # noqa: E402
from symgd.fit.reduce import Objective  # noqa: E402
from symgd.fit.sources import open_source  # noqa: E402
from symgd.optim import get_optimizer  # noqa: E402

CUBIC = "a + b*x + c*x^2 + d*x^3"
EXPONENTIAL = "b1*(1 - exp(-b2*x))"


def _rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The same 3,000 noisy rows as a dict, a Parquet file (row groups of 700) and two CSV files."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 4.0, 3000)
    y = 2.0 + 0.5 * x - 0.3 * x ** 2 + 0.04 * x ** 3 + rng.normal(0, 0.01, x.size)
    ye = 240.0 * (1 - np.exp(-0.55 * x)) + rng.normal(0, 0.5, x.size)
    cols = {"x": x, "y": y, "ye": ye}
    root = tmp_path_factory.mktemp("scale")
    pq.write_table(pa.table(cols), root / "d.parquet", row_group_size=700)
    csv_dir = root / "csv"
    csv_dir.mkdir()
    frame = pd.DataFrame(cols)
    # the CSV text holds 17 significant digits, so it reads back the same doubles
    frame.iloc[:1700].to_csv(csv_dir / "p1.csv", index=False, float_format="%.17g")
    frame.iloc[1700:].to_csv(csv_dir / "p2.csv", index=False, float_format="%.17g")
    return cols, root / "d.parquet", csv_dir


def _sources(files, chunk):
    cols, parquet, csv_dir = files
    return {"parquet": open_source(parquet, chunk_size=chunk), "csv": open_source(str(csv_dir / "*.csv"),
                                                                                    chunk_size=chunk)}


def test_linear_model_least_squares_equal_the_in_memory_fit_and_numpy(files):
    cols = files[0]
    memory = fit(CUBIC, cols)
    vander = np.vander(cols["x"], 4, increasing=True)
    oracle = np.linalg.lstsq(vander, cols["y"], rcond=None)[0]
    assert _rel(memory.x, oracle) < 1e-9
    for name, source in _sources(files, 256).items():
        for method in ("lm", "gauss-newton", "linear"):
            chunked = fit(CUBIC, source, method=method)
            assert _rel(chunked.x, memory.x if method == "lm" else fit(CUBIC, cols, method=method).x) < 1e-10, \
                (name, method)
            assert chunked.n == 3000 and chunked.rss == pytest.approx(memory.rss, rel=1e-10)
        assert chunked.stderr["d"] == pytest.approx(memory.stderr["d"], rel=1e-8)


def test_nonlinear_lm_iterates_equal_the_in_memory_fit(files):
    cols = files[0]
    starts = {"b1": 100.0, "b2": 0.1}

    def run(data):
        seen = []
        res = fit(EXPONENTIAL, data, target="ye", x0=starts, method="lm",
                  callback=lambda k, theta, rss: seen.append(np.array(theta)) and False)
        return res, np.array(seen)

    memory, path = run(cols)
    assert memory.converged and len(path) >= 4
    scipy_opt = pytest.importorskip("scipy.optimize")
    oracle = scipy_opt.least_squares(lambda t: t[0] * (1 - np.exp(-t[1] * cols["x"])) - cols["ye"],
                                     [100.0, 0.1], xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    assert _rel(memory.x, oracle) < 1e-8
    for source in _sources(files, 300).values():
        chunked, chunked_path = run(source)
        assert chunked_path.shape == path.shape
        assert _rel(chunked_path, path) < 1e-10
        assert _rel(chunked.x, memory.x) < 1e-10


@pytest.mark.parametrize("method, kw", [("gd", dict(lr=2e-5, steps=30)), ("adam", dict(lr=0.05, steps=30)),
                                        ("newton", dict(steps=4))])
def test_full_batch_optimizers_equal_the_in_memory_fit(files, method, kw):
    cols = files[0]
    memory = fit(CUBIC, cols, method=method, tol=0.0, x0=[1, 0, 0, 0], **kw)
    for source in _sources(files, 512).values():
        chunked = fit(CUBIC, source, method=method, tol=0.0, x0=[1, 0, 0, 0], **kw)
        assert _rel(chunked.history, memory.history) < 1e-10
        assert _rel(chunked.x, memory.x) < 1e-10


def test_out_of_core_memory_is_bounded_by_the_chunk_size(tmp_path):
    n, chunk = 300_000, 10_000
    x = np.linspace(-np.pi, np.pi, n)
    pq.write_table(pa.table({"x": x, "y": np.sin(x)}), tmp_path / "big.parquet", row_group_size=50_000)
    model = build_model(CUBIC, ["x", "y"])

    def peak(source):
        with open_objective(model, source) as obj:
            obj.pieces(np.zeros(4))  # compile outside the measurement
            tracemalloc.start()
            obj.pieces(np.ones(4))
            obj.loss_and_grad(np.ones(4))
            used = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        return used

    streamed = peak(open_source(tmp_path / "big.parquet", chunk_size=chunk))
    in_memory = peak(from_arrays({"x": x, "y": np.sin(x)}))
    # float64 per chunk row: the columns, hoisted features and residuals (8), and p = 4 columns each for the
    # feature matrix, the Jacobian, the QR factor Q and LAPACK's work copies (6p)
    bound = 8 * chunk * (8 + 6 * 4)
    assert streamed < bound
    assert in_memory > 5 * bound  # the same measurement sees the whole data when it is in memory


def test_streaming_sgd_on_one_chunk_is_the_in_memory_sgd(files, tmp_path):
    cols = files[0]
    pq.write_table(pa.table(cols), tmp_path / "one.parquet")
    model = build_model(CUBIC, ["x", "y", "ye"], loss="mse")
    opt = get_optimizer("adam", lr=0.01)
    memory = minibatch_descent(Objective(model, from_arrays(cols)), np.zeros(4), opt, 3, 64, seed=5)
    streamed = streaming_minibatch(Objective(model, open_source(tmp_path / "one.parquet")), np.zeros(4), opt, 3,
                                   64, seed=5)
    np.testing.assert_array_equal(streamed.theta, memory.theta)
    np.testing.assert_array_equal(streamed.history, memory.history)


def test_streaming_sgd_over_many_chunks_is_seeded_and_converges(files):
    cols = files[0]
    model = build_model(CUBIC, ["x", "y", "ye"], loss="mse")
    opt = get_optimizer("adam", lr=0.05)

    def run(seed):
        obj = Objective(model, open_source(files[1], chunk_size=250))
        return streaming_minibatch(obj, np.zeros(4), opt, 8, 100, seed=seed)

    first, again, other = run(1), run(1), run(2)
    np.testing.assert_array_equal(first.theta, again.theta)
    assert not np.array_equal(first.theta, other.theta)
    oracle = np.linalg.lstsq(np.vander(cols["x"], 4, increasing=True), cols["y"], rcond=None)[0]
    best = float(np.mean((np.vander(cols["x"], 4, increasing=True) @ oracle - cols["y"]) ** 2))
    assert first.history[-1] < first.history[0] / 100
    assert first.history[-1] < best + 1e-3
