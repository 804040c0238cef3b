"""Scale benchmark: the cubic a + b*x + c*x^2 + d*x^3 fitted to sin(x) on 10^6 .. 10^8 rows.

The rows are generated chunk by chunk into Parquet files first (row groups of --chunk-size rows). Each
(size, mode) is measured in a fresh child process, so its peak resident memory is its own:

- numpy:     hand-written NumPy on arrays in memory (the baseline): residuals, Jacobian, gradient, QR;
- memory:    symgd's objective on the arrays in memory;
- outofcore: symgd's objective streaming the Parquet files chunk by chunk;
- dask:      the Dask engine on a LocalCluster of --workers worker processes.

Per iteration it times one gradient evaluation (a GD step's data pass) and one least-squares pass (the
QR pieces plus an RSS, an LM iteration's data passes); then it runs the full LM fit and records the
parameters, so the modes can be checked against each other. Peak memory: ru_maxrss of the process,
and of each Dask worker (client.run). Prints a table and writes JSON (default benchmarks/results/scale.json).

    python benchmarks/bench_scale.py --sizes 1e6,1e7 --chunk-size 1e6
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MODEL = "a + b*x + c*x^2 + d*x^3"
X0 = [0.0, 1.0, 0.0, 0.0]
MODES = ("numpy", "memory", "outofcore", "dask")


def generate(root: Path, n: int, chunk: int, rows_per_file: int = 10_000_000) -> Path:
    """``n`` rows of x uniform in [-pi, pi] and y = sin(x), written chunk by chunk (seeded per chunk)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    folder = root / f"rows_{n}"
    done = folder / "_complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    start, index = 0, 0
    while start < n:
        stop = min(n, start + rows_per_file)
        with pq.ParquetWriter(folder / f"part{index:03d}.parquet", pa.schema([("x", pa.float64()),
                                                                             ("y", pa.float64())])) as writer:
            for lo in range(start, stop, chunk):
                rng = np.random.default_rng(lo)
                x = rng.uniform(-np.pi, np.pi, min(chunk, stop - lo))
                writer.write_table(pa.table({"x": x, "y": np.sin(x)}), row_group_size=chunk)
        start, index = stop, index + 1
    done.write_text(str(n))
    return folder


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _timed(fn, reps: int) -> float:
    fn()  # warm: compile and, for Dask, ship the model
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def _numpy_baseline(folder: Path, reps: int) -> dict:
    import pyarrow.dataset as ds
    base = _peak_mib()
    table = ds.dataset(folder, format="parquet").to_table()
    x, y = table.column("x").to_numpy(), table.column("y").to_numpy()
    theta = np.array(X0)

    def grad():
        r = y - (theta[0] + x * (theta[1] + x * (theta[2] + x * theta[3])))
        jac = np.stack([-np.ones_like(x), -x, -x ** 2, -x ** 3], axis=1)
        return r @ r, 2 * (r @ jac)

    def lsq():
        r = y - (theta[0] + x * (theta[1] + x * (theta[2] + x * theta[3])))
        jac = np.stack([-np.ones_like(x), -x, -x ** 2, -x ** 3], axis=1)
        q, rr = np.linalg.qr(jac)
        return rr, q.T @ r, r @ r

    g, l_ = _timed(grad, reps), _timed(lsq, reps)
    rr, qtr, _ = lsq()
    params = (np.asarray(X0) + np.linalg.solve(rr, -qtr)).tolist()  # one Gauss-Newton step: exact for a linear model
    return {"grad_s": g, "lsq_s": l_, "params": params, "nit": 1, "base_mib": base}


