"""The hostile corpus: inputs an attacker or a careless user would try, through the CLI and the library.

``CLI`` rows are (id, argv, expect, setup): ``expect`` is "error" (exit 2 with one ``error:`` line) or
a tuple ("ok", text that stdout must hold); ``setup`` names a function below that writes the case's files.
``{C}`` in an argument is the canary file's path: a case that ran code would create it. ``LIBRARY`` names
functions below, each run in a child (``hostile_runner``): it returns a checked right answer, or raises
a SymgdError (any other exception fails the test).
"""
from __future__ import annotations

import gzip
import os

import numpy as np

CANARY = "CANARY"
TOUCH = "__import__('os').system('touch {C}')"
X4 = "x,y\n1,2\n2,4\n3,6\n4,8\n"


# ---------------------------------------------------------------- file set-ups (run in the parent)

def _write(d: str, name: str, data: bytes | str) -> None:
    with open(os.path.join(d, name), "wb") as fh:
        fh.write(data.encode() if isinstance(data, str) else data)


def evil_target(d):
    _write(d, "evil.csv", f"x,z={TOUCH.format(C=os.path.join(d, CANARY))}\n1,2\n2,4\n3,6\n4,8\n")


def bom(d):
    _write(d, "bom.csv", b"\xef\xbb\xbf" + X4.encode())


def header_only(d):
    _write(d, "h.csv", "x,y\n")


def empty_file(d):
    _write(d, "e.csv", b"")


def dup_header(d):
    _write(d, "dup.csv", "x,y,x\n1,2,3\n2,4,5\n3,6,7\n")


def e_column(d):
    _write(d, "e.csv", "e,y\n1,2\n2,4\n3,6\n")


def underscore_number(d):
    _write(d, "u.csv", "x,y\n1,1_000\n2,2_000\n3,3_000\n")


def garbage(d):
    _write(d, "g.csv", bytes(range(256)) * 40)


def latin1(d):
    _write(d, "l.csv", "x,y\n1,2\n2,\xe94\n".encode("latin-1"))


def corrupt_parquet(d):
    _write(d, "c.parquet", b"PAR1" + os.urandom(300) + b"PAR1")


def fifo(d):
    os.mkfifo(os.path.join(d, "pipe.csv"))


def symlink_loop(d):
    os.symlink("b.csv", os.path.join(d, "a.csv"))
    os.symlink("a.csv", os.path.join(d, "b.csv"))


def big_field(d):
    _write(d, "f.csv", "x,y\n1," + "9" * 200_000 + "\n2,3\n")


def long_line(d):
    with open(os.path.join(d, "line.csv"), "wb") as fh:
        fh.write(b"x,y\n1,")
        fh.write(b"1" * (64 * 2**20))  # a 64 MiB line (the 1 GB, made small enough for CI)
        fh.write(b"\n")


def folder(d):
    os.mkdir(os.path.join(d, "data.csv"))


def nan_cell(d):
    _write(d, "n.csv", "x,y\n1,2\n2,nan\n3,6\n")


def text_cell(d):
    _write(d, "t.csv", "x,y\n1,2\n2,hello\n3,6\n")


def ragged(d):
    _write(d, "r.csv", "x,y\n1,2\n2\n3,6,7\n")


def hive(d):
    os.mkdir(os.path.join(d, "year=2020"))
    _write(os.path.join(d, "year=2020"), "p.csv", X4)


def gz_bomb(d):
    _write(d, "bomb.csv.gz", gzip.compress(b"x,y\n" + b"1,2\n" * 10))


def two_csvs(d):
    _write(d, "a.csv", X4)
    _write(d, "b.csv", X4)


def out_dir(d):
    os.mkdir(os.path.join(d, "out"))


def weird_names(d):
    _write(d, "w.csv", 'x,"y z",\'q\',"a=b",import\n1,2,2,2,1\n2,4,4,4,2\n3,6,6,6,3\n4,8,8,8,4\n')


def nul_bytes(d):
    _write(d, "nul.csv", b"x,y\n1,2\x00\n2,4\n")


# ---------------------------------------------------------------- the CLI corpus

