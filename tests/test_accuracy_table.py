"""The accuracy table (issue 14): every function of the language on every backend, value and gradient,
against mpmath at 30 digits over the float64 range (cases and oracle in tests/accuracy_cases.py)."""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import warnings

import numpy as np
import pytest

import symgd
from accuracy_cases import (BINARY, FLOOR, FLOOR32, PAIRS, POINTS, POW_PAIRS, REL, REL32, STRUCTURAL, UNARY,
                            as_floats, expected, mismatches)
from symgd.errors import CompileError
from symgd.parse.functions import FUNCTIONS

CASES = UNARY + BINARY
BACKENDS = ["python", "numpy", "numba", "torch", "jax"]
SCALAR = {"python", "numba"}  # backends taking one point per call


def _points(name: str) -> list:
    return POW_PAIRS if name == "pow" else PAIRS if name in dict(BINARY) else POINTS


@functools.cache
def _truth(name: str, points: tuple | None = None):
    pts = list(points) if points is not None else _points(name)
    return pts, *expected(dict(CASES)[name], pts)


def _compiled(text: str, backend: str, **kw):
    if importlib.util.find_spec(backend if backend != "python" else "math") is None:
        pytest.skip(f"{backend} is not installed")
    try:
        return symgd.compile(text, backend=backend, **kw)
    except CompileError as exc:
        if backend == "jax" and "backend" in str(exc):
            pytest.skip(f"the jax backend is not available: {exc}")
        raise


def test_table_covers_every_function():
    """A function added to the language enters the table (or is named structural, with a reason)."""
    assert set(FUNCTIONS) - STRUCTURAL <= {n for n, _ in CASES} | {"pow"}


def _float64(backend: str):
    """jax computes in float32 unless its 64-bit mode is on: on for this test only."""
    if backend != "jax" or importlib.util.find_spec("jax") is None:
        return contextlib.nullcontext()
    import jax
    return jax.enable_x64(True)


def _scalar_run(c, pts, nvar):
    """Value and gradient point by point; an exception counts as no result (None)."""
    vals, grads = [], []
    for p in pts:
        p = p if isinstance(p, tuple) else (p,)
        try:
            vals.append(float(c.value(*p)))
        except (ValueError, OverflowError, ZeroDivisionError):
            vals.append(None)
        try:
            g = c.grad(*p)
            grads.append([float(v) for v in (g if isinstance(g, (tuple, list)) else (g,))])
        except (ValueError, OverflowError, ZeroDivisionError):
            grads.append([None] * nvar)
    return vals, grads


def _vector_run(c, backend, pts, nvar, dtype=None):
    """Value and gradient at all points in one call of a vectorised backend."""
    cols = list(zip(*[p if isinstance(p, tuple) else (p,) for p in pts]))
    if backend == "torch":
        import torch
        args = [torch.tensor(col, dtype=dtype or torch.float64) for col in cols]
    elif backend == "jax":
        import jax.numpy as jnp
        args = [jnp.asarray(np.array(col), dtype=dtype or jnp.float64) for col in cols]
    else:
        args = [np.array(col, dtype=float) for col in cols]
    with np.errstate(all="ignore"):
        v, g = c.value(*args), c.grad(*args)
    g = g if isinstance(g, (tuple, list)) else (g,)
    gs = [as_floats(x, len(pts)) for x in g]
    return as_floats(v, len(pts)), [list(t) for t in zip(*gs)]


def _check(pts, want_v, want_g, vals, grads, scalar: bool, rel=REL, floor=FLOOR) -> list[str]:
    bad = mismatches(vals, want_v, rel, floor)
    for k in range(len(want_g[0]) if want_g else 0):
        got = [g[k] for g in grads]
        want = [w[k] for w in want_g]
        if scalar:  # a scalar call returns the whole gradient or raises: where another component is not
            # finite (the gradient of x^y at x -> 0 for y < 1), raising is the right answer
            want = [w if all(c is not None for c in row) else None for w, row in zip(want, want_g)]
        bad += [f"d{k} {s}" for s in mismatches(got, want, rel, floor)]
    return [f"{s} at {pts[int(s.split('#')[1].split(':')[0])]}" for s in bad]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", [n for n, _ in CASES])
