"""The GradBench tool (benchmarks/gradbench/run.py) driven over its protocol: JSON lines in, JSON lines out.

Answers are checked against independent oracles (numpy/scipy closed forms, torch autograd), never
against symgd's own output. One real ``run-eval`` (the offline harness validating against the C++
golden implementation) runs where ../shared/gradbench and a Python with pydantic exist.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "benchmarks" / "gradbench" / "run.py"
HARNESS = ROOT.parent / "shared" / "gradbench"


def session(messages: list[dict], *args: str) -> list[dict]:
    """Send ``messages`` (ids added) to one tool process; its responses, one per message."""
    lines = "".join(json.dumps({"id": k, **m}) + "\n" for k, m in enumerate(messages))
    done = subprocess.run([sys.executable, str(TOOL), *args], input=lines, capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in out] == list(range(len(messages)))
    return out


def runs(**data) -> dict:
    return {"min_runs": 2, "min_seconds": 0.0, **data}


def evaluate(module: str, function: str, data) -> dict:
    return {"kind": "evaluate", "module": module, "function": function, "input": data}


def test_hello_and_protocol_answers():
    out = session([{"kind": "start", "eval": "hello"}, {"kind": "define", "module": "hello"},
                   evaluate("hello", "square", 3.5), evaluate("hello", "double", -1.25),
                   {"kind": "analysis", "of": 2, "valid": True}, {"kind": "define", "module": "ba"},
                   evaluate("hello", "cube", 2.0)])
    assert out[0]["tool"] == "symgd"
    assert out[1]["success"] is True
    assert out[2]["output"] == pytest.approx(3.5 ** 2) and out[3]["output"] == pytest.approx(2 * -1.25)
    assert [t["name"] for t in out[2]["timings"]] == ["evaluate"]
    assert out[4] == {"id": 4}
    assert out[5]["success"] is False and "ba" in out[5]["error"]
    assert out[6]["success"] is False


def test_numba_start_up_is_reported_once_apart_from_each_prepare():
    """numba's import and first JIT are a timing of their own, in the first define that compiles to
    numba; a NumPy eval has none, and a later numba eval in the same process only its prepare."""
    out = session([{"kind": "define", "module": "lse"}, {"kind": "define", "module": "det"},
                   {"kind": "define", "module": "kmeans"}])
    names = [[t["name"] for t in r["timings"]] for r in out]
    assert all(r["success"] for r in out) and names == [["prepare"], ["start-up", "prepare"], ["prepare"]]
    assert all(t["nanoseconds"] > 0 for r in out for t in r["timings"])


def _scipy_lse(x):
    from scipy.special import logsumexp, softmax
    return logsumexp(x), softmax(x)


@pytest.mark.parametrize("scale", [1.0, 800.0])  # 800: exp overflows unless the maximum is shifted out
def test_lse_against_scipy(scale):
    x = np.random.default_rng(1).standard_normal(37) * scale
    out = session([{"kind": "define", "module": "lse"}, evaluate("lse", "primal", runs(x=x.tolist())),
                   evaluate("lse", "gradient", runs(x=x.tolist()))])
    value, grad = _scipy_lse(x)
    assert out[0]["success"] is True
    assert out[1]["output"] == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(out[2]["output"], grad, rtol=1e-10, atol=1e-300)
    evaluates = [t for t in out[1]["timings"] if t["name"] == "evaluate"]
    assert len(evaluates) >= 2 and all(t["nanoseconds"] > 0 for t in evaluates)


def _llsq_oracle(x: np.ndarray, n: int):
    """½‖s − Vx‖² and −Vᵀ(s − Vx) with V the Vandermonde matrix of t (README of the eval)."""
    t = -1 + 2 * np.arange(n) / (n - 1)
    r = np.sign(t) - np.vander(t, len(x), increasing=True) @ x
    return 0.5 * r @ r, -np.vander(t, len(x), increasing=True).T @ r


@pytest.mark.parametrize("m,n", [(1, 5), (4, 9), (13, 40)])
def test_llsq_against_numpy(m, n):
    x = np.random.default_rng(m).standard_normal(m)
    out = session([{"kind": "define", "module": "llsq"}, evaluate("llsq", "primal", runs(x=x.tolist(), n=n)),
                   evaluate("llsq", "gradient", runs(x=x.tolist(), n=n))])
    value, grad = _llsq_oracle(x, n)
    assert out[1]["output"] == pytest.approx(value, rel=1e-11)
    np.testing.assert_allclose(out[2]["output"], grad, rtol=1e-10, atol=1e-12)
    # the shape was compiled for the primal: its prepare time is reported there, apart from evaluate
    assert [t["name"] for t in out[1]["timings"]].count("prepare") == 1
    assert "prepare" not in [t["name"] for t in out[2]["timings"]]


def test_llsq_gradient_against_torch_autograd():
    torch = pytest.importorskip("torch")
    m, n = 6, 21
    x = np.random.default_rng(7).standard_normal(m)
    xt = torch.tensor(x, requires_grad=True)
    t = -1 + 2 * torch.arange(n, dtype=torch.float64) / (n - 1)
    ((torch.sign(t) - sum(xt[j] * t ** j for j in range(m))) ** 2).sum().div(2).backward()
    out = session([{"kind": "define", "module": "llsq"}, evaluate("llsq", "gradient", runs(x=x.tolist(), n=n))])
    np.testing.assert_allclose(out[1]["output"], xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("data", [{"min_runs": 1, "min_seconds": 0}, runs(x="abc"), runs(x=[[1.0], 2.0]),
                                  runs(x=[1.0, 2.0], n=-3), runs(x=[], n=4), runs(x=[1.0], n=2.5), None])
def test_bad_inputs_fail_the_message_not_the_tool(data):
    out = session([{"kind": "define", "module": "lse"}, {"kind": "define", "module": "llsq"},
                   evaluate("lse", "primal", data), evaluate("llsq", "primal", data),
                   evaluate("lse", "primal", runs(x=[0.0, 0.0]))])
    lse_ok = isinstance(data, dict) and data.get("x") in ([1.0, 2.0], [1.0])  # lse reads x only
    assert out[2]["success"] is lse_ok and out[3]["success"] is False
    assert "error" in out[3]
    assert out[4]["output"] == pytest.approx(np.log(2.0))


def _eval_python() -> str | None:
    """A Python that can run the evals (numpy + pydantic): $GRADBENCH_EVAL_PYTHON or the one
    benchmarks/gradbench.sh makes; None when neither exists."""
    for python in (os.environ.get("GRADBENCH_EVAL_PYTHON"),
                   str(Path.home() / ".cache" / "symgd-gradbench" / "venv" / "bin" / "python")):
        if python and Path(python).is_file() and subprocess.run(
                [python, "-c", "import numpy, pydantic"], capture_output=True).returncode == 0:
            return python
    return None


@pytest.mark.skipif(not (HARNESS / "run-eval").is_file(), reason="../shared/gradbench is absent")
@pytest.mark.parametrize("name,args", [("lse", "-n 2500"), ("llsq", "-n 16 64 -m 8"), ("ode", "-n 40 300 -s 1 7")])
def test_run_eval_validates_every_message(name, args, tmp_path):
    python = _eval_python()
    if python is None:
        pytest.skip("no Python with numpy and pydantic for the evals (run benchmarks/gradbench.sh once)")
    done = subprocess.run([str(HARNESS / "run-eval"), name, "--python", python, "--workdir", str(tmp_path),
                           "--color", "never", "--eval-args", f"{args} --min-runs 1 --min-seconds 0",
                           "-o", str(tmp_path / "log.jsonl"), "--", sys.executable, str(TOOL)],
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    analyses = [json.loads(line)["message"] for line in (tmp_path / "log.jsonl").read_text().splitlines()
                if '"analysis"' in line and '"message"' in line]
    assert analyses and all(a["valid"] for a in analyses)


def _gmm_torch(d, k, n, x, m, gamma, alpha, mu, q, l):
    """The gmm eval's log posterior (README "Implementation") written independently in torch."""
    torch = pytest.importorskip("torch")
    Q = torch.zeros(k, d, d, dtype=torch.float64)
    rows, cols = zip(*[(r, c) for c in range(d) for r in range(c + 1, d)]) if d > 1 else ((), ())
    Q[:, list(rows), list(cols)] = l
    Q = Q + torch.diag_embed(torch.exp(q))
    beta = alpha + q.sum(1) - 0.5 * (torch.einsum("kab,ikb->ika", Q, x[:, None, :] - mu[None]) ** 2).sum(-1)
    data = -n * (0.5 * d * np.log(2 * np.pi) + torch.logsumexp(alpha, 0)) + torch.logsumexp(beta, 1).sum()
    nn = d + m + 1
    frob = (Q ** 2).sum((1, 2))
    prior = k * (nn * d * np.log(gamma / np.sqrt(2)) - torch.special.multigammaln(torch.tensor(0.5 * nn, dtype=torch.float64), d)) \
        - 0.5 * gamma ** 2 * frob.sum() + m * q.sum()
    return data + prior


