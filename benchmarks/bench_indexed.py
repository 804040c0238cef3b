"""P3 Rosenbrock as an indexed sum with the numpy backend, beside scipy.optimize.rosen_der and a plain
hand-written NumPy rosen_der, at n = 10, 100, 1,000.

    python benchmarks/bench_indexed.py [--quick]

The functions are timed in interleaved rounds (each round times every function once, ~2 ms each), so
load that comes and goes on the shared machine falls on all of them alike; figures are medians over
the rounds of the per-call time in µs, float64, one OpenBLAS thread (see run.py). Ratios (symgd /
other) are medians of the per-round ratios.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # threaded BLAS is 10-100x slower on this loaded machine

import statistics  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import interleaved, print_figures, ratio_of_medians  # noqa: E402

import symgd  # noqa: E402
from symgd.codegen.api import compile as symgd_compile  # noqa: E402

ROSEN = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)"


def hand_rosen_der(x: np.ndarray) -> np.ndarray:
    """The Rosenbrock gradient as one would write it in NumPy (allocating temporaries)."""
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * d - 2 * (1 - x[:-1])
    g[1:] += 200 * d
    return g


def hand_rosen(x: np.ndarray) -> float:
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def p3_indexed(n: int, quick: bool) -> dict[str, float]:
    """Median µs per call of symgd's grad / value / value_and_grad and the references; ratios are
    medians of the per-round ratios (a round's functions ran within milliseconds of each other)."""
    compiled = symgd_compile(symgd.parse(ROSEN), backend="numpy")
    x = np.random.default_rng(0).uniform(-1.5, 1.5, n)
    want = hand_rosen_der(x)
    if not np.allclose(compiled.grad(x)[0], want, rtol=1e-12, atol=1e-12):
        raise AssertionError("symgd's gradient differs from the hand-written one")
    fns = {"symgd numpy grad": lambda: compiled.grad(x), "symgd numpy value": lambda: compiled.value(x),
           "symgd numpy value_and_grad": lambda: compiled.value_and_grad(x),
           "hand NumPy rosen_der": lambda: hand_rosen_der(x), "hand NumPy rosen": lambda: hand_rosen(x)}
    try:
        from scipy.optimize import rosen, rosen_der
        fns.update({"scipy rosen_der": lambda: rosen_der(x), "scipy rosen": lambda: rosen(x)})
    except ImportError:
        pass
    times = {k: [t * 1e6 for t in v] for k, v in interleaved(fns, 7 if quick else 31).items()}
    row = {f"{k} us": statistics.median(v) for k, v in times.items()}
    for other in ("scipy rosen_der", "hand NumPy rosen_der"):
        if other in times:
            row[f"grad / {other}"] = ratio_of_medians(times, "symgd numpy grad", other)
    row["grad / value"] = ratio_of_medians(times, "symgd numpy grad", "symgd numpy value")
    row["value_and_grad / value"] = ratio_of_medians(times, "symgd numpy value_and_grad", "symgd numpy value")
    return row


def rows(quick: bool) -> dict[str, float]:
    """Every figure of this benchmark, flat: 'section: name' -> value."""
    out = {}
    for n in (10, 100, 1000):
        out.update({f"P3 indexed n={n}: {k}": v for k, v in p3_indexed(n, quick).items()})
    return out


def main(argv=None) -> int:
    return print_figures(rows, sys.argv[1:] if argv is None else argv, "10.3f")


if __name__ == "__main__":
    sys.exit(main())
