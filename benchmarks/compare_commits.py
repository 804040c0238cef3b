"""Two checkouts of symgd side by side, interleaved: did a change make any figure slower?

    python benchmarks/compare_commits.py OLD_TREE [NEW_TREE] [--rounds 3]

Each figure is timed in a fresh interpreter per tree and round (``PYTHONPATH`` picks the tree), the
trees alternating within every round so that the machine's drift (docs/performance.md) falls on both
alike. Only the public API is used (plus the data-program entry, found under its old or new module
path), so any two commits compare. Prints each figure's median per tree and new/old (above 1: slower).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

# Each snippet prints one number: seconds per operation (median of its own repeats).
SETUP = r'''
import os, sys, importlib
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.environ["SYMGD_BENCH"])  # this folder's harness, the same for both trees
import numpy as np, symgd
from harness import median_time
def med(fn, n=7, number=1):
    fn()  # untimed: first calls compile
    return median_time(fn, n, number)
def compile_data_fn():
    for mod in ("symgd.codegen.data", "symgd.numeric.bound"):
        try:
            return importlib.import_module(mod).compile_data
        except ImportError:
            pass
ROSEN = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)"
'''
FIGURES = {
    "P1 python fused loop, 10k GD steps (s)":
        "print(med(lambda: symgd.minimize('sin(x^2+y^2)', {'x': 1.0, 'y': 0.5}, lr=0.01, steps=10000, tol=0, "
        "backend='python'), 5))",
    "P1 numba fused loop, 10k GD steps (s)":
        "print(med(lambda: symgd.minimize('sin(x^2+y^2)', {'x': 1.0, 'y': 0.5}, lr=0.01, steps=10000, tol=0, "
        "backend='numba'), 5))",
    "P2 python gradient (s/call)":
        "c = symgd.compile('tanh(ln(1 + z*2x/sin(y)))', backend='python')\n"
        "print(med(lambda: c.grad(1.0, 2.0, 3.0), 7, 20000))",
    "P3 indexed numpy gradient n=1000 (s/call)":
        "c = symgd.compile(ROSEN, backend='numpy'); x = np.linspace(-1, 1, 1000)\n"
        "print(med(lambda: c.grad(x), 7, 2000))",
    "P3 indexed numba gradient n=1000 (s/call)":
        "c = symgd.compile(ROSEN, backend='numba'); x = np.linspace(-1, 1, 1000)\n"
        "print(med(lambda: c.grad(x), 7, 2000))",
    "P3 unrolled n=300 prepare (s)":
        "import sympy\nxs = sympy.symbols('x0:300')\n"
        "f = sympy.Add(*(100*(xs[i+1]-xs[i]**2)**2 + (1-xs[i])**2 for i in range(299)))\n"
        "print(med(lambda: symgd.compile(f, backend='numpy'), 3))",
    "P4 data value+grad a*exp(-b*x), N=200k (s/call)":
        "import sympy\na, b, x, y = sympy.symbols('a b x y', real=True)\n"
        "xv = np.linspace(0, 5, 200_000); yv = 2*np.exp(-0.7*xv)\n"
        "bound = compile_data_fn()((a*sympy.exp(-b*x) - y)**2, (a, b), (x, y)).bind({'x': xv, 'y': yv})\n"
        "th = np.array([1.5, 0.5])\nprint(med(lambda: bound.sum_value_and_grad(th), 7, 20))",
    "P4 fit adam 2000 steps N=2000 (s)":
        "xv = np.linspace(0, 5, 2000); yv = 2*np.exp(-0.7*xv)\n"
        "print(med(lambda: symgd.fit('a*exp(-b*x)', {'x': xv, 'y': yv}, method='adam', lr=0.01, steps=2000, "
        "tol=0), 5))",
    "P4 fit lm cubic N=20000 (s)":
        "xv = np.linspace(-2, 2, 20000); yv = 1 + 2*xv - xv**3\n"
        "print(med(lambda: symgd.fit('a + b*x + c*x^2 + d*x^3*exp(-e2*x^2)', {'x': xv, 'y': yv}), 5))",
}


def measure(tree: Path, snippet: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree), SYMGD_BENCH=str(Path(__file__).resolve().parent))
    out = subprocess.run([sys.executable, "-c", SETUP + snippet], env=env, cwd=tree, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=Path(__file__).resolve().parents[1])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="figures whose name starts with this")
    args = parser.parse_args(argv)
    figures = {k: v for k, v in FIGURES.items() if not args.only or k.startswith(args.only)}
    times: dict[str, dict[str, list[float]]] = {k: {"old": [], "new": []} for k in figures}
    for r in range(args.rounds):
        for name, snippet in figures.items():
            order = ("old", "new") if r % 2 == 0 else ("new", "old")  # alternate who goes first
            for which in order:
                times[name][which].append(measure(getattr(args, which), snippet))
    print("| figure | old (median) | new (median) | new/old |\n| --- | --- | --- | --- |")
    result = {}
    for name, t in times.items():
        old, new = statistics.median(t["old"]), statistics.median(t["new"])
        result[name] = {"old": t["old"], "new": t["new"], "ratio": new / old}
        print(f"| {name} | {old:.4g} | {new:.4g} | {new / old:.3f} |")
    out = Path(__file__).parent / "results" / "compare_commits.json"
    out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