_CODE = [  # code execution attempts in the expression string
    "__import__('os').system('touch {C}')", "x + __import__('os')", "lambda: 1", "exec('1')", "eval('x')",
    "f'{{x}}'", "Function('f')(x)", "Symbol('x')", "S.One + x", "x.__class__", "().__class__.__bases__",
    "getattr(x, 'y')", "open('{C}', 'w')", "x; import os", "\\write18{{touch {C}}}", "\\input{{/etc/passwd}}",
    "x\uff3f\uff3fclass\uff3f\uff3f", "x ＿＿import＿＿", "sin(x)#", "x\\\\system", "`x`", "x if x else y",
    "[x for x in y]", "{{'a': 1}}", "x @ y", "x := 1", "globals()", "breakpoint()", "compile('1','a','exec')",
    "sin(x)); __import__('os').system('touch {C}'", "\\operatorname{{exec}}(x)", "sum(__x[i], i, 0, 3)",
]
# "x if x else y" is a product of five names (implicit multiplication): legitimate, if odd
CLI = [(f"code-{k}", ["grad", text], "any" if "if" in text else "error", None) for k, text in enumerate(_CODE)]
CLI += [(f"code-solve-{k}", ["solve", text], "error", None) for k, text in enumerate(_CODE[:6])]

CLI += [  # names that reach generated code: every fit path
    ("target-exec", ["fit", "a*exp(b*x)", "--data", "evil.csv", "--target", "z=" + TOUCH], ("ok", "a"), "evil_target"),
    ("target-exec-chunked", ["fit", "a*exp(b*x)", "--data", "evil.csv", "--target", "z=" + TOUCH, "--chunk-size", "2"],
     ("ok", "a"), "evil_target"),
    ("target-exec-gd", ["fit", "a + b*x", "--data", "evil.csv", "--target", "z=" + TOUCH, "--method", "gd",
                        "--lr", "0.01", "--steps", "20000"], ("ok", "b"), "evil_target"),
    ("target-exec-sgd", ["fit", "a + b*x", "--data", "evil.csv", "--target", "z=" + TOUCH, "--method", "sgd",
                         "--lr", "0.01", "--epochs", "50", "--batch-size", "2"], ("ok", "b"), "evil_target"),
    ("target-exec-linear", ["fit", "a + b*x", "--data", "evil.csv", "--target", "z=" + TOUCH, "--method", "linear"],
     ("ok", "b"), "evil_target"),
    ("target-exec-gn", ["fit", "a*exp(b*x)", "--data", "evil.csv", "--target", "z=" + TOUCH, "--method",
                        "gauss-newton"], ("ok", "a"), "evil_target"),
    ("target-space", ["fit", "a + b*x", "--data", "w.csv", "--target", "y z"], ("ok", "b"), "weird_names"),
    ("target-quote", ["fit", "a + b*x", "--data", "w.csv", "--target", "'q'"], ("ok", "b"), "weird_names"),
    ("target-eq", ["fit", "a + b*x", "--data", "w.csv", "--target", "a=b"], ("ok", "b"), "weird_names"),
    ("column-keyword", ["fit", "a + b*import", "--data", "w.csv", "--target", "y z"], ("ok", "b"), "weird_names"),
    ("column-n", ["fit", "a + b*n", "--data", "n=linspace(0,1,20); y=1+2*n"], ("ok", "b"), None),
    ("column-lambda", ["fit", "a + b*lambda", "--data", "lambda=linspace(0,1,20); y=1+2*lambda"], ("ok", "b"), None),
    ("column-values", ["fit", "a + b*values", "--data", "values=linspace(0,1,20); y=1+2*values"], ("ok", "b"), None),
    ("param-theta", ["fit", "theta + z*x", "--data", "x=linspace(0,1,20); y=1+2*x"], ("ok", "theta"), None),
    ("param-numpy", ["fit", "numpy + b*x", "--data", "x=linspace(0,1,20); y=1+2*x"], ("ok", "numpy"), None),
    ("param-in", ["fit", "in + b*x", "--data", "x=linspace(0,1,20); y=1+2*x"], ("ok", "b"), None),
    ("param-None-gd", ["fit", "None + b*x", "--data", "x=linspace(0,1,20); y=1+2*x", "--method", "gd", "--lr",
                       "0.02", "--steps", "20000"], ("ok", "None"), None),
    ("param-def-adam", ["fit", "def + b*x", "--data", "x=linspace(0,1,20); y=1+2*x", "--method", "adam",
                        "--steps", "3000", "--lr", "0.05"], ("ok", "def"), None),
    ("param-h0-l0", ["fit", "h0 + l0*x", "--data", "x=linspace(0,1,20); y=1+2*x"], ("ok", "l0"), None),
    ("param-lambda-dask", ["fit", "A*exp(-lambda*x)", "--data", "x=linspace(0,1,20); y=2*exp(-3*x)",
                           "--at", "A=1,lambda=1"], ("ok", "lambda"), None),
]

