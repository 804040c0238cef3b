"""The other libraries' side of benchmarks/run.py: torch autograd and JAX versions of P1..P5.

Each function returns a zero-argument callable to time (JAX ones also return their compile time).
Written the way each library's documentation recommends (torch.optim.SGD loop, jax.jit + lax.fori_loop).
"""
from __future__ import annotations

import importlib.util
import time
from types import SimpleNamespace

import numpy as np

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_JAX = importlib.util.find_spec("jax") is not None
HAS_NUMBA = importlib.util.find_spec("numba") is not None


def hand_numpy_p4(xv, yv):
    """P4's value and gradient as a careful hand writes them in NumPy: features once, then the matrix form."""
    phi = np.stack([xv**0, xv, xv**2, xv**3], axis=1)

    def value_and_grad(th):
        r = phi @ th - yv
        return r @ r, 2.0 * (r @ phi)
    return value_and_grad


def _torch():
    """torch on one intra-op thread, like NumPy's OpenBLAS in run.py: on this loaded 2-core machine its
    default two threads ran elementwise ops 15-60x slower (bench_data_loops.py), which would flatter symgd."""
    import torch
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    return torch


def t_p1_loop(n, lr):
    torch = _torch()

    def loop():
        p = torch.tensor([0.5, 0.4], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr)
        for _ in range(n):
            opt.zero_grad()
            torch.sin(p[0] ** 2 + p[1] ** 2).backward()
            opt.step()
    return loop


def t_p2_grad():
    torch = _torch()
    p = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)

    def grad():
        p.grad = None
        torch.tanh(torch.log(1 + p[2] * 2 * p[0] / torch.sin(p[1]))).backward()
    return grad


def t_p3_grad(x):
    torch = _torch()
    xt = torch.tensor(x, requires_grad=True)

    def grad():
        xt.grad = None
        (100 * (xt[1:] - xt[:-1] ** 2) ** 2 + (1 - xt[:-1]) ** 2).sum().backward()
    return grad


def t_p4_grad(xv, yv, th):
    torch = _torch()
    xt, yt = torch.from_numpy(xv), torch.from_numpy(yv)
    p = torch.tensor(th, requires_grad=True)

    def grad():
        p.grad = None
        ((p[0] + p[1] * xt + p[2] * xt**2 + p[3] * xt**3 - yt) ** 2).sum().backward()
    return grad


def t_p4_loop(xv, yv, n, lr):
    torch = _torch()
    xt, yt = torch.from_numpy(xv), torch.from_numpy(yv)

    def loop():
        p = torch.zeros(4, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr)
        for _ in range(n):
            opt.zero_grad()
            ((p[0] + p[1] * xt + p[2] * xt**2 + p[3] * xt**3 - yt) ** 2).sum().backward()
            opt.step()
    return loop


def t_p5_grad(X, yv, th):
    torch = _torch()
    xt, yt = torch.from_numpy(X), torch.from_numpy(yv)
    p = torch.tensor(th, requires_grad=True)

    def grad():
        p.grad = None
        (((xt @ p[:2] + p[2] - yt) ** 2) / 2).sum().backward()
    return grad


torch_fns = SimpleNamespace(p1_loop=t_p1_loop, p2_grad=t_p2_grad, p3_grad=t_p3_grad, p4_grad=t_p4_grad,
                            p4_loop=t_p4_loop, p5_grad=t_p5_grad)


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    return jax, jax.numpy


def _compiled(fn, *args):
    """(callable that runs fn and blocks, seconds of the first call: tracing + XLA compile)."""
    t = time.perf_counter()
    out = fn(*args)
    getattr(out, "block_until_ready", lambda: None)()
    first = time.perf_counter() - t

    def run():
        out = fn(*args)
        getattr(out, "block_until_ready", lambda: None)()
    return run, first


def j_p1_loop(steps, lr):
    jax, jnp = _jax()
    g = jax.grad(lambda p: jnp.sin(p[0] ** 2 + p[1] ** 2))
    loop = jax.jit(lambda p: jax.lax.fori_loop(0, steps, lambda i, q: q - lr * g(q), p))
    return _compiled(loop, jnp.array([0.5, 0.4]))


def j_p2_grad():
    jax, jnp = _jax()
    g = jax.jit(jax.grad(lambda p: jnp.tanh(jnp.log(1 + p[2] * 2 * p[0] / jnp.sin(p[1])))))
    return _compiled(g, jnp.array([1.0, 2.0, 3.0]))[0]


def j_p3_grad(x):
    jax, jnp = _jax()
    g = jax.jit(jax.grad(lambda v: jnp.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2)))
    return _compiled(g, jnp.asarray(x))


def _p4_loss(jnp, xv, yv):
    xj, yj = jnp.asarray(xv), jnp.asarray(yv)
    return lambda p: jnp.sum((p[0] + p[1] * xj + p[2] * xj**2 + p[3] * xj**3 - yj) ** 2)


def j_p4_grad(xv, yv, th):
    jax, jnp = _jax()
    vg = jax.jit(jax.value_and_grad(_p4_loss(jnp, xv, yv)))
    run, _ = _compiled(lambda p: vg(p)[1], jnp.asarray(th))
    return run


def j_p4_loop(xv, yv, steps, lr):
    jax, jnp = _jax()
    g = jax.grad(_p4_loss(jnp, xv, yv))
    loop = jax.jit(lambda p: jax.lax.fori_loop(0, steps, lambda i, q: q - lr * g(q), p))
    return _compiled(loop, jnp.zeros(4))


def j_p5_grad(X, yv, th):
    jax, jnp = _jax()
    xj, yj = jnp.asarray(X), jnp.asarray(yv)
    g = jax.jit(jax.grad(lambda p: jnp.sum((xj @ p[:2] + p[2] - yj) ** 2 / 2)))
    return _compiled(g, jnp.asarray(np.asarray(th)))[0]


jax_fns = SimpleNamespace(p1_loop=j_p1_loop, p2_grad=j_p2_grad, p3_grad=j_p3_grad, p4_grad=j_p4_grad,
                          p4_loop=j_p4_loop, p5_grad=j_p5_grad)
