"""Time the tool's gmm, kmeans and llsq functions at their largest GradBench sizes, outside the harness,
for before/after comparisons of the code generator on one machine:

    .venv/bin/python benchmarks/gradbench/largest.py ROOT [gmm] [kmeans] [llsq]

ROOT is a checkout (this one, or a ``git worktree`` of an older commit) whose ``symgd`` and tool are
imported. Inputs are random (seed 0) with the evals' shapes; times are medians of a few calls (ms).
gmm also prints its ``define`` split: ``symgd.compile`` and numba's first ``value`` and ``grad`` calls.
"""
import os
import sys
import time

root = os.path.abspath(sys.argv[1])
which = sys.argv[2:] or ["gmm", "kmeans", "llsq"]
sys.path[:0] = [root, os.path.join(root, "benchmarks", "gradbench")]
import numpy as np  # noqa: E402

import symgd  # noqa: E402
from backend import Backend  # noqa: E402
import evals_basic  # noqa: E402
import evals_tree  # noqa: E402

assert symgd.__file__.startswith(root), f"symgd imported from {symgd.__file__}, not {root}"
rng = np.random.default_rng(0)


def median_ms(f, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] * 1e3


def gmm_prepare() -> str:
    t0 = time.perf_counter()
    c = symgd.compile(evals_tree.GMM, backend="numba", wrt=["alpha", "l", "mu", "q"])
    t1 = time.perf_counter()
    warm = (np.zeros(2), np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3)), 1.0, 0.0, 0.0, np.ones((4, 3)))
    c.value(*warm)
    t2 = time.perf_counter()
    c.grad(*warm)
    t3 = time.perf_counter()
    return f"symgd.compile {1e3 * (t1 - t0):.0f} ms, first value {1e3 * (t2 - t1):.0f} ms, first grad {1e3 * (t3 - t2):.0f} ms"


def run(ev, data: dict, prefix: str, reps: int) -> None:
    for name, fn in ev.functions.items():
        args = fn.pre(data)
        fn.run(*args)
        print(f"{prefix} {name}: {median_ms(lambda: fn.run(*args), reps):.2f} ms")


if "gmm" in which:
    import numba
    numba.njit(lambda v: v + 1.0)(1.0)  # numba's own start-up, outside the split
    print("gmm define:", gmm_prepare())
    d, k, n = 64, 100, 1000
    ev = evals_tree.gmm(Backend())
    ev.define()
    run(ev, {"d": d, "k": k, "n": n, "m": 0, "gamma": 1.0, "alpha": rng.standard_normal(k),
             "mu": rng.random((k, d)), "q": 0.1 * rng.standard_normal((k, d)),
             "l": 0.1 * rng.standard_normal((k, d * (d - 1) // 2)), "x": rng.random((n, d))}, "gmm", 3)
if "kmeans" in which:
    ev = evals_tree.kmeans(Backend())
    ev.define()
    with np.errstate(divide="ignore", invalid="ignore"):  # a centroid without points: 0/0 in dir
        run(ev, {"centroids": rng.random((1000, 16)), "points": rng.random((10000, 16))}, "kmeans", 5)
if "llsq" in which:
    run(evals_basic.llsq(Backend()), {"x": rng.standard_normal(128), "n": 16392}, "llsq", 9)
