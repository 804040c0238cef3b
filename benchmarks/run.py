"""symgd benchmarks P1..P5 side by side with sympy diff+lambdify, torch autograd and JAX (when installed).

    python benchmarks/run.py [--quick]

Medians over repeated runs (float64, CPU). Prints a markdown table with symgd/other ratios and writes
every figure to benchmarks/results/latest.json. Compile times are reported apart from run times.
"""
from __future__ import annotations

import os

# OpenBLAS's threaded gemv/dot on a loaded 2-core machine ran 10-100x slower than one thread
# (th @ F: 7.6 ms vs 0.43 ms at N = 200,000): every NumPy figure (symgd's and hand-written) uses one.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import math  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import c_reference  # noqa: E402
from bench_others import HAS_JAX, HAS_NUMBA, HAS_TORCH, hand_numpy_p4, jax_fns, torch_fns  # noqa: E402
from harness import interleaved, median_time, ratio_of_medians, timed  # noqa: E402

import symgd  # noqa: E402
from symgd.calculus.graph import build_graph  # noqa: E402
from symgd.codegen.data import compile_data  # noqa: E402
from symgd.loops.fused import compile_loop, fused_minimize  # noqa: E402
from symgd.loops.fused_data import fused_data_minimize  # noqa: E402
from symgd.codegen.api import compile as symgd_compile  # noqa: E402
from symgd.codegen.rule import G, X, ElementwiseRule  # noqa: E402

ROSEN = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)"


def p1(quick):
    x, y = sympy.symbols("x y")
    f, steps, lr = sympy.sin(x**2 + y**2), 10_000, 0.01
    gd = ElementwiseRule("gd", (), (), (), X - lr * G)
    graph = build_graph(f)
    _, row = None, {}
    row["symgd python compile (s)"] = timed(lambda: compile_loop(graph, gd, "python"))[1]
    run = lambda b: fused_minimize(graph, gd, [0.5, 0.4], steps, check_every=1000, backend=b)  # noqa: E731
    run("python")
    times = interleaved({"symgd": lambda: run("python"), "hand": lambda: hand_p1(0.5, 0.4, steps)}, 15,
                              budget=0.02)
    row["symgd python fused (steps/s)"] = steps / statistics.median(times["symgd"])
    row["hand-written python loop (steps/s)"] = steps / statistics.median(times["hand"])
    row["ratio python/hand-written python, interleaved rounds"] = statistics.median(
        h / s for s, h in zip(times["symgd"], times["hand"]))
    if HAS_NUMBA:
        row["symgd numba compile (s)"] = timed(lambda: run("numba"))[1]
        row["symgd numba fused (steps/s)"] = steps / median_time(lambda: run("numba"), 9)
    gx, gy = (sympy.lambdify((x, y), sympy.diff(f, v), "math") for v in (x, y))

    def sympy_loop():
        a, b = 0.5, 0.4
        for _ in range(steps):
            a, b = a - lr * gx(a, b), b - lr * gy(a, b)
    row["sympy lambdify loop (steps/s)"] = steps / median_time(sympy_loop, 3)
    if HAS_TORCH:
        n = 500 if quick else 2000
        loop = torch_fns.p1_loop(n, lr)
        row["torch autograd loop (steps/s)"] = n / median_time(loop, 3)
    if HAS_JAX:
        loop, compile_s = jax_fns.p1_loop(steps, lr)
        row["jax fori_loop compile (s)"] = compile_s
        row["jax fori_loop (steps/s)"] = steps / median_time(loop, 9)
    c_loop = c_reference.p1_loop(steps, lr)
    if HAS_NUMBA:  # the compiled loops in alternation: one round compares like with like
        loops = {"numba": lambda: run("numba")}
        if HAS_JAX:
            loops["jax"] = loop
        if c_loop is not None:
            loops["C"] = c_loop
        times = interleaved(loops, 31)
        if HAS_JAX:
            row["ratio numba/jax, interleaved rounds"] = statistics.median(
                j / n for n, j in zip(times["numba"], times["jax"]))
        if c_loop is not None:
            row["C loop, libm cos, interleaved (steps/s)"] = steps / statistics.median(times["C"])
            row["ratio numba/C, interleaved rounds"] = statistics.median(
                c / n for n, c in zip(times["numba"], times["C"]))
    ratios = {"python/torch": ("symgd python fused (steps/s)", "torch autograd loop (steps/s)"),
              "python/sympy": ("symgd python fused (steps/s)", "sympy lambdify loop (steps/s)"),
              "numba/jax": ("symgd numba fused (steps/s)", "jax fori_loop (steps/s)"),
              "python/jax": ("symgd python fused (steps/s)", "jax fori_loop (steps/s)")}
    return _ratios(row, ratios)


