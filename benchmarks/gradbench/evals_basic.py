"""hello, lse and llsq as symgd strings (evals/<name>/README.md in ../shared/gradbench).

Each function is a symgd string that ``symgd.compile`` differentiates and compiles; nothing here
writes a derivative.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import symgd
from backend import Backend, to_float, to_list
from protocol import Eval, Function

HELLO = "x^2"
#: LSE(x) = log Σ exp(x_i): symgd shifts the maximum out itself (docs/numerics.md, stable rewrites).
LSE = "logsumexp(x[i], i, 0, n-1)"


def hello(backend: Backend) -> Eval:
    """square = x², double = its derivative (floats: symgd's python backend)."""
    compiled = symgd.compile(HELLO, backend="python")
    return Eval({"square": Function(_pre_float, compiled.value, float, repeated=False),
                 "double": Function(_pre_float, lambda x: compiled.grad(x)[0], float, repeated=False)})


def _pre_float(data: Any) -> tuple:
    return (float(data),)


def lse(backend: Backend) -> Eval:
    """One compilation for every length (n is read from x's length), warmed up at define."""
    name = backend.pick("numpy")
    holder: dict = {}

    def define() -> None:
        holder["c"] = symgd.compile(LSE, backend=name, device=backend.device if name == "torch" else None)
        warm = backend.array([0.5, -1.0, 2.0], name)
        holder["c"].value(warm), holder["c"].grad(warm)  # numba compiles on the first call

    def pre(data: dict) -> tuple:
        x = np.asarray(data["x"], dtype=np.float64)
        if x.ndim != 1 or not len(x):
            raise ValueError("lse takes x, a nonempty list of numbers")
        return (backend.array(x, name),)

    primal = backend.timed(lambda x: holder["c"].value(x), name)
    gradient = backend.timed(lambda x: holder["c"].grad(x)[0], name)
    return Eval({"primal": Function(pre, primal, to_float), "gradient": Function(pre, gradient, to_list)},
                define)


def _horner(terms: list[str], var: str) -> str:
    text = terms[-1]
    for term in reversed(terms[:-1]):
        text = f"{term} + {var}*({text})"
    return text


def llsq_text(m: int, n: int) -> str:
    """y(x) = ½ Σ_i (sign(t_i) − Σ_j x_j t_iʲ)², t_i = −1 + 2i/(n−1), for x of m entries.

    For numpy and torch, whose indexed sums cannot read x[j] at a fixed j, the polynomial is written in
    scalars x0 … x{m-1}, in a
    two-level Horner form (blocks of ⌈√m⌉ terms in t, then in u = t^block), which keeps the text under
    the parser's nesting limit and costs O(m) operations per i instead of m powers."""
    block = math.isqrt(max(m - 1, 0)) + 1
    blocks = [_horner([f"x{j}" for j in range(b, min(b + block, m))], "t") for b in range(0, m, block)]
    lines = [f"t = -1 + 2*i/{max(n - 1, 1)}", f"u = t^{block}"]
    lines += [f"q{k} = {text}" for k, text in enumerate(blocks)]
    poly = _horner([f"q{k}" for k in range(len(blocks))], "u")
    return "; ".join(lines) + f"; sum((sign(t) - ({poly}))^2, i, 0, {n - 1})/2"


#: y(x) = ½ Σ_i (sign(t_i) − Σ_j x_j t_iʲ)², t_i = −1 + 2i/(n−1) (evals/llsq/README.md); symgd's loops
#: turn t^j over the index j into a running product, as the C++ does.
LLSQ = "sum((sign(-1 + 2*i/(n-1)) - sum(x[j]*(-1 + 2*i/(n-1))^j, j, 0, m-1))^2, i, 0, n-1)/2"


def llsq(backend: Backend) -> Eval:
    """numba loops over the vector x (``LLSQ``); n is in no array's shape, so one compile per n (numba
    keeps one JIT per source text, so a new n costs only the parse and code generation). numpy and
    torch take the scalar Horner form ``llsq_text`` (reductions compile to loops only)."""
    name = backend.pick("numba")
    ev = Eval({}, startup=backend.startup("numba"))

    def pre(data: dict) -> tuple:
        x, n = np.asarray(data["x"], dtype=np.float64), data["n"]
        if x.ndim != 1 or not len(x) or not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError("llsq takes x, a nonempty list of numbers, and n, a whole number >= 1")
        if name == "numba":
            return ev.cache.get(n, lambda: symgd.compile(LLSQ, backend="numba", sizes={"n": n}, wrt=["x"])), x
        c, order = ev.cache.get((len(x), n), lambda: _compile_llsq(len(x), n, name))
        return c, tuple(float(v) for v in x[order]), np.argsort(order)

    def primal(c, args, back=None) -> Any:
        return c.value(args) if name == "numba" else c.value(*args)

    def gradient(c, args, back=None) -> Any:
        if name == "numba":
            return c.grad(args)[0]
        g = c.grad(*args)
        if name == "torch":  # 0-d tensors, maybe on a GPU: float() finishes each inside the timer
            g = [float(v) for v in g]
        return np.asarray(g, dtype=np.float64)[back]

    ev.functions = {"primal": Function(pre, backend.timed(primal, name), to_float),
                    "gradient": Function(pre, backend.timed(gradient, name), to_list)}
    return ev


def _compile_llsq(m: int, n: int, name: str) -> tuple:
    c = symgd.compile(llsq_text(m, n), backend=name)
    return c, np.array([int(v.name[1:]) for v in c.variables])