CLI += [  # data read strictly
    ("bom", ["fit", "a + b*x", "--data", "bom.csv"], ("ok", "b"), "bom"),
    ("bom-chunked", ["fit", "a + b*x", "--data", "bom.csv", "--chunk-size", "2"], ("ok", "b"), "bom"),
    ("header-only", ["fit", "a + b*x", "--data", "h.csv"], "error", "header_only"),
    ("empty-file", ["fit", "a + b*x", "--data", "e.csv"], "error", "empty_file"),
    ("header-only-chunked", ["fit", "a + b*x", "--data", "h.csv", "--chunk-size", "2"], "error", "header_only"),
    ("dup-header", ["fit", "a + b*x", "--data", "dup.csv"], "error", "dup_header"),
    ("dup-header-chunked", ["fit", "a + b*x", "--data", "dup.csv", "--chunk-size", "2"], "error", "dup_header"),
    ("e-column", ["fit", "a + b*e", "--data", "e.csv"], "error", "e_column"),
    ("underscore-number", ["fit", "a + b*x", "--data", "u.csv"], "error", "underscore_number"),
    ("data-empty-string", ["fit", "a + b*x", "--data", ""], "error", "two_csvs"),
    ("data-missing", ["fit", "a + b*x", "--data", "nope.csv"], "error", None),
    ("data-glob-none", ["fit", "a + b*x", "--data", "*.nothing"], "error", None),
    ("garbage", ["fit", "a + b*x", "--data", "g.csv"], "error", "garbage"),
    ("latin1", ["fit", "a + b*x", "--data", "l.csv"], "error", "latin1"),
    ("nul-bytes", ["fit", "a + b*x", "--data", "nul.csv"], "error", "nul_bytes"),
    ("corrupt-parquet", ["fit", "a + b*x", "--data", "c.parquet"], "error", "corrupt_parquet"),
    ("fifo", ["fit", "a + b*x", "--data", "pipe.csv"], "error", "fifo"),
    ("symlink-loop", ["fit", "a + b*x", "--data", "a.csv"], "error", "symlink_loop"),
    ("big-field", ["fit", "a + b*x", "--data", "f.csv"], "error", "big_field"),
    ("long-line", ["fit", "a + b*x", "--data", "line.csv"], "error", "long_line"),
    ("dev-zero", ["fit", "a + b*x", "--data", "/dev/zero"], "error", None),
    ("dev-null", ["fit", "a + b*x", "--data", "/dev/null"], "error", None),
    ("proc-file", ["fit", "a + b*x", "--data", "/proc/self/status"], "error", None),
    ("folder", ["fit", "a + b*x", "--data", "data.csv"], "error", "folder"),
    ("nan-cell", ["fit", "a + b*x", "--data", "n.csv"], "error", "nan_cell"),
    ("text-cell", ["fit", "a + b*x", "--data", "t.csv"], "error", "text_cell"),
    ("ragged", ["fit", "a + b*x", "--data", "r.csv"], "error", "ragged"),
    ("hive-path", ["fit", "a + b*x", "--data", "year=2020/p.csv"], ("ok", "b"), "hive"),
    ("target-missing", ["fit", "a + b*x", "--data", "bom.csv", "--target", "nothing"], "error", "bom"),
    ("target-formula", ["fit", "a + b*x", "--data", "bom.csv", "--target", "2*y"], ("ok", "b"), "bom"),
    ("target-exec-formula", ["fit", "a + b*x", "--data", "bom.csv", "--target", TOUCH], "error", "bom"),
    ("columns-dup", ["fit", "a + b*x", "--data", "bom.csv", "--columns", "x,x"], "error", "bom"),
    ("gen-linspace-huge", ["fit", "a + b*x", "--data", "x=linspace(0,1,10^10); y=x"], "error", None),
    ("gen-arange-huge", ["fit", "a + b*x", "--data", "x=arange(0,2^62); y=x"], "error", None),
    ("gen-arange-zero-step", ["fit", "a + b*x", "--data", "x=arange(0,1,0); y=x"], "error", None),
    ("gen-normal-neg", ["fit", "a + b*x", "--data", "x=normal(0,-1,10); y=x"], "error", None),
    ("gen-uniform-backwards", ["fit", "a + b*x", "--data", "x=uniform(1,0,10); y=x"], "error", None),
    ("gen-seed-neg", ["fit", "a + b*x", "--data", "x=uniform(0,1,10,seed=-1); y=x"], "error", None),
    ("gen-exec", ["fit", "a + b*x", "--data", "x=" + TOUCH], "error", None),
]