def test_accuracy_float64(name, backend):
    """Value and gradient agree with mpmath to 1e-12 relative (floor 1e-306) wherever they are finite."""
    pts, want_v, want_g = _truth(name)
    assert sum(w is not None for w in want_v) >= 5, "the oracle has too few finite points to test"
    nvar = len(want_g[0])
    with _float64(backend), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings at points whose true value is not finite
        c = _compiled(dict(CASES)[name], backend)
        if backend in SCALAR:
            vals, grads = _scalar_run(c, pts, nvar)
        else:
            vals, grads = _vector_run(c, backend, pts, nvar)
    bad = _check(pts, want_v, want_g, vals, grads, backend in SCALAR)
    assert not bad, f"{name} on {backend}: " + "; ".join(bad[:6])


_F32_POINTS = (-1e30, -1e19, -89.0, -88.0, -20.0, -0.999, -0.5, -1e-8, -1e-30, 0.0, 1e-30, 1e-8, 0.5, 0.999,
               1.001, 2.0, 20.0, 88.0, 89.0, 1e19, 1e30)
_F32 = ["tanh", "sech", "csch", "coth", "asinh", "acsch", "asin", "acos", "atanh", "acoth", "asech", "asec",
        "sigmoid", "softplus", "exp", "log"]


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("name", _F32)
def test_accuracy_float32(name, backend):
    """The stable forms hold in float32 to float32 precision (points representable in float32)."""
    pts = tuple(float(np.float32(p)) for p in _F32_POINTS)
    pts, want_v, want_g = _truth(name, pts)
    want_v = [None if w is None or abs(w) > 3e38 else w for w in want_v]
    want_g = [[None if w is None or abs(w) > 3e38 else w for w in row] for row in want_g]
    if backend == "torch":
        import torch
        dtype = torch.float32
    else:
        jnp = pytest.importorskip("jax.numpy")
        dtype = jnp.float32
    c = _compiled(dict(CASES)[name], backend, dtype=dtype)
    vals, grads = _vector_run(c, backend, pts, 1, dtype)
    bad = _check(pts, want_v, want_g, vals, grads, False, REL32, FLOOR32)
    assert not bad, f"{name} on {backend} float32: " + "; ".join(bad[:6])


def test_fit_power_law_with_zero_in_data_matches_scipy():
    """a*x^b with x = 0 among the data: the y-derivative's limit 0 there lets LM fit as scipy does."""
    curve_fit = pytest.importorskip("scipy.optimize").curve_fit
    x = np.array([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
    noise = np.array([0.01, -0.02, 0.03, 0.0, -0.01, 0.02, -0.03, 0.01])
    y = 2.5 * x ** 1.7 + noise
    res = symgd.fit("a*x^b", {"x": x, "y": y}, x0={"a": 1.0, "b": 1.0})
    ref, _ = curve_fit(lambda x, a, b: a * x ** b, x, y, p0=[1.0, 1.0])
    assert res.converged
    np.testing.assert_allclose([res.params["a"], res.params["b"]], ref, rtol=1e-6)


@pytest.mark.parametrize("backend", ["python", "numpy", "numba", "torch"])
def test_pow_y_derivative_at_zero_base_is_zero(backend):
    """∂(x^y)/∂y at x = 0 is the limit 0 (y > 0) on every backend, as torch's autograd defines it."""
    c = _compiled("x^y", backend)
    if backend in SCALAR:
        grads = [c.grad(0.0, y) for y in (1.0, 2.0, 3.0)]
    else:
        _, grads = _vector_run(c, backend, [(0.0, y) for y in (1.0, 2.0, 3.0)], 2)
    assert [float(g[1]) for g in grads] == [0.0, 0.0, 0.0]
