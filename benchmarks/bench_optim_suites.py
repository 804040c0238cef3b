"""Both optimization suites side by side with scipy: hits (known minima reached) and time per method.

- Global functions (tests/suites/global_functions.py, scipy's global-optimization benchmark): symgd's
  default multi-start (``minimize(f, starts=N, bounds=box, seed=0)``, the default method "auto") and the
  same with ``optimizer="gd"`` (the default before "auto") beside scipy's L-BFGS-B from the same
  N uniform starts with finite differences, as a user without derivatives would run it. A hit: the best
  value is the known global minimum (the record's ``found``).
- Moré–Garbow–Hillstrom (tests/suites/mgh.py) from the standard starts: ``symgd.fit`` (method "lm" and
  "trf"), ``minimize`` (default method "auto", "newton" and "gd") beside
  ``scipy.optimize.least_squares(method="lm")`` with sympy's exact Jacobian. A hit: the value (recomputed
  from the residuals by NumPy) is a published minimum to 6 digits (``suites.mgh.reached``).

Times include symgd's compilation (what a user waits for). Run from the repository root:

    python benchmarks/bench_optim_suites.py [--starts 64] [--suite mgh|global|both]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import sympy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import symgd  # noqa: E402


def _numpy_function(expr: sympy.Expr, names: list[str]):
    """f(x) on a vector, from sympy's lambdify (real symbols, so |u|' is sign(u))."""
    symbols = [sympy.Symbol(n, real=True) for n in names]
    expr = expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols})
    return sympy.lambdify(symbols, expr, "numpy"), symbols, expr


def _timed(fn):
    start = time.perf_counter()
    try:
        out = fn()
    except Exception as exc:  # a benchmark row records a failure and goes on  # noqa: BLE001
        out = exc
    return out, time.perf_counter() - start


def global_rows(starts: int) -> list[tuple[str, int, int, float, int]]:
    """(method, hits, of, seconds, raised) for the global suite."""
    from scipy.optimize import minimize as scipy_minimize
    from suites.global_functions import FUNCTIONS
    tally = {"symgd default multi-start": [0, 0.0, 0], "symgd multi-start, optimizer='gd'": [0, 0.0, 0],
             "scipy L-BFGS-B (finite differences)": [0, 0.0, 0]}
    for f in FUNCTIONS:
        names = [f"x{i + 1}" for i in range(f.dim)]
        lo = np.array([f.bounds[n][0] for n in names])
        hi = np.array([f.bounds[n][1] for n in names])
        points = np.random.default_rng(0).uniform(lo, hi, size=(starts, f.dim))
        res, seconds = _timed(lambda: symgd.minimize(f.expr, starts=starts, bounds=f.bounds, seed=0))
        _tally(tally["symgd default multi-start"], res, seconds, lambda r: f.found(r.fun))
        res, seconds = _timed(lambda: symgd.minimize(f.expr, starts=starts, bounds=f.bounds, seed=0,
                                                     optimizer="gd"))
        _tally(tally["symgd multi-start, optimizer='gd'"], res, seconds, lambda r: f.found(r.fun))
        fn = _numpy_function(symgd.parse(f.expr), names)[0]
        scalar = lambda x: float(fn(*x))  # noqa: E731
        best, seconds = _timed(lambda: min(
            scipy_minimize(scalar, p, method="L-BFGS-B", bounds=list(zip(lo, hi))).fun for p in points))
        _tally(tally["scipy L-BFGS-B (finite differences)"], best, seconds, lambda v: f.found(v))
    return [(name, hits, len(FUNCTIONS), seconds, raised) for name, (hits, seconds, raised) in tally.items()]


def _tally(row: list, result, seconds: float, hit) -> None:
    row[1] += seconds
    if isinstance(result, Exception):
        row[2] += 1
    elif hit(result):
        row[0] += 1


def _mgh_oracle(p):
    exprs = [symgd.parse(r) for r in p.residuals]
    free = {s.name for e in exprs for s in e.free_symbols}
    names = [n for n in p.names if n in free]
    symbols = [sympy.Symbol(n, real=True) for n in names]
    exprs = [e.xreplace({s: sympy.Symbol(s.name, real=True) for s in e.free_symbols}) for e in exprs]
    fun = sympy.lambdify(symbols, exprs, "numpy")
    jac = sympy.lambdify(symbols, sympy.Matrix(exprs).jacobian(symbols), "numpy")
    return (names, lambda x: np.array(fun(*x), dtype=float),
            lambda x: np.array(jac(*x), dtype=float).reshape(len(exprs), len(names)))


def mgh_rows() -> list[tuple[str, int, int, float, int]]:
    """(method, hits, of, seconds, raised) for the MGH suite."""
    from scipy.optimize import least_squares
    from suites.mgh import PROBLEMS, fit_form, reached
    methods = ("symgd fit(method='lm')", "symgd fit(method='trf')", "symgd minimize (default)",
               "symgd minimize(optimizer='newton')", "symgd minimize(optimizer='gd')",
               "scipy least_squares(method='lm')")
    tally = {m: [0, 0.0, 0] for m in methods}
    for p in PROBLEMS:
        names, fun, jac = _mgh_oracle(p)
        start = {n: p.start[n] for n in names}

        def value(point: dict) -> float:
            with np.errstate(all="ignore"):
                return float(np.sum(fun(np.array([point[n] for n in names])) ** 2))
        model, data, target = fit_form(p)
        runs = {
            methods[0]: lambda: value(symgd.fit(model, data, target=target, x0=start, method="lm").params),
            methods[1]: lambda: value(symgd.fit(model, data, target=target, x0=start, method="trf").params),
            methods[2]: lambda: value(symgd.minimize(p.objective, start).x),
            methods[3]: lambda: value(symgd.minimize(p.objective, start, optimizer="newton", steps=2000).x),
            methods[4]: lambda: value(symgd.minimize(p.objective, start, optimizer="gd").x),
            methods[5]: lambda: float(np.sum(fun(least_squares(
                fun, np.array(list(start.values())), jac=jac, method="lm", xtol=1e-15, ftol=1e-15,
                gtol=1e-15).x) ** 2)),
        }
        for name, run in runs.items():
            out, seconds = _timed(run)
            _tally(tally[name], out, seconds, lambda v: reached(v, p))
    return [(name, hits, len(PROBLEMS), seconds, raised) for name, (hits, seconds, raised) in tally.items()]


def table(rows: list[tuple[str, str, int, int, float, int]]) -> str:
    lines = ["| suite | method | hits | of | time (s) | raised |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {suite} | {method} | {hits} | {of} | {seconds:.1f} | {raised} |"
              for suite, method, hits, of, seconds, raised in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=64, help="starts per global function (default 64)")
    parser.add_argument("--suite", choices=("mgh", "global", "both"), default="both")
    args = parser.parse_args(argv)
    rows = []
    if args.suite in ("mgh", "both"):
        rows += [("MGH", *row) for row in mgh_rows()]
    if args.suite in ("global", "both"):
        rows += [("global", *row) for row in global_rows(args.starts)]
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