def hand_p1(x, y, steps):
    """The tightest P1 loop we could write by hand: the gradient folded into the update by algebra
    (x - 0.01·2x·cos(s) = x·(1 - 0.02·cos(s))), cos bound to a local, 8 steps per pass."""
    cos = math.cos
    for _ in range(steps // 8):
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
        m = 1.0 - 0.02 * cos(x * x + y * y); x = x * m; y = y * m  # noqa: E702
    return x, y


def _ratios(row, ratios):
    for name, (a, b) in ratios.items():
        if a in row and b in row:
            row[f"ratio {name}"] = row[a] / row[b]
    return row


def p2(quick):
    x, y, z = sympy.symbols("x y z")
    f = sympy.tanh(sympy.log(1 + z * 2 * x / sympy.sin(y)))
    c = symgd_compile(f, backend="python")
    row = {"symgd python grad (us)": 1e6 * median_time(lambda: c.grad(1.0, 2.0, 3.0), 7, 2000)}
    lam = sympy.lambdify((x, y, z), [sympy.diff(f, v) for v in (x, y, z)], "math", cse=True)
    row["sympy lambdify grad (us)"] = 1e6 * median_time(lambda: lam(1.0, 2.0, 3.0), 7, 2000)
    if HAS_TORCH:
        row["torch autograd grad (us)"] = 1e6 * median_time(torch_fns.p2_grad(), 7, 200)
    if HAS_JAX:
        row["jax jit(grad) (us)"] = 1e6 * median_time(jax_fns.p2_grad(), 7, 500)
    return _ratios(row, {"symgd/sympy": ("symgd python grad (us)", "sympy lambdify grad (us)"),
                         "symgd/torch": ("symgd python grad (us)", "torch autograd grad (us)"),
                         "symgd/jax": ("symgd python grad (us)", "jax jit(grad) (us)")})


def p3_indexed(n, quick):
    row = {}
    x = np.linspace(-1.2, 1.2, n)
    c, row["symgd indexed numpy prepare: parse+diff+compile (s)"] = timed(
        lambda: symgd_compile(symgd.parse(ROSEN), backend="numpy"))
    _grad_and_value(row, "symgd indexed numpy", lambda: c.grad(x), lambda: c.value(x), "numpy gradient/value cost")
    if HAS_NUMBA:
        def prepare():
            cn = symgd_compile(symgd.parse(ROSEN), backend="numba")
            cn.grad(x), cn.value(x)
            return cn
        cn, row["symgd indexed numba prepare incl. jit (s)"] = timed(prepare)
        _grad_and_value(row, "symgd indexed numba", lambda: cn.grad(x), lambda: cn.value(x),
                        "numba gradient/value cost")
    if HAS_TORCH:
        row["torch autograd gradient (us)"] = 1e6 * median_time(torch_fns.p3_grad(x), 7, 50)
    if HAS_JAX:
        grad, row["jax prepare: jit(grad) first call (s)"] = jax_fns.p3_grad(x)
        row["jax jit(grad) gradient (us)"] = 1e6 * median_time(grad, 7, 500)
    return row


def _grad_and_value(row, name, grad, value, cost, rounds=15):
    """The gradient and the value timed in interleaved rounds: their ratio compares like with like."""
    times = interleaved({"g": grad, "v": value}, rounds)
    row[f"{name} gradient (us)"] = 1e6 * statistics.median(times["g"])
    row[f"{name} value (us)"] = 1e6 * statistics.median(times["v"])
    row[cost] = ratio_of_medians(times, "g", "v")


def p3_unrolled(n, quick):
    xs = sympy.symbols(f"x0:{n}")
    f = sympy.Add(*(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)))
    c, prep = timed(lambda: symgd_compile(f, backend="python"))  # what backend="auto" runs for floats
    point = [0.5] * n
    row = {"symgd unrolled prepare (s)": prep}
    _grad_and_value(row, "symgd unrolled", lambda: c.grad(*point), lambda: c.value(*point),
                    "unrolled gradient/value cost", rounds=9)
    if n <= 100:
        lam, row["sympy diff+lambdify prepare (s)"] = timed(
            lambda: sympy.lambdify(xs, [sympy.diff(f, v) for v in xs], "math", cse=True))
        row["sympy gradient (us)"] = 1e6 * median_time(lambda: lam(*point), 5, 20)
    return row


def p3(quick):
    sizes = (10, 100) if quick else (10, 100, 1000)
    return {f"n={n}": {**p3_indexed(n, quick), **p3_unrolled(n, quick)} for n in sizes}


