"""The numba data backend (one scalar loop over the samples) beside symgd's NumPy data path, hand-written
NumPy and JAX, on P4 (cubic fit of sin) and a model non-linear in its parameters (a·exp(-b·x)).

    python benchmarks/bench_numba_data.py [--quick]

Medians over repeated runs, float64, one OpenBLAS thread (see run.py); numba compile times apart.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # threaded BLAS is 10-100x slower on this loaded machine

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench_others import HAS_JAX, HAS_NUMBA, hand_numpy_p4, jax_fns  # noqa: E402
from harness import median_time, print_figures  # noqa: E402

from symgd.codegen.data import compile_data  # noqa: E402
from symgd.loops.fused_data import fused_data_minimize  # noqa: E402
from symgd.codegen.rule import G, X, ElementwiseRule  # noqa: E402

STEPS, LR = 2000, 1e-6  # P4 GD at N = 2,000: lr = 1e-6 is stable (2·λmax(FFᵀ) ≈ 5.5e5 < 2/lr)


def _first(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _jax_value_and_grad(loss, th):
    import jax
    jax.config.update("jax_enable_x64", True)
    vg = jax.jit(jax.value_and_grad(loss))
    p = jax.numpy.asarray(th)

    def run():
        v, g = vg(p)
        g.block_until_ready()
    return run, _first(run)


def p4_gradient(n: int, quick: bool) -> dict[str, float]:
    from symgd.codegen.sample_loop import numba_sum_value_and_grad
    a, b, c, d, x, y = sympy.symbols("a b c d x y")
    xv = np.linspace(-np.pi, np.pi, n)
    yv = np.sin(xv)
    bound = compile_data((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d), (x, y)).bind({"x": xv, "y": yv})
    th = np.array([0.1, 0.2, -0.1, 0.01])
    number = (200 if n <= 2000 else 10) // (4 if quick else 1)
    svg = numba_sum_value_and_grad(bound)
    row = {"numba compile (s)": _first(lambda: svg(th)),
           "symgd numba value+gradient (us)": 1e6 * median_time(lambda: svg(th), 7, number),
           "symgd numpy value+gradient (us)": 1e6 * median_time(lambda: bound.sum_value_and_grad(th), 7, number)}
    hand_matrix = hand_numpy_p4(xv, yv)
    row["hand-written numpy matrix form (us)"] = 1e6 * median_time(lambda: hand_matrix(th), 7, number)
    if HAS_JAX:
        row["jax jit(value_and_grad) (us)"] = 1e6 * median_time(jax_fns.p4_grad(xv, yv, th), 7, number)
    return _ratios(row, "symgd numba value+gradient (us)",
                   {"numba/numpy": "symgd numpy value+gradient (us)",
                    "numba/hand": "hand-written numpy matrix form (us)", "numba/jax": "jax jit(value_and_grad) (us)"})


def p4_loop(quick: bool) -> dict[str, float]:
    from symgd.loops.data_numba import numba_data_minimize
    a, b, c, d, x, y = sympy.symbols("a b c d x y")
    xv = np.linspace(-np.pi, np.pi, 2000)
    bound = compile_data((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d), (x, y)).bind(
        {"x": xv, "y": np.sin(xv)})
    gd = ElementwiseRule("gd", (), (), (), X - LR * G)
    theta0 = [0.0] * 4
    numba_loop = lambda: numba_data_minimize(bound, gd, theta0, STEPS, check_every=100)  # noqa: E731
    row = {"numba data loop first run incl. compile (s)": _first(numba_loop),
           "symgd numba data loop (steps/s)": STEPS / median_time(numba_loop, 5)}
    numpy_loop = lambda: fused_data_minimize(bound, gd, theta0, STEPS, check_every=100, backend="numpy")  # noqa: E731
    row["symgd numpy data loop (steps/s)"] = STEPS / median_time(numpy_loop, 1 if quick else 3)
    quad = lambda: fused_data_minimize(bound, gd, theta0, STEPS, check_every=100, backend="numba")  # noqa: E731
    quad()
    row["symgd numba quadratic form H theta + b (steps/s)"] = STEPS / median_time(quad, 5)
    if HAS_JAX:
        loop, row["jax fori_loop compile (s)"] = jax_fns.p4_loop(xv, np.sin(xv), STEPS, LR)
        row["jax fori_loop GD (steps/s)"] = STEPS / median_time(loop, 5)
    for key, other in (("numba/numpy loop", "symgd numpy data loop (steps/s)"),
                       ("numba/jax loop", "jax fori_loop GD (steps/s)")):
        if other in row:
            row[key] = row["symgd numba data loop (steps/s)"] / row[other]
    return row


def exp_gradient(n: int, quick: bool) -> dict[str, float]:
    """a·exp(-b·x) least squares: no quadratic form, the graph runs per sample (exp each time)."""
    from symgd.codegen.sample_loop import numba_sum_value_and_grad
    a, b, x, y = sympy.symbols("a b x y")
    xv = np.linspace(0.0, 5.0, n)
    yv = 2.0 * np.exp(-0.7 * xv) + 0.01 * np.sin(13 * xv)
    bound = compile_data((a * sympy.exp(-b * x) - y) ** 2, (a, b), (x, y)).bind({"x": xv, "y": yv})
    th = np.array([1.5, 0.4])
    number = 10 // (2 if quick else 1)
    svg = numba_sum_value_and_grad(bound)
    row = {"numba compile (s)": _first(lambda: svg(th)),
           "symgd numba value+gradient (us)": 1e6 * median_time(lambda: svg(th), 7, number),
           "symgd numpy value+gradient (us)": 1e6 * median_time(lambda: bound.sum_value_and_grad(th), 7, number)}

    def hand():
        e = np.exp(-th[1] * xv)
        r = th[0] * e - yv
        return r @ r, np.array([2.0 * (r @ e), -2.0 * th[0] * (r @ (xv * e))])
    row["hand-written numpy (us)"] = 1e6 * median_time(hand, 7, number)
    if HAS_JAX:
        import jax.numpy as jnp
        xj, yj = jnp.asarray(xv), jnp.asarray(yv)
        run, _ = _jax_value_and_grad(lambda p: jnp.sum((p[0] * jnp.exp(-p[1] * xj) - yj) ** 2), th)
        row["jax jit(value_and_grad) (us)"] = 1e6 * median_time(run, 7, number)
    return _ratios(row, "symgd numba value+gradient (us)",
                   {"numba/numpy": "symgd numpy value+gradient (us)", "numba/hand": "hand-written numpy (us)",
                    "numba/jax": "jax jit(value_and_grad) (us)"})


def exp_loop(quick: bool) -> dict[str, float]:
    """2,000 Adam steps on a·exp(-b·x) at N = 2,000: the numba data loop against the NumPy data loop."""
    from symgd.loops.data_numba import numba_data_minimize
    from symgd.optim.adam import adam_rule
    a, b, x, y = sympy.symbols("a b x y")
    xv = np.linspace(0.0, 5.0, 2000)
    bound = compile_data((a * sympy.exp(-b * x) - y) ** 2, (a, b), (x, y)).bind(
        {"x": xv, "y": 2.0 * np.exp(-0.7 * xv)})
    rule, theta0 = adam_rule(0.01), [1.0, 0.3]
    numba_loop = lambda: numba_data_minimize(bound, rule, theta0, STEPS, check_every=100)  # noqa: E731
    row = {"numba data loop first run incl. compile (s)": _first(numba_loop),
           "symgd numba data loop (steps/s)": STEPS / median_time(numba_loop, 5)}
    numpy_loop = lambda: fused_data_minimize(bound, rule, theta0, STEPS, check_every=100, backend="numpy")  # noqa: E731
    row["symgd numpy data loop (steps/s)"] = STEPS / median_time(numpy_loop, 1 if quick else 3)
    row["numba/numpy loop"] = row["symgd numba data loop (steps/s)"] / row["symgd numpy data loop (steps/s)"]
    return row


def _ratios(row: dict, mine: str, others: dict) -> dict:
    for key, other in others.items():
        if other in row:
            row[key] = row[mine] / row[other]
    return row


def rows(quick: bool) -> dict[str, float]:
    """Every figure of this benchmark, flat: 'section: name' -> value (empty without numba)."""
    if not HAS_NUMBA:
        return {}
    sections = {f"P4 N={n} gradient": (lambda n=n: p4_gradient(n, quick)) for n in (2000, 200_000)}
    sections["P4 N=2000 2000 GD steps"] = lambda: p4_loop(quick)
    sections["a*exp(-b*x) N=200000 gradient"] = lambda: exp_gradient(200_000, quick)
    sections["a*exp(-b*x) N=2000 2000 Adam steps"] = lambda: exp_loop(quick)
    out = {}
    for section, run in sections.items():
        out.update({f"{section}: {k}": v for k, v in run().items()})
    return out


def main(argv=None) -> int:
    return print_figures(rows, sys.argv[1:] if argv is None else argv, "12.4g")


if __name__ == "__main__":
    sys.exit(main())