def _symgd(folder: Path, mode: str, reps: int, chunk: int, workers: int, full_fit: bool = True) -> dict:
    from symgd.fit.lm import levenberg_marquardt
    from symgd.fit.model import build_model
    from symgd.fit.outofcore import open_objective
    from symgd.fit.sources import open_source
    import dask.dataframe  # noqa: F401  (every mode imports the same libraries before the baseline is taken)
    out: dict = {"base_mib": _peak_mib()}
    source = open_source(folder, chunk_size=chunk)
    if mode == "memory":
        from symgd.fit.data import from_arrays
        from symgd.fit.sources import concat
        source = from_arrays(concat(source.chunks(["x", "y"]), ["x", "y"]))
    model = build_model(MODEL, ["x", "y"])
    theta = np.array(X0)
    engine = "dask" if mode == "dask" else "local"
    t = time.perf_counter()
    with open_objective(model, source, engine, n_workers=workers) as obj:
        out["open_s"] = time.perf_counter() - t
        out["grad_s"] = _timed(lambda: obj.loss_and_grad(theta), reps)
        out["lsq_s"] = _timed(lambda: (obj.pieces(theta), obj.rss(theta)), reps)
        if full_fit:
            t = time.perf_counter()
            outcome = levenberg_marquardt(obj, theta)
            out["fit_s"] = time.perf_counter() - t
            out.update(params=outcome.theta.tolist(), nit=outcome.nit, nfev=outcome.nfev)
        if mode == "dask":
            peaks = obj.client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            out["worker_peak_mib"] = sorted(peaks.values())
    return out


def child(args: argparse.Namespace) -> None:
    """One (size, mode) measurement; prints one JSON line."""
    folder = Path(args.folder)
    if args.mode == "numpy":
        out = _numpy_baseline(folder, args.reps)
    else:
        out = _symgd(folder, args.mode, args.reps, int(args.chunk_size), args.workers, not args.no_fit)
    out["peak_mib"] = _peak_mib()
    print("RESULT " + json.dumps(out))


def _run_child(folder: Path, mode: str, args: argparse.Namespace, full_fit: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", "--folder", str(folder), "--mode", mode, "--reps", str(args.reps),
           "--chunk-size", str(int(args.chunk_size)), "--workers", str(args.workers)] + ([] if full_fit else ["--no-fit"])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        Path(args.out).with_suffix(f".{mode}.stderr.txt").write_text(proc.stderr)
        return {"error": (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]}
    return json.loads(lines[-1][len("RESULT "):])


def _table(rows: list[dict]) -> str:
    head = f"{'rows':>11} {'mode':<10} {'grad/iter s':>11} {'lsq/iter s':>10} {'vs numpy':>8} {'LM fit s':>8} " \
           f"{'peak MiB':>9} {'(imports)':>9} {'workers MiB':>13} {'max |dθ| vs numpy':>17}"
    out = [head, "-" * len(head)]
    base = {r["rows"]: r for r in rows if r["mode"] == "numpy" and "lsq_s" in r}
    rows = sorted(rows, key=lambda r: (r["rows"], MODES.index(r["mode"])))
    for r in rows:
        if "error" in r or "skipped" in r or "lsq_s" not in r:
            out.append(f"{r['rows']:>11,} {r['mode']:<10} {r.get('skipped') or 'error: ' + r.get('error', '?')}")
            continue
        b = base.get(r["rows"])
        ratio = f"{r['lsq_s'] / b['lsq_s']:.2f}x" if b else "-"
        diff = f"{np.max(np.abs(np.subtract(r['params'], b['params']))):.1e}" if b and "params" in r else "-"
        workers = "/".join(f"{w:.0f}" for w in r.get("worker_peak_mib", [])) or "-"
        out.append(f"{r['rows']:>11,} {r['mode']:<10} {r['grad_s']:>11.4f} {r['lsq_s']:>10.4f} {ratio:>8} "
                   f"{r.get('fit_s', float('nan')):>8.2f} {r['peak_mib']:>9.0f} {r.get('base_mib', float('nan')):>9.0f} "
                   f"{workers:>13} {diff:>17}")
    return "\n".join(out)


