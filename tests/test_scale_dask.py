"""The Dask engine on a LocalCluster of 2 worker processes: the in-memory fit's answer, a lost worker
survived, bad rows located on the workers."""
from __future__ import annotations

import os
import signal

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pd = pytest.importorskip("pandas")
from symgd.errors import DataError  # noqa: E402
from symgd.fit.data import from_arrays  # noqa: E402
from symgd.fit.descent import descend  # noqa: E402
from symgd.fit.lm import levenberg_marquardt  # noqa: E402
from symgd.fit.model import build_model  # noqa: E402
from symgd.fit.outofcore import open_objective  # noqa: E402
from symgd.fit.reduce import Objective  # noqa: E402
from symgd.fit.result import summarize  # noqa: E402
from symgd.fit.sources import open_source  # noqa: E402
from symgd.optim import get_optimizer  # noqa: E402

EXPONENTIAL = "b1*(1 - exp(-b2*x))"
START = np.array([100.0, 0.1])


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(11)
    x = rng.uniform(0.2, 6.0, 4000)
    cols = {"x": x, "y": 240.0 * (1 - np.exp(-0.55 * x)) + rng.normal(0, 0.5, x.size)}
    root = tmp_path_factory.mktemp("dask")
    for i in range(3):  # three files of row groups of 600: 9 partitions
        part = slice(i * 1400, (i + 1) * 1400)
        pq.write_table(pa.table({k: v[part] for k, v in cols.items()}), root / f"part{i}.parquet",
                       row_group_size=600)
    return cols, root


def _lm_path(obj, callback=None):
    seen = []

    def record(k, theta, rss):
        seen.append(np.array(theta))
        return bool(callback and callback(k))

    outcome = levenberg_marquardt(obj, START, callback=record)
    return outcome, np.array(seen)


def _same_path(a, b):
    """Equal iterates to 1e-10. At convergence the sums' rounding (a tree of partial sums on the cluster,
    one sequence in memory) decides whether a few more steps of rounding size are accepted: any extra
    iterates must equal the final one to 1e-10."""
    k = min(len(a), len(b))
    extra = np.concatenate([a[k:], b[k:]]) if len(a) != len(b) else np.empty((0, a.shape[1]))
    return _rel(a[:k], b[:k]) < 1e-10 and all(_rel(e, b[-1]) < 1e-10 for e in extra) and len(extra) <= 3


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(b))))


@pytest.fixture(scope="module")
def in_memory(data):
    model = build_model(EXPONENTIAL, ["x", "y"])
    obj = Objective(model, from_arrays(data[0]))
    outcome, path = _lm_path(obj)
    assert outcome.converged and len(path) >= 4
    return model, outcome, path, summarize(obj, outcome, "lm", START)


def test_parquet_folder_on_the_cluster_gives_the_in_memory_fit(client, data, in_memory):
    model, outcome, path, report = in_memory
    with open_objective(model, open_source(str(data[1] / "*.parquet")), "dask", client=client) as obj:
        assert obj.n == 4000 and len(obj.parts) == 8  # row groups of 600, 600, 200 per file; 1200 rows in the last
        dask_outcome, dask_path = _lm_path(obj)
        assert _same_path(dask_path, path), (dask_path, path)
        result = summarize(obj, dask_outcome, "lm", START)
    for name in model.names:
        assert result.params[name] == pytest.approx(report.params[name], rel=1e-10)
        assert result.stderr[name] == pytest.approx(report.stderr[name], rel=1e-8)
    assert result.r2 == pytest.approx(report.r2, rel=1e-12)


def test_dask_dataframe_reductions_equal_the_in_memory_ones(client, data, in_memory):
    cols = data[0]
    model, outcome = in_memory[:2]
    local = Objective(model, from_arrays(cols))
    frame = dd.from_pandas(pd.DataFrame(cols), npartitions=4)
    with open_objective(model, open_source(frame), "dask", client=client) as obj:
        assert obj.n == 4000 and len(obj.parts) == 4
        for theta in (START, outcome.theta):
            np.testing.assert_allclose(obj.pieces(theta).jtj, local.pieces(theta).jtj, rtol=1e-10)
            np.testing.assert_allclose(obj.pieces(theta).jtr, local.pieces(theta).jtr, rtol=1e-10, atol=1e-9)
            assert obj.loss_and_grad(theta)[0] == pytest.approx(local.loss_and_grad(theta)[0], rel=1e-12)
        moments = obj.target_moments()
        assert moments.mean == pytest.approx(np.mean(cols["y"]), rel=1e-12)
        assert moments.m2 == pytest.approx(np.sum((cols["y"] - np.mean(cols["y"])) ** 2), rel=1e-12)