def p4(quick):
    a, b, c, d, x, y = sympy.symbols("a b c d x y")
    (prog, prep) = timed(lambda: compile_data((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d), (x, y)))
    rows = {"symgd compile_data (s)": prep}
    for n in (2000,) if quick else (2000, 200_000):
        rows[f"N={n}"] = p4_size(prog, n, quick)
    return rows


def p4_size(prog, n, quick):
    xv = np.linspace(-np.pi, np.pi, n)
    yv = np.sin(xv)
    bound, bind_s = timed(lambda: prog.bind({"x": xv, "y": yv}))
    th = np.array([0.1, 0.2, -0.1, 0.01])
    number = 200 if n == 2000 else 10
    row = {"symgd bind (s)": bind_s}
    times = interleaved({"vg": lambda: bound.sum_value_and_grad(th), "v": lambda: bound.sample_values(th).sum()},
                              9, budget=2e-3 if n == 2000 else 2e-2)
    row["symgd numpy value+gradient (us)"] = 1e6 * statistics.median(times["vg"])
    row["symgd numpy value (us)"] = 1e6 * statistics.median(times["v"])
    row["gradient/value cost"] = ratio_of_medians(times, "vg", "v")
    h, g0, _ = bound.gram()
    row["symgd gram gradient H@theta+b (us)"] = 1e6 * median_time(lambda: h @ th + g0, 7, 2000)

    def hand():
        r = th[0] + th[1] * xv + th[2] * xv**2 + th[3] * xv**3 - yv
        gy = 2.0 * r
        return (r @ r), [gy.sum(), gy @ xv, gy @ xv**2, gy @ xv**3]
    row["hand-written numpy, naive (us)"] = 1e6 * median_time(hand, 7, number)
    hand_matrix = hand_numpy_p4(xv, yv)
    row["hand-written numpy value+gradient (us)"] = 1e6 * median_time(lambda: hand_matrix(th), 7, number)
    if HAS_TORCH:
        row["torch autograd (us)"] = 1e6 * median_time(torch_fns.p4_grad(xv, yv, th), 7, number)
    if HAS_JAX:
        row["jax jit(value_and_grad) (us)"] = 1e6 * median_time(jax_fns.p4_grad(xv, yv, th), 7, number)
    if n == 2000:
        p4_loops(bound, xv, yv, row, quick)
    return _ratios(row, {"symgd/hand numpy": ("symgd numpy value+gradient (us)", "hand-written numpy value+gradient (us)"),
                         "symgd/torch": ("symgd numpy value+gradient (us)", "torch autograd (us)"),
                         "symgd/jax": ("symgd numpy value+gradient (us)", "jax jit(value_and_grad) (us)")})


def p4_loops(bound, xv, yv, row, quick):
    steps, lr = 2000, 1e-6
    gd = ElementwiseRule("gd", (), (), (), X - lr * G)
    theta0 = [0.0] * 4
    for backend in ("python", "numba", "numpy") if HAS_NUMBA else ("python", "numpy"):
        _, first = timed(lambda: fused_data_minimize(bound, gd, theta0, steps, check_every=100, backend=backend))
        t = median_time(lambda: fused_data_minimize(bound, gd, theta0, steps, check_every=100, backend=backend), 5)
        row[f"symgd fused GD {backend} (steps/s)"] = steps / t
        row[f"symgd fused GD {backend} first run incl. compile (s)"] = first
    if HAS_TORCH:
        n = 300 if quick else 1000
        row["torch autograd GD loop (steps/s)"] = n / median_time(torch_fns.p4_loop(xv, yv, n, lr), 3)
    if HAS_JAX:
        loop, row["jax fori_loop compile (s)"] = jax_fns.p4_loop(xv, yv, steps, lr)
        row["jax fori_loop GD (steps/s)"] = steps / median_time(loop, 5)