@pytest.mark.parametrize("d,k,n,m,gamma", [(2, 3, 7, 0, 1.0), (4, 2, 5, 2, 0.7)])
def test_gmm_against_torch_autograd(d, k, n, m, gamma):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(d * 10 + k)
    data = {"d": d, "k": k, "n": n, "m": m, "gamma": gamma, "alpha": rng.normal(size=k),
            "mu": rng.normal(size=(k, d)), "q": 0.3 * rng.normal(size=(k, d)),
            "l": rng.normal(size=(k, d * (d - 1) // 2)), "x": rng.normal(size=(n, d))}
    active = {key: torch.tensor(data[key], requires_grad=True) for key in ("alpha", "mu", "q", "l")}
    want = _gmm_torch(d, k, n, torch.tensor(data["x"]), m, gamma, **active)
    want.backward()
    payload = runs(**{key: v.tolist() if isinstance(v, np.ndarray) else v for key, v in data.items()})
    out = session([{"kind": "define", "module": "gmm"}, evaluate("gmm", "objective", payload),
                   evaluate("gmm", "jacobian", payload)])
    assert out[1]["output"] == pytest.approx(want.item(), rel=1e-11)
    assert set(out[2]["output"]) == {"alpha", "mu", "q", "l"}
    for key, tensor in active.items():
        np.testing.assert_allclose(np.array(out[2]["output"][key]).reshape(tensor.shape), tensor.grad.numpy(),
                                   rtol=1e-9, atol=1e-11)


def test_kmeans_against_numpy():
    rng = np.random.default_rng(3)
    points, centroids = rng.random((60, 3)), rng.random((4, 3))
    data = runs(points=points.tolist(), centroids=centroids.tolist())
    out = session([{"kind": "define", "module": "kmeans"}, evaluate("kmeans", "cost", data),
                   evaluate("kmeans", "dir", data),
                   evaluate("kmeans", "cost", runs(points=[[1.0, 2.0]], centroids=[[1.0]]))])
    dist = ((points[:, None, :] - centroids[None]) ** 2).sum(-1)
    assert out[1]["output"] == pytest.approx(dist.min(1).sum(), rel=1e-12)
    # J_j = 2 Σ_{i in cluster j} (C_j − P_i), diag(H)_j = 2·|cluster j|, so dir_j = C_j − mean of the cluster
    owner = dist.argmin(1)
    assert set(owner) == set(range(4))
    want = np.array([centroids[j] - points[owner == j].mean(0) for j in range(4)])
    np.testing.assert_allclose(out[2]["output"], want, rtol=1e-10, atol=1e-12)
    assert out[3]["success"] is False  # d differs between points and centroids


def test_gmm_bad_shapes_fail_the_message():
    good = {"d": 2, "k": 1, "n": 1, "m": 0, "gamma": 1.0, "alpha": [0.0], "mu": [[0.0, 0.0]], "q": [[0.0, 0.0]],
            "l": [[0.0]], "x": [[1.0, 2.0]]}
    bad = [{**good, "l": [[0.0, 1.0]]}, {**good, "x": [[1.0]]}, {**good, "gamma": -1.0}, {**good, "d": "two"}]
    out = session([{"kind": "define", "module": "gmm"}, *(evaluate("gmm", "objective", runs(**b)) for b in bad),
                   evaluate("gmm", "objective", runs(**good))])
    assert [r["success"] for r in out[1:]] == [False] * len(bad) + [True]


def test_saddle_point_and_its_outer_gradient():
    out = session([{"kind": "define", "module": "saddle"},
                   *(evaluate("saddle", f, runs(start=[1.0, -0.5])) for f in ("ff", "fr", "rf", "rr"))])
    for r in out[1:]:  # the saddle of p1·p1 − p2·p2 is the origin (the eval's tolerance is 1e-4)
        assert len(r["output"]) == 4 and max(abs(v) for v in r["output"]) < 1e-4
    sys.path.insert(0, str(TOOL.parent))
    try:
        import evals_saddle
        import symgd
    finally:
        sys.path.remove(str(TOOL.parent))
    c = symgd.compile(evals_saddle.SADDLE, backend="python")
    # Danskin: at the inner argmax p2 ≈ 0 the outer gradient is ∂/∂p1 (p1·p1) = 2·p1
    p1 = (0.3, -0.7)
    p2 = evals_saddle.argmin(lambda p: -c.value(*p1, *p), lambda p: tuple(-g for g in c.grad(*p1, *p)[2:]), (1.0, 1.0))
    assert max(abs(v) for v in p2) < 1e-4
    assert c.grad(*p1, *p2)[:2] == pytest.approx((0.6, -1.4), abs=1e-12)


@pytest.mark.parametrize("ell", [1, 3, 6])
def test_det_against_numpy(ell):
    A = np.random.default_rng(ell).normal(size=(ell, ell))
    data = runs(A=A.reshape(-1).tolist(), ell=ell)
    out = session([{"kind": "define", "module": "det"}, evaluate("det", "primal", data),
                   evaluate("det", "gradient", data), evaluate("det", "primal", runs(A=[1.0, 2.0], ell=2))])
    assert out[1]["output"] == pytest.approx(np.linalg.det(A), rel=1e-12)
    np.testing.assert_allclose(out[2]["output"], (np.linalg.det(A) * np.linalg.inv(A).T).reshape(-1),
                               rtol=1e-10, atol=1e-12)
    assert out[3]["success"] is False


def test_torch_backend_on_cpu():
    pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal(9)
    out = session([{"kind": "define", "module": "lse"}, evaluate("lse", "gradient", runs(x=x.tolist())),
                   {"kind": "define", "module": "llsq"}, evaluate("llsq", "gradient", runs(x=x[:3].tolist(), n=6)),
                   {"kind": "define", "module": "gmm"}], "--backend", "torch")
    np.testing.assert_allclose(out[1]["output"], _scipy_lse(x)[1], rtol=1e-10)
    np.testing.assert_allclose(out[3]["output"], _llsq_oracle(x[:3], 6)[1], rtol=1e-10, atol=1e-12)
    assert out[4]["success"] is False and "numba" in out[4]["error"]


def _ode_rk4(x, s: int):
    """cpp/gradbench/evals/ode.hpp's primal, line by line: f_0 = x_0, f_i = x_i·y_{i-1}; s RK4 steps
    to t = 2; on NumPy arrays or torch tensors alike."""
    if isinstance(x, np.ndarray):
        concat = np.concatenate
    else:
        import torch
        concat = torch.cat
    h, y = 2.0 / s, x * 0

    def f(y):
        return concat([x[:1], x[1:] * y[:-1]])
    for _ in range(s):
        k1 = f(y)
        k2 = f(y + h * k1 / 2)
        k3 = f(y + h * k2 / 2)
        k4 = f(y + h * k3)
        y = y + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    return y


def _ode_torch_gradient(x: np.ndarray, s: int) -> np.ndarray:
    """The same RK4 in torch; autograd's gradient of the last component with respect to x."""
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x, requires_grad=True)
    _ode_rk4(xt, s)[-1].backward()
    return xt.grad.numpy()


def test_ode_against_numpy_and_torch():
    # one tool process for every size (each process compiles the field's loops again at define)
    sizes = [(1, 1), (2, 3), (12, 1), (30, 10)]
    xs = [np.random.default_rng(n + s).random(n) * 2 for n, s in sizes]
    messages = [{"kind": "define", "module": "ode"}]
    for x, (_, s) in zip(xs, sizes):
        messages += [evaluate("ode", "primal", runs(x=x.tolist(), s=s)), evaluate("ode", "gradient", runs(x=x.tolist(), s=s))]
    out = session(messages)
    assert out[0]["success"] is True and [t["name"] for t in out[0]["timings"]] == ["start-up", "prepare"]
    for k, (x, (n, s)) in enumerate(zip(xs, sizes)):
        primal, gradient = out[1 + 2 * k], out[2 + 2 * k]
        np.testing.assert_allclose(primal["output"], _ode_rk4(x, s), rtol=1e-13, atol=1e-300, err_msg=f"n={n}, s={s}")
        np.testing.assert_allclose(gradient["output"], _ode_torch_gradient(x, s), rtol=1e-12, atol=1e-300,
                                   err_msg=f"n={n}, s={s}")
        assert "prepare" not in [t["name"] for t in primal["timings"] + gradient["timings"]]  # compiled at define


def test_ode_bad_inputs_fail_the_message():
    # each bad input fails its own message, and the same process then answers a good one
    bad = [runs(x=[1.0], s=0), runs(x=[1.0], s=1.5), runs(x=[], s=2), runs(x=[[1.0]], s=2),
           runs(x=[1.0, float("nan")], s=2), runs(x=[1.0], s=10**12), runs(x=[1.0])]
    messages = [{"kind": "define", "module": "ode"}]
    for data in bad:
        messages += [evaluate("ode", "gradient", data), evaluate("ode", "primal", runs(x=[0.5, 2.0], s=1))]
    out = session(messages)
    for k, data in enumerate(bad):
        failed, good = out[1 + 2 * k], out[2 + 2 * k]
        assert failed["success"] is False and failed["error"], data
        np.testing.assert_allclose(good["output"], _ode_rk4(np.array([0.5, 2.0]), 1), rtol=1e-14)


def test_ode_on_torch_fails_define():
    out = session([{"kind": "define", "module": "ode"}], "--backend", "torch")
    assert out[0]["success"] is False and "numba or numpy" in out[0]["error"]