def test_gradient_descent_and_hessian_on_the_cluster(client, data):
    cols, root = data
    model = build_model("a + b*x + c*x^2", ["x", "y"], loss="mse")
    optimizer = get_optimizer("gd", lr=1e-3)
    local = descend(Objective(model, from_arrays(cols)), np.zeros(3), optimizer, 25)
    with open_objective(model, open_source(root), "dask", client=client) as obj:
        remote = descend(obj, np.zeros(3), optimizer, 25)
        hessian = obj.hessian(np.zeros(3))
    assert _rel(remote.history, local.history) < 1e-10 and _rel(remote.theta, local.theta) < 1e-10
    vander = np.vander(cols["x"], 3, increasing=True)
    np.testing.assert_allclose(hessian, 2 * vander.T @ vander / len(cols["x"]), rtol=1e-12)


def test_a_worker_killed_mid_fit_does_not_lose_the_fit(client, data, in_memory):
    model, outcome, path, _ = in_memory
    killed = []
    with open_objective(model, open_source(str(data[1] / "*.parquet")), "dask", client=client) as obj:
        def kill_after_second_step(k):
            if k == 2 and not killed:
                holders = client.who_has(obj.parts)
                victim = max(client.run(os.getpid), key=lambda a: sum(a in h for h in holders.values()))
                assert any(victim in h for h in holders.values())  # it holds partitions that must be re-read
                os.kill(client.run(os.getpid)[victim], signal.SIGKILL)
                killed.append(victim)
            return False

        dask_outcome, dask_path = _lm_path(obj, kill_after_second_step)
    assert killed and killed[0] not in client.scheduler_info()["workers"]
    assert dask_outcome.converged
    assert _same_path(dask_path, path), (dask_path, path)


def test_bad_rows_read_on_a_worker_are_located(client, data, tmp_path):
    cols = data[0]
    y = cols["y"].copy()
    y[1234] = np.nan
    pq.write_table(pa.table({"x": cols["x"], "y": y}), tmp_path / "bad.parquet", row_group_size=1000)
    model = build_model(EXPONENTIAL, ["x", "y"])
    with pytest.raises(DataError, match=r"bad\.parquet: row 1235: column 'y' is missing or NaN"):
        with open_objective(model, open_source(tmp_path / "bad.parquet"), "dask", client=client):
            pass


def test_hostile_column_and_target_names_on_the_cluster(client, tmp_path):
    """A header's names never reach the code the workers run: the target is a code-execution string and
    the column a Python keyword; the cluster's fit equals the in-memory one and the canary stays absent."""
    canary = tmp_path / "CANARY"
    target = f"z=__import__('os').system('touch {canary}')"
    x = np.linspace(0.2, 6.0, 400)
    cols = {"lambda": x, target: 240.0 * (1 - np.exp(-0.55 * x))}
    model = build_model("b1*(1 - exp(-b2*lambda))", list(cols), target=target)
    local = Objective(model, from_arrays(cols))
    frame = dd.from_pandas(pd.DataFrame(cols), npartitions=3)
    with open_objective(model, open_source(frame), "dask", client=client) as obj:
        for theta in (START, np.array([240.0, 0.55])):
            assert obj.loss_and_grad(theta)[0] == pytest.approx(local.loss_and_grad(theta)[0], rel=1e-12)
            np.testing.assert_allclose(obj.loss_and_grad(theta)[1], local.loss_and_grad(theta)[1], rtol=1e-10)
        assert obj.loss_and_grad(np.array([240.0, 0.55]))[0] == pytest.approx(0.0, abs=1e-18)
    assert not canary.exists()
