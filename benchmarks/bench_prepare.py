"""How preparation of the unrolled Rosenbrock sum grows with n (P3 unrolled): one line per n.

    python benchmarks/bench_prepare.py [n ...]      (default 100 300 1000 2000)

Prints n, build_graph + code generation + loading time (backend python), and seconds per term.
"""
from __future__ import annotations

import sys
import time

import sympy

from symgd.numeric.lower import compile as symgd_compile


def prepare_seconds(n: int) -> float:
    xs = sympy.symbols(f"x0:{n}")
    f = sympy.Add(*(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)))
    t = time.perf_counter()
    symgd_compile(f, backend="python")
    return time.perf_counter() - t


def main(argv: list[str]) -> int:
    for n in [int(a) for a in argv] or [100, 300, 1000, 2000]:
        s = prepare_seconds(n)
        print(f"n={n:5d}  prepare {s:7.3f} s  ({1e3 * s / (n - 1):.2f} ms per term)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