def markdown(rows: list[dict]) -> str:
    """The results as a Markdown table (for docs/scale.md and the README)."""
    out = ["| rows | mode | gradient pass (s) | least-squares pass (s) | vs NumPy | LM fit (s) | peak RSS (MiB) "
           "| of which imports | workers' peak (MiB) | max abs(θ − θ NumPy) |", "|" + "---|" * 10]
    base = {r["rows"]: r for r in rows if r["mode"] == "numpy" and "lsq_s" in r}
    rows = sorted(rows, key=lambda r: (r["rows"], MODES.index(r["mode"])))
    for r in rows:
        if "error" in r or "skipped" in r or "lsq_s" not in r:
            out.append(f"| {r['rows']:,} | {r['mode']} | {r.get('skipped') or 'error'} |||||||| ")
            continue
        b = base.get(r["rows"])
        fit = f"{r['fit_s']:.2f}" if "fit_s" in r else ("—" if r["mode"] == "numpy" else "not run")
        diff = f"{np.max(np.abs(np.subtract(r['params'], b['params']))):.1e}" if b and "params" in r else "—"
        ratio = f"{r['lsq_s'] / b['lsq_s']:.2f}x" if b else "—"
        out.append(f"| {r['rows']:,} | {r['mode']} | {r['grad_s']:.3f} | {r['lsq_s']:.3f} | "
                   f"{ratio} | {fit} | {r['peak_mib']:.0f} | "
                   f"{r.get('base_mib', float('nan')):.0f} | "
                   f"{' / '.join(f'{w:.0f}' for w in r.get('worker_peak_mib', [])) or '—'} | {diff} |")
    return "\n".join(out).replace("| nan |", "| — |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1e6,1e7,1e8", help="row counts, comma-separated (default 1e6,1e7,1e8)")
    p.add_argument("--modes", default=",".join(MODES), help=f"subset of {','.join(MODES)}")
    p.add_argument("--chunk-size", type=float, default=1e6, help="rows per chunk / row group (default 1e6)")
    p.add_argument("--max-memory-rows", type=float, default=2e7,
                   help="largest size run in memory (numpy, memory); larger ones are out of core only")
    p.add_argument("--workers", type=int, default=2, help="Dask LocalCluster worker processes (default 2)")
    p.add_argument("--reps", type=int, default=3, help="timed repetitions per figure (default 3)")
    p.add_argument("--no-fit", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--fit-max-rows", type=float, default=2e7,
                   help="largest size on which the full LM fit is also run and timed (default 2e7)")
    p.add_argument("--data-dir", default=os.environ.get("SYMGD_SCALE_DATA", "/tmp/symgd-scale"))
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "scale.json"))
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--folder", help=argparse.SUPPRESS)
    p.add_argument("--mode", help=argparse.SUPPRESS)
    p.add_argument("--markdown", metavar="JSON", help="print the results in JSON as a Markdown table and exit")
    args = p.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())["rows"]))
        return 0
    if args.child:
        child(args)
        return 0
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    modes = [m for m in args.modes.split(",") if m]
    meta = {"model": MODEL, "chunk_size": int(args.chunk_size), "workers": args.workers, "reps": args.reps,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    for n in sizes:
        t = time.perf_counter()
        folder = generate(Path(args.data_dir), n, int(args.chunk_size))
        print(f"{n:,} rows in {folder} ({time.perf_counter() - t:.1f} s to generate or find)", flush=True)
        for mode in modes:
            if mode in ("numpy", "memory") and n > args.max_memory_rows:
                rows.append({"rows": n, "mode": mode, "skipped": f"skipped: over --max-memory-rows"})
                continue
            result = {"rows": n, "mode": mode, **_run_child(folder, mode, args, n <= args.fit_max_rows)}
            rows.append(result)
            out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")  # kept after every row
            print(_table([r for r in rows if r["rows"] == n]).splitlines()[-1], flush=True)
    print(_table(rows))
    out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