CLI += [  # fit options
    ("epochs-neg", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "sgd", "--epochs", "-1"],
     "error", None),
    ("steps-zero", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "gd", "--steps", "0"],
     "error", None),
    ("batch-zero", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "sgd", "--batch-size", "0"],
     "error", None),
    ("chunk-neg", ["fit", "a + b*x", "--data", "bom.csv", "--chunk-size", "-5"], "error", "bom"),
    ("fit-seed-neg", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "sgd", "--seed", "-1"],
     "error", None),
    ("hyper-unknown", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "gd", "--hyper", "foo=1"],
     "error", None),
    ("hyper-x0", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "gd", "--hyper", "x0=1"],
     "error", None),
    ("fit-lr-zero", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "gd", "--lr", "0"],
     "error", None),
    ("fit-lr-nan", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "gd", "--lr", "nan"],
     "error", None),
    ("fit-method-unknown", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--method", "magic"], "error", None),
    ("fit-at-unknown", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--at", "zz=1"], "error", None),
    ("fit-at-column", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--at", "x=1"], "error", None),
    ("fit-huber-neg", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--loss", "huber", "--huber-delta",
                       "-1"], "error", None),
    ("fit-loss-exec", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--loss", TOUCH], "error", None),
    ("fit-bounds-bad", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--bounds", "a=2:1"], "error", None),
    ("fit-no-params", ["fit", "2*x", "--data", "x=linspace(0,1,20); y=x"], "error", None),
    ("fit-plot-ext", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--plot", "loss.xyz"], "error", None),
    ("fit-scheduler-unreachable", ["fit", "a + b*x", "--data", "x=linspace(0,1,20); y=x", "--engine", "dask",
                                   "--scheduler", "tcp://127.0.0.1:9"], "error", None),
]

CLI += [  # constants and domains
    ("complex-cbrt", ["grad", "x^2 + (-8)^(1/3)"], "error", None),
    ("complex-root4", ["grad", "∜(-16) + x"], "error", None),
    ("huge-float", ["grad", "1e999999999*x"], "error", None),
    ("log-base0", ["grad", "log(x, 0)"], "error", None),
    ("log-sub0", ["grad", "log_0 x"], "error", None),
    ("log-base1", ["grad", "log(x, 1)"], "error", None),
    ("zoo", ["grad", "x + 1/0"], "error", None),
    ("nan-const", ["grad", "x + 0/0"], "error", None),
    ("log-at-0", ["grad", "log(x)", "--at", "x=0"], "error", None),
    ("inv-at-0", ["grad", "1/x", "--at", "x=0"], "error", None),
    ("sqrt-at-0", ["grad", "sqrt(x)", "--at", "x=0"], "error", None),
    ("pow-half-neg", ["grad", "x^0.5", "--at", "x=-1"], "error", None),
    ("graph-log-0", ["graph", "log(x)", "--at", "x=0"], "error", None),
    ("solve-log-start-0", ["solve", "log(x)^2", "--at", "x=0"], "error", None),
    ("tower-grad", ["grad", "x^x^x^x^x", "--at", "x=3"], "error", None),
    ("tower-graph", ["graph", "x^x^x^x^x^x", "--at", "x=2"], "error", None),
    ("digits-5000", ["grad", "x^" + "9" * 5000], "error", None),
    ("at-huge", ["grad", "x^2", "--at", "x=1e999"], "error", None),
    ("at-nan", ["grad", "x^2", "--at", "x=nan"], "error", None),
    ("grad-ok", ["grad", "x^2*y", "--at", "x=1,y=3"], ("ok", "6"), None),
]

CLI += [  # sizes against the memory budget
    ("size-huge", ["solve", "sum(x[i]^2, i, 0, n-1)", "--size", "n=10^12"], "error", None),
    ("size-3gb", ["solve", "sum(x[i]^2, i, 0, n-1)", "--size", "n=200000000"], "error", None),
    ("size-zero", ["solve", "sum(x[i]^2, i, 0, n-1)", "--size", "n=0"], "error", None),
    ("size-neg", ["solve", "sum(x[i]^2, i, 0, n-1)", "--size", "n=-3"], "error", None),
    ("size-frac", ["solve", "sum(x[i]^2, i, 0, n-1)", "--size", "n=2.5"], "error", None),
    ("bound-literal", ["solve", "sum(x[i]^2, i, 0, 10^12)"], "error", None),
    ("index-huge", ["solve", "x[10^100]^2"], "error", None),
    ("index-neg", ["grad", "x[-1]^2"], "error", None),
    ("starts-huge", ["solve", "x^2", "--starts", "1000000000"], "error", None),
    ("starts-zero", ["solve", "x^2", "--starts", "0"], "error", None),
    ("record-huge", ["solve", "x^2+y^2", "--steps", "10000000", "--record-every", "1"], "error", None),
    ("record-zero", ["solve", "x^2", "--record-every", "0"], "error", None),
    ("steps-neg", ["solve", "x^2", "--steps", "-1"], "error", None),
    ("solve-seed-neg", ["solve", "x^2", "--starts", "3", "--seed", "-1"], "error", None),
    ("box-huge", ["solve", "x^2", "--starts", "3", "--box", "x=-1e308:1e308"], "error", None),
    ("box-backwards", ["solve", "x^2", "--starts", "3", "--box", "x=1:-1"], "error", None),
    ("lr-zero", ["solve", "x^2", "--lr", "0"], "error", None),
    ("lr-neg", ["solve", "x^2", "--lr", "-1"], "error", None),
    ("lr-inf", ["solve", "x^2", "--lr", "inf"], "error", None),
    ("tol-neg", ["solve", "x^2", "--tol", "-1"], "error", None),
    ("momentum-bad", ["solve", "x^2", "--optimizer", "momentum", "--momentum", "2"], "error", None),
    ("betas-bad", ["solve", "x^2", "--optimizer", "adam", "--betas", "1,2"], "error", None),
    ("betas-text", ["solve", "x^2", "--optimizer", "adam", "--betas", "a,b"], "error", None),
]

_MANY = "+".join(f"x{k}" for k in range(12_000))
CLI += [  # costs bounded
    ("names-12000-parse", ["parse", _MANY], "any", None),
    ("names-10000-grad", ["grad", "+".join(f"x{k}" for k in range(10_000))], "any", None),
    ("steps-product-200", ["steps", "*".join(f"x{k}" for k in range(200)), "--wrt", "x0"], "any", None),
    ("steps-sum-300", ["steps", "+".join(f"sin(x{k}*y{k})" for k in range(300)), "--wrt", "x0"], "any", None),
    ("steps-pow-500", ["steps", "(x+y+z)^500", "--wrt", "x"], "any", None),
    ("check-product-200", ["check", "*".join(f"x{k}" for k in range(200)), "--wrt", "x0", "--answer", "1"],
     "any", None),
    ("steps-sin-huge-pow", ["steps", "sin(x)^(10^10)", "--wrt", "x"], "any", None),
    ("steps-indexed", ["steps", "sum(x[i]^2,i,0,n)"], "any", None),
    ("newton-abs", ["solve", "abs(x)", "--optimizer", "newton"], "any", None),
    ("numba-product-200", ["solve", "*".join(f"x{k}" for k in range(200)), "--backend", "numba", "--steps", "10"],
     "any", None),
    ("deep-parens", ["grad", "(" * 5000 + "x" + ")" * 5000], "error", None),
    ("long-input", ["grad", "x+" * 200_000 + "x"], "error", None),
]

CLI += [  # errors that escaped the one handler, and plain CLI bugs
    ("device-cuda99", ["solve", "x^2", "--backend", "torch", "--device", "cuda:99"], "error", None),
    ("device-nonsense", ["solve", "x^2", "--backend", "torch", "--device", "nonsense"], "error", None),
    ("device-meta", ["solve", "x^2", "--backend", "torch", "--device", "meta"], "error", None),
    ("graph-out-missing", ["graph", "x^2", "--at", "x=1", "--output", "missing/dir/g.txt"], "error", None),
    ("graph-out-folder", ["graph", "x^2", "--at", "x=1", "--output", "out"], "error", "out_dir"),
    ("graph-out-proc", ["graph", "x^2", "--at", "x=1", "--output", "/proc/version"], "error", None),
    ("plot-ext", ["solve", "x^2", "--plot", "p.nonsense"], "error", None),
    ("grad-wrt-at", ["grad", "x^2*y", "--wrt", "x", "--at", "x=1,y=3"], ("ok", "6"), None),
    ("grad-at-unknown", ["grad", "x^2", "--at", "x=1,z=3"], "error", None),
    ("graph-at-unknown", ["graph", "x^2", "--at", "x=1,z=3"], "error", None),
    ("solve-at-unknown", ["solve", "x^2", "--at", "x=1,z=3"], "error", None),
    ("grad-at-missing", ["grad", "x*y", "--at", "x=1"], "error", None),
    ("at-10000", ["grad", "x^2", "--at", ",".join(f"v{k}=1" for k in range(10_000))], "error", None),
    ("neg-expr", ["grad", "-x^2"], ("ok", "−2x"), None),  # Unicode minus: text output is math
    ("neg-expr-sin", ["grad", "-sin(x)"], ("ok", "cos"), None),
    ("wrt-unknown", ["grad", "x^2", "--wrt", "q"], "error", None),
    ("wrt-exec", ["grad", "x^2", "--wrt", TOUCH], "error", None),
    ("at-exec", ["grad", "x^2", "--at", "x=" + TOUCH], "error", None),
    ("depth-neg", ["graph", "x^2", "--at", "x=1", "--depth", "-1"], "error", None),
    ("unknown-command", ["frobnicate", "x"], "error", None),
    ("no-args", [], "error", None),
    ("empty-expr", ["grad", ""], "error", None),
    ("blank-expr", ["grad", "   "], "error", None),
    ("backend-unknown", ["compile", "x^2", "--backend", "fortran"], "error", None),
    ("format-unknown", ["grad", "x^2", "--format", "exe"], "error", None),
    ("unbounded-below", ["solve", "x^3", "--at", "x=-1"], "any", None),
    ("nul-in-expr", ["grad", "x\x00+1"], "error", None),
    ("surrogate", ["grad", "x+\udcff"], "error", None),
    ("rtl-override", ["grad", "x+\u202ey"], "error", None),
]


# ---------------------------------------------------------------- library cases (run in the child)

def _fit(*args, **kwargs):
    import symgd
    return symgd.fit(*args, **kwargs)


def lib_fit_target_exec(d):
    name = "z=" + TOUCH.format(C=os.path.join(d, CANARY))
    x = np.linspace(0.1, 2, 20)
    r = _fit("a*exp(b*x)", {"x": x, name: 3 * np.exp(0.5 * x)}, target=name)
    assert abs(r.params["a"] - 3) < 1e-6 and abs(r.params["b"] - 0.5) < 1e-6, r.params
    return r.params


def lib_fit_hostile_columns(d):
    """Columns and parameters with keyword, builtin and generated-code names, on every method."""
    x = np.linspace(-1, 1, 30)
    for col, p1, p2 in [("n", "theta", "values"), ("lambda", "None", "make"), ("hoist", "h0", "l0"),
                        ("d_a", "in", "numpy"), ("f0", "F0", "steps")]:
        for method, kw in [("lm", {}), ("gauss-newton", {}), ("linear", {}), ("gd", {"lr": 0.01, "steps": 5000}),
                           ("adam", {"lr": 0.05, "steps": 4000}), ("sgd", {"lr": 0.05, "epochs": 200, "batch_size": 8})]:
            r = _fit(f"{p1} + {p2}*{col}", {col: x, "y": 1 + 2 * x}, target="y", method=method, **kw)
            assert abs(r.params[p1] - 1) < 1e-2 and abs(r.params[p2] - 2) < 1e-2, (col, method, r.params)
    return "ok"


def lib_fit_hostile_chunked(d):
    """The out-of-core path (chunks of 7 rows) with a code-string target and keyword names."""
    name = "z=" + TOUCH.format(C=os.path.join(d, CANARY))
    x = np.linspace(-1, 1, 30)
    for method, kw in [("lm", {}), ("gd", {"lr": 0.01, "steps": 5000})]:
        r = _fit("None + lambda*in", {"in": x, name: 1 + 2 * x}, target=name, method=method, chunk_size=7, **kw)
        assert abs(r.params["None"] - 1) < 1e-3 and abs(r.params["lambda"] - 2) < 1e-3, (method, r.params)
    return "ok"


def lib_fit_empty(d):
    return _fit("a + b*x", {"x": [], "y": []})


def lib_fit_ragged(d):
    return _fit("a + b*x", {"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0]})


def lib_fit_nan(d):
    return _fit("a + b*x", {"x": [1.0, 2.0, 3.0], "y": [1.0, float("nan"), 3.0]})


def lib_fit_text(d):
    return _fit("a + b*x", {"x": ["1", "2", "3"], "y": [1.0, 2.0, 3.0]})


def lib_fit_2d(d):
    return _fit("a + b*x", {"x": np.ones((3, 2)), "y": np.ones(3)})


def lib_fit_object(d):
    return _fit("a + b*x", {"x": [object()] * 3, "y": [1.0, 2.0, 3.0]})


def lib_fit_target_nothing(d):
    return _fit("a + b*x", {"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]}, target="nothing")


def lib_fit_e_column(d):
    return _fit("a + b*e", {"e": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]})


def lib_parse_exec(d):
    import symgd
    return symgd.parse(TOUCH.format(C=os.path.join(d, CANARY)))


def lib_parse_complex(d):
    import symgd
    return symgd.parse("x + (-8)^(1/3)")


def lib_compile_hostile_names(d):
    """Keywords, builtins and generated-code names as variables on every backend (checked against
    sympy.diff)."""
    import sympy
    import symgd
    text = "(lambda - 1)^2 + (None - 2)^2*theta + d_a*n + sin(values)*hist"
    expr = symgd.parse(text)
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    point = [0.3 + 0.2 * k for k in range(len(syms))]
    want = [float(sympy.diff(expr, s).subs(dict(zip(syms, point)))) for s in syms]
    for backend in ("python", "numpy", "numba", "auto"):
        c = symgd.compile(text, backend=backend)
        got = [float(g) for g in c.grad(*point)]
        assert np.allclose(got, want, rtol=1e-12), (backend, got, want)
    return "ok"


def lib_minimize_hostile_names(d):
    import symgd
    r = symgd.minimize("(lambda - 1)^2 + (steps - 2)^2 + (loop + 1)^2 + (d_lambda - 3)^2", lr=0.1, steps=5000)
    assert r.converged and abs(r.x["d_lambda"] - 3) < 1e-6 and abs(r.x["lambda"] - 1) < 1e-6, r.x
    return r.x


def lib_indexed_hostile_names(d):
    import symgd
    for backend in ("numpy", "numba"):
        c = symgd.compile("sum((lambda[i] - in)^2, i, 0, n-1)", backend=backend)
        value, grads = c.value_and_grad(2.0, np.arange(4.0))
        names = [v.name for v in c.variables]
        assert names == ["in", "lambda"], names
        assert abs(float(value) - float(((np.arange(4.0) - 2) ** 2).sum())) < 1e-12
        assert np.allclose(grads[1], 2 * (np.arange(4.0) - 2))
    return "ok"


def lib_compile_crafted_symbol(d):
    """A SymPy Symbol named like code, left out of wrt: refused (it used to be printed into the body)."""
    import sympy
    import symgd
    evil = sympy.Symbol(f"open({os.path.join(d, CANARY)!r}, 'w')")
    return symgd.compile(evil * sympy.Symbol("y"), wrt="y").value(1.0)


def lib_minimize_lr_zero(d):
    import symgd
    return symgd.minimize("x^2", lr=0.0)


def lib_minimize_steps_huge_record(d):
    import symgd
    return symgd.minimize("x^2+y^2", steps=10_000_000, record_every=1)


def lib_gradient_at_zero_log(d):
    import symgd
    return symgd.graph("log(x)", at={"x": 0.0})


def lib_compile_unknown_backend(d):
    import symgd
    return symgd.compile("x^2", backend="fortran")


def lib_compile_size_huge(d):
    import symgd
    c = symgd.compile("sum(x[i]^2, i, 0, n-1)", sizes={"n": 10**12})
    return c.value(np.zeros(3))


def runner_probe_memory(d):
    return np.ones(400_000_000).sum()  # 3.2 GB: over the runner's limit


def runner_probe_cpu(d):
    while True:
        pass


LIBRARY = [name for name in list(globals()) if name.startswith("lib_")]
