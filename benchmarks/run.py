"""symgd benchmarks P1..P5 beside sympy diff+lambdify, torch autograd and JAX (when installed).

    python benchmarks/run.py [--quick]

Prints medians and symgd/other ratios and writes benchmarks/results/latest.json.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import sympy

from symgd.calculus.graph import build_graph
from symgd.numeric.bound import compile_data
from symgd.numeric.fused import compile_loop, fused_minimize
from symgd.numeric.lower import compile as symgd_compile
from symgd.numeric.rule import G, X, ElementwiseRule

HAS_TORCH = importlib.util.find_spec("torch") is not None


def median_time(fn, repeat: int, number: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` runs of ``number`` calls."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def p1(results, quick):
    x, y = sympy.symbols("x y")
    f = sympy.sin(x**2 + y**2)
    steps = 10_000
    gd = ElementwiseRule("gd", (), (), (), X - 0.01 * G)
    graph = build_graph(f)
    compile_loop(graph, gd, "python")
    t = median_time(lambda: fused_minimize(graph, gd, [0.5, 0.4], steps, check_every=1000, backend="python"), 5)
    row = {"symgd python fused (steps/s)": steps / t}
    if importlib.util.find_spec("numba"):
        t0 = time.perf_counter()
        compile_loop(graph, gd, "numba")
        row["symgd numba compile (s)"] = time.perf_counter() - t0
        t = median_time(lambda: fused_minimize(graph, gd, [0.5, 0.4], steps, check_every=1000, backend="numba"), 7)
        row["symgd numba fused (steps/s)"] = steps / t
    gx, gy = (sympy.lambdify((x, y), sympy.diff(f, v), "math") for v in (x, y))

    def sympy_loop():
        a, b = 0.5, 0.4
        for _ in range(steps):
            a, b = a - 0.01 * gx(a, b), b - 0.01 * gy(a, b)
    row["sympy lambdify loop (steps/s)"] = steps / median_time(sympy_loop, 3)
    if HAS_TORCH:
        import torch
        n = 1000 if quick else 2000

        def torch_loop():
            p = torch.tensor([0.5, 0.4], dtype=torch.float64, requires_grad=True)
            opt = torch.optim.SGD([p], lr=0.01)
            for _ in range(n):
                opt.zero_grad()
                torch.sin(p[0] ** 2 + p[1] ** 2).backward()
                opt.step()
        row["torch autograd loop (steps/s)"] = n / median_time(torch_loop, 3)
        row["ratio python/torch"] = row["symgd python fused (steps/s)"] / row["torch autograd loop (steps/s)"]
    results["P1 sin(x^2+y^2), 10k GD steps"] = row


def p2(results, quick):
    x, y, z = sympy.symbols("x y z")
    f = sympy.tanh(sympy.log(1 + z * 2 * x / sympy.sin(y)))
    c = symgd_compile(f, backend="python")
    row = {"symgd python grad (us)": 1e6 * median_time(lambda: c.grad(1.0, 2.0, 3.0), 7, 2000)}
    lam = sympy.lambdify((x, y, z), [sympy.diff(f, v) for v in (x, y, z)], "math", cse=True)
    row["sympy lambdify grad (us)"] = 1e6 * median_time(lambda: lam(1.0, 2.0, 3.0), 7, 2000)
    results["P2 tanh(ln(1+z*2x/sin(y))) gradient"] = row


def p3(results, quick):
    rows = {}
    for n in ((10, 100) if quick else (10, 100, 1000)):
        xs = sympy.symbols(f"x0:{n}")
        f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
        t = time.perf_counter()
        c = symgd_compile(f, backend="numpy")
        prep = time.perf_counter() - t
        point = [0.5] * n
        tg = median_time(lambda: c.grad(*point), 5, 20)
        tv = median_time(lambda: c.value(*point), 5, 20)
        rows[f"n={n}"] = {"symgd unrolled prepare (s)": prep, "symgd unrolled gradient (us)": 1e6 * tg,
                          "gradient/value cost": tg / tv}
        if n <= 100:
            t = time.perf_counter()
            lam = sympy.lambdify(xs, [sympy.diff(f, v) for v in xs], "math", cse=True)
            rows[f"n={n}"]["sympy diff+lambdify prepare (s)"] = time.perf_counter() - t
            rows[f"n={n}"]["sympy gradient (us)"] = 1e6 * median_time(lambda: lam(*point), 5, 20)
    results["P3 Rosenbrock unrolled"] = rows


def p4(results, quick):
    a, b, c, d, x, y = sympy.symbols("a b c d x y")
    prog = compile_data((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d), (x, y))
    rows = {}
    for n in (2000, 200_000):
        xv = np.linspace(-np.pi, np.pi, n)
        yv = np.sin(xv)
        bound = prog.bind({"x": xv, "y": yv})
        th = np.array([0.1, 0.2, -0.1, 0.01])
        number = 200 if n == 2000 else 10
        row = {"symgd numpy gradient (us)": 1e6 * median_time(lambda: bound.sum_value_and_grad(th), 7, number)}

        def hand():
            yp = th[0] + th[1] * xv + th[2] * xv**2 + th[3] * xv**3
            gy = 2.0 * (yp - yv)
            return [gy.sum(), (gy * xv).sum(), (gy * xv**2).sum(), (gy * xv**3).sum()]
        row["hand-written numpy (us)"] = 1e6 * median_time(hand, 7, number)
        if HAS_TORCH:
            import torch
            xt, yt = torch.from_numpy(xv), torch.from_numpy(yv)
            p = torch.tensor(th, requires_grad=True)

            def tgrad():
                p.grad = None
                ((p[0] + p[1] * xt + p[2] * xt**2 + p[3] * xt**3 - yt) ** 2).sum().backward()
            row["torch autograd (us)"] = 1e6 * median_time(tgrad, 7, number)
        row["ratio symgd/hand numpy"] = row["symgd numpy gradient (us)"] / row["hand-written numpy (us)"]
        if n == 2000:
            def gd_loop():
                t = np.array([0.0, 0.0, 0.0, 0.0])
                for _ in range(2000):
                    t -= 1e-6 * bound.sum_value_and_grad(t)[1]
            row["symgd numpy GD loop (steps/s)"] = 2000 / median_time(gd_loop, 3)
        rows[f"N={n}"] = row
    results["P4 cubic fit of sin"] = rows


def p5(results, quick):
    w1, w2, b, x1, x2, y = sympy.symbols("w1 w2 b x1 x2 y")
    prog = compile_data((w1 * x1 + w2 * x2 + b - y) ** 2 / 2, (w1, w2, b), (x1, x2, y))
    X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]], dtype=float)
    bound = prog.bind({"x1": X[:, 0], "x2": X[:, 1], "y": X @ [1, 2] + 3})
    th = np.array([10.1, 15.1, -6.5])
    results["P5 linear regression (4 points)"] = {
        "symgd gradient (us)": 1e6 * median_time(lambda: bound.sum_value_and_grad(th), 7, 2000)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args(argv)
    results: dict = {"python": sys.version.split()[0], "jax": importlib.util.find_spec("jax") is not None}
    for bench in (p1, p2, p3, p4, p5):
        bench(results, args.quick)
    text = json.dumps(results, indent=2)
    out = Path(__file__).parent / "results" / "latest.json"
    out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
