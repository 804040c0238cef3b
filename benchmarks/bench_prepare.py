"""How preparation of unrolled Rosenbrock grows with n (P3 unrolled): one line per n, stage by stage.

    python benchmarks/bench_prepare.py [n ...]      (default 100 300 1000 3000)

"Prepare" is what a user waits for between typing the loss and calling its gradient:
- parse: the text ``100*(x1-x0^2)^2 + (1-x0)^2 + ...`` through ``symgd.parse`` (grammar, Transformer,
  budget checks). Above n ~ 1,250 the text exceeds the parse budget (25,000 tokens), so larger n
  start from the SymPy expression built directly (parse shows "-"); the Lark parser itself is built
  once per process beforehand and not counted;
- graph: ``build_graph`` (decomposition, local partials, the symbolic backward sweep);
- codegen+load: the python backend's source (``generate``) and turning it into functions.
Each figure is the best of ``repeats`` runs, in CPU seconds of this process (the machine is shared;
wall-clock figures swing with the other jobs' load; the wall total is printed beside). The last line
fits seconds ≈ c·n^k per stage over the sizes it ran at, and for the whole preparation where parsed.
"""
from __future__ import annotations

import math
import statistics
import sys
import time

import sympy

from symgd.calculus.graph import build_graph
from symgd.errors import BudgetError
from symgd.codegen import runtime
from symgd.codegen.api import generate
from symgd.parse import parse
from symgd.parse._loader import get_parser


def rosenbrock_text(n: int) -> str:
    """The unrolled Rosenbrock sum over x0..x{n-1} as a user types it."""
    return " + ".join(f"100*(x{i + 1}-x{i}^2)^2 + (1-x{i})^2" for i in range(n - 1))


def rosenbrock_expr(n: int) -> sympy.Expr:
    """The same sum built with SymPy directly (for sizes beyond the parse budget)."""
    xs = sympy.symbols(f"x0:{n}")
    return sympy.Add(*(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)))


def _clock(fn):
    t = time.process_time()
    out = fn()
    return out, time.process_time() - t


def stages(n: int) -> tuple[dict[str, float], float]:
    """CPU seconds of each stage for size n (parse is nan where the text exceeds the budget), and the
    wall-clock seconds of them all."""
    get_parser()
    text = rosenbrock_text(n)
    wall = time.perf_counter()
    try:
        expr, t_parse = _clock(lambda: parse(text))
    except BudgetError:
        expr, t_parse = rosenbrock_expr(n), math.nan
        wall = time.perf_counter()
    graph, t_graph = _clock(lambda: build_graph(expr))
    _, t_code = _clock(lambda: runtime.load(generate(graph, "python"), "python", None, None))
    return {"parse": t_parse, "graph": t_graph, "codegen+load": t_code}, time.perf_counter() - wall


def best_stages(n: int, repeats: int) -> tuple[dict[str, float], float]:
    """Stage by stage, the fastest of ``repeats`` runs; and the fastest wall-clock total."""
    runs = [stages(n) for _ in range(repeats)]
    return {k: min(r[k] for r, _ in runs) for k in runs[0][0]}, min(w for _, w in runs)


def growth_exponent(sizes: list[int], totals: list[float]) -> float:
    """Least-squares slope of log(total) against log(n)."""
    xs, ys = [math.log(n) for n in sizes], [math.log(t) for t in totals]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((a - mx) * (b - my) for a, b in zip(xs, ys)) / sum((a - mx) ** 2 for a in xs)


def _total(row: dict[str, float]) -> float:
    return sum(v for v in row.values() if not math.isnan(v))


def rows(quick: bool) -> dict[str, float]:
    """name -> seconds per stage and n, ms per term, and the fitted growth exponents.

    The sizes run in rounds (each round every size once): a stage's figure is its best over the rounds,
    and a growth exponent is the median of the exponents fitted within each round, so a drift of the
    machine's speed between sizes cannot bend the fitted growth."""
    sizes = [100, 300] if quick else [100, 300, 1000]
    rounds = [[stages(n) for n in sizes] for _ in range(2 if quick else 3)]
    out: dict[str, float] = {}
    table = []
    for i, n in enumerate(sizes):
        row = {k: min(r[i][0][k] for r in rounds) for k in rounds[0][i][0]}
        table.append(row)
        out[f"P3 unrolled n={n} prepare wall (s)"] = min(r[i][1] for r in rounds)
        for k, v in row.items():
            out[f"P3 unrolled n={n} {k} (s)"] = v
        out[f"P3 unrolled n={n} prepare (s)"] = _total(row)
        out[f"P3 unrolled n={n} ms per term"] = 1e3 * _total(row) / (n - 1)
    per_round = [exponents(sizes, [stage for stage, _ in r]) for r in rounds]
    for k in per_round[0]:
        out[f"P3 unrolled {k} growth exponent (median of rounds)"] = statistics.median(e[k] for e in per_round)
    return out


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100, 300, 1000, 3000]
    totals, rows_ = [], []
    for n in sizes:
        row, wall = best_stages(n, 2 if n <= 300 else 1)
        rows_.append(row)
        totals.append(_total(row))
        parse_text = "     -   " if math.isnan(row["parse"]) else f"{row['parse']:7.3f} s"
        print(f"n={n:5d}  parse {parse_text}  graph {row['graph']:7.3f} s  codegen+load "
              f"{row['codegen+load']:7.3f} s  prepare {totals[-1]:7.3f} s CPU, {wall:7.3f} s wall  "
              f"({1e3 * totals[-1] / (n - 1):.2f} ms per term)", flush=True)
    if len(sizes) > 1:
        print("growth: " + ", ".join(f"{k} ~ n^{k_exp:.2f}" for k, k_exp in exponents(sizes, rows_).items()))
    return 0


def exponents(sizes: list[int], table: list[dict[str, float]]) -> dict[str, float]:
    """Fitted exponent per stage (over the sizes it ran at) and of the whole preparation where parsed."""
    out = {}
    for k in table[0]:
        pts = [(n, r[k]) for n, r in zip(sizes, table) if not math.isnan(r[k])]
        if len(pts) > 1:
            out[k] = growth_exponent([n for n, _ in pts], [v for _, v in pts])
    full = [(n, _total(r)) for n, r in zip(sizes, table) if not math.isnan(r["parse"])]
    if len(full) > 1:
        out["prepare"] = growth_exponent([n for n, _ in full], [v for _, v in full])
    return out


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
