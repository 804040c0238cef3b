"""The full-batch data descent loops side by side: NumPy "value+grad" (``sum_value_and_grad`` each step,
itself in place since the sums moved to ``bound_inplace``, and the rule as allocating array code), NumPy
"in place" (gradient and rule as out= code into buffers made once, ``bound_inplace``), and torch on the CPU.

Models: exp decay a·exp(-b·x) + c (nonlinear in b) and the cubic fit forced onto the NumPy data loops
(its default path is the quadratic form Hθ + b); torch runs the exp decay only. Adam, a check every 10
steps, no history rows (and, at N = 2,000, a row every step: there the in-place loop pays one more pass
for the value). Figures are steps per second, the best of ``REPEATS`` runs, all in one process (ratios
within a run are what counts).

    python benchmarks/bench_data_loops.py [--quick]
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as benchmarks/run.py: threaded BLAS is slower here

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

from symgd.codegen.data import compile_data  # noqa: E402
from symgd.loops.fused_data import _array_loop, fused_data_minimize  # noqa: E402
from symgd.optim.adam import adam_rule  # noqa: E402

REPEATS = 5
a, b, c, d, x, y = sympy.symbols("a b c d x y")
MODELS = {
    "exp": ((a * sympy.exp(-b * x) + c - y) ** 2, (a, b, c), (1.5, 0.5, 0.2)),
    "cubic": ((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d), (0.1, 0.2, -0.1, 0.01)),
}


def _data(n: int) -> dict[str, np.ndarray]:
    xs = np.linspace(0.0, 3.0, n)
    return {"x": xs, "y": 2.0 * np.exp(-0.7 * xs) + 0.3 + 0.01 * np.sin(7 * xs)}


def _best(run, steps: int) -> float:
    first = run()  # warm: generated code loaded, buffers and caches made
    if first.nit != steps:  # a run that stopped early would inflate steps/s
        raise RuntimeError(f"the benchmark run stopped at step {first.nit} ({first.status}), not {steps}")
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return steps / min(times)


def rows(quick: bool) -> dict[str, float]:
    """name -> steps/s for each model, N and loop; and the in-place / value+grad ratios."""
    out: dict[str, float] = {}
    rule = adam_rule(1e-3)
    for n in (2_000, 20_000) if quick else (2_000, 200_000):
        steps = (500 if quick else 2_000) if n <= 2_000 else 100
        for name, (expr, params, theta0) in MODELS.items():
            bound = compile_data(expr, params, (x, y)).bind(_data(n))
            loop = dict(steps=steps, tol=0.0, check_every=10, record_every=0)
            key = f"{name} N={n}"
            out[f"{key} numpy value+grad steps/s"] = _best(lambda: _array_loop(bound, rule, theta0, loop, False), steps)
            out[f"{key} numpy in-place steps/s"] = _best(lambda: _array_loop(bound, rule, theta0, loop, True), steps)
            out[f"{key} in-place/value+grad"] = (out[f"{key} numpy in-place steps/s"]
                                                 / out[f"{key} numpy value+grad steps/s"])
            if n == 2_000:  # a history row every step: the value is one more pass for the in-place loop
                rec = dict(loop, record_every=1)
                out[f"{key} rows every step: in-place/value+grad"] = (
                    _best(lambda: _array_loop(bound, rule, theta0, rec, True), steps)
                    / _best(lambda: _array_loop(bound, rule, theta0, rec, False), steps))
            if name == "exp":  # (the cubic on torch runs the quadratic form Hθ + b, not the data)
                try:
                    import torch

                    from symgd.codegen.data_torch import to_torch
                    # one intra-op thread, as OpenBLAS: on this loaded 2-core machine torch's two threads ran
                    # elementwise ops at N = 200,000 15-60x slower than one (exp 5.7 ms against 0.32 ms)
                    torch.set_num_threads(1)
                    tb = to_torch(bound)
                    out[f"{key} torch cpu steps/s"] = _best(
                        lambda: fused_data_minimize(tb, rule, theta0, steps, check_every=10), steps)
                except ImportError:
                    pass
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for name, value in rows(args.quick).items():
        print(f"{name:45s} {value:12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