def p5(quick):
    w1, w2, b, x1, x2, y = sympy.symbols("w1 w2 b x1 x2 y")
    prog = compile_data((w1 * x1 + w2 * x2 + b - y) ** 2 / 2, (w1, w2, b), (x1, x2, y))
    X_ = np.array([[1, 1], [1, 2], [2, 2], [2, 3]], dtype=float)
    yv = X_ @ [1, 2] + 3
    bound = prog.bind({"x1": X_[:, 0], "x2": X_[:, 1], "y": yv})
    th = np.array([10.1, 15.1, -6.5])
    row = {"symgd gradient (us)": 1e6 * median_time(lambda: bound.sum_value_and_grad(th), 7, 2000)}
    loss = sum((w1 * X_[k, 0] + w2 * X_[k, 1] + b - yv[k]) ** 2 / 2 for k in range(4))
    lam = sympy.lambdify((w1, w2, b), [sympy.diff(loss, v) for v in (w1, w2, b)], "math", cse=True)
    row["sympy lambdify gradient (us)"] = 1e6 * median_time(lambda: lam(*th), 7, 2000)
    if HAS_TORCH:
        row["torch autograd gradient (us)"] = 1e6 * median_time(torch_fns.p5_grad(X_, yv, th), 7, 200)
    if HAS_JAX:
        row["jax jit(grad) (us)"] = 1e6 * median_time(jax_fns.p5_grad(X_, yv, th), 7, 500)
    gd = ElementwiseRule("gd", (), (), (), X - 0.05 * G)
    steps = 10_000
    fused_data_minimize(bound, gd, [0.0] * 3, 10, backend="python")
    row["symgd fused GD python (steps/s)"] = steps / median_time(
        lambda: fused_data_minimize(bound, gd, [0.0] * 3, steps, check_every=1000, backend="python"), 5)
    return _ratios(row, {"symgd/sympy": ("symgd gradient (us)", "sympy lambdify gradient (us)"),
                         "symgd/torch": ("symgd gradient (us)", "torch autograd gradient (us)")})


#: Focused benchmarks run after P1-P5 (each file also runs alone: python benchmarks/<file>.py).
EXTRAS = {"P3 indexed NumPy beside scipy and hand-written (bench_indexed)": "bench_indexed",
          "P3 unrolled preparation by stage (bench_prepare)": "bench_prepare",
          "P4 numba data gradient and loop (bench_numba_data)": "bench_numba_data",
          "P4-style data loops: NumPy in place, torch (bench_data_loops)": "bench_data_loops",
          "P4 N=10^7 torch, CUDA when present (bench_gpu)": "bench_gpu"}


def _table(results) -> str:
    lines = ["| problem | measure | value |", "|---|---|---|"]

    def walk(prefix, node):
        for key, val in node.items():
            if isinstance(val, dict):
                walk(f"{prefix} {key}".strip(), val)
            elif isinstance(val, float):
                lines.append(f"| {prefix} | {key} | {val:.4g} |")
    walk("", {k: v for k, v in results.items() if k.startswith("P")})
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--only", metavar="PREFIX", action="append",
                        help="run only the benchmarks whose name starts with PREFIX (e.g. P1); repeatable; "
                             "written to results/partial.json")
    args = parser.parse_args(argv)
    results: dict = {"python": sys.version.split()[0], "machine": platform.machine(), "cpus": os.cpu_count(),
                     "load average (1, 5, 15 min) at start": list(os.getloadavg()),
                     "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
                     "versions": _versions(), "machine speed at start": machine_speed()}
    benches = {"P1 sin(x^2+y^2), 10k GD steps": p1, "P2 tanh(ln(1+z*2x/sin(y))) gradient": p2,
               "P3 Rosenbrock": p3, "P4 cubic fit of sin": p4, "P5 linear regression (4 points)": p5}
    benches.update({name: (lambda quick, m=module: importlib.import_module(m).rows(quick))
                    for name, module in EXTRAS.items()})  # the focused benchmarks, each also runnable alone
    chosen = [name for name in benches if not args.only or name.startswith(tuple(args.only))]
    for name in chosen:
        results[name] = benches[name](args.quick)
    results["load average (1, 5, 15 min) at end"] = list(os.getloadavg())
    results["machine speed at end"] = machine_speed()
    file = "partial.json" if args.only else "quick.json" if args.quick else "latest.json"
    out = Path(__file__).parent / "results" / file
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(_table(results))
    print(f"\nload average at start {results['load average (1, 5, 15 min) at start']}, "
          f"at end {results['load average (1, 5, 15 min) at end']}; versions {results['versions']}")
    print(f"machine speed at start {results['machine speed at start']}, at end {results['machine speed at end']}")
    print(f"written to {out}")
    return 0


def machine_speed() -> dict[str, float]:
    """The machine's state when absolute figures were taken (its speed drifts by about 2x within
    minutes): the hand-written P1 Python loop, and the C loop where a compiler is found, best of 5."""
    speed = {"hand-written python P1 loop (steps/s)": 10_000 / min(timed(lambda: hand_p1(0.5, 0.4, 10_000))[1]
                                                                   for _ in range(5))}
    c_loop = c_reference.p1_loop(10_000, 0.01)
    if c_loop is not None:
        speed["C P1 loop (steps/s)"] = 10_000 / min(timed(c_loop)[1] for _ in range(5))
    return speed


def _versions() -> dict:
    out = {}
    for mod in ("sympy", "numpy", "torch", "numba", "jax"):
        if importlib.util.find_spec(mod):
            out[mod] = __import__(mod).__version__
    return out


if __name__ == "__main__":
    raise SystemExit(main())
