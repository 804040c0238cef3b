"""Indexed logsumexp (``logsumexp(u, i, a, b)``): the maximum shifted out in the vector
code (numpy, torch) and the scalar loops (numba).

Oracles: mpmath at 60 digits (no overflow) for the value and the softmax gradient, and torch.logsumexp
under autograd for compound expressions.
"""
from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy

import symgd
from symgd.calculus.indexed import analyse, shift_logsumexp

VECTORS = [[1.0, 2.0, 3.0], [1000.0, 1000.0], [-1000.0, -1001.0, 5.0], [-800.0, -805.0, -900.0],
           [710.0, -710.0, 0.0, 1e-20], [7.0]]


def _mp_logsumexp(xs):
    with mpmath.workdps(60):
        total = mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in xs)
        return mpmath.log(total), [mpmath.exp(mpmath.mpf(v)) / total for v in xs]


def _compiled(text: str, backend: str):
    if backend in ("torch", "numba"):
        pytest.importorskip(backend)
    return symgd.compile(text, backend=backend)


@pytest.mark.parametrize("backend", ["numpy", "torch", "numba"])
@pytest.mark.parametrize("xs", VECTORS, ids=str)
def test_indexed_logsumexp_against_mpmath(xs, backend):
    c = _compiled("logsumexp(x[i], i, 0, n-1)", backend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning
        value, (grad,) = c.value_and_grad(np.array(xs))
    want, want_grad = _mp_logsumexp(xs)
    assert math.isclose(float(value), float(want), rel_tol=1e-14, abs_tol=1e-300)
    for g, w in zip(np.asarray(grad, dtype=float), want_grad):
        assert math.isclose(g, float(w), rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("backend", ["numpy", "torch", "numba"])
@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_compound_indexed_logsumexp_against_torch_autograd(backend, scale):
    torch = pytest.importorskip("torch")
    text = "logsumexp(x[i], i, 0, n-1) - x[0]^2 + logsumexp(2*a*x[i+1], i, 0, n-2)"
    c = _compiled(text, backend)
    rng = np.random.default_rng(3)
    xs, a = rng.normal(size=6) * scale, -0.7
    value, (ga, gx) = c.value_and_grad(a, xs)
    x = torch.tensor(xs, requires_grad=True)
    at = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    f = torch.logsumexp(x, 0) - x[0] ** 2 + torch.logsumexp(2 * at * x[1:], 0)
    f.backward()
    assert math.isclose(float(value), f.item(), rel_tol=1e-13)
    assert math.isclose(float(ga), at.grad.item(), rel_tol=1e-11)
    np.testing.assert_allclose(np.asarray(gx, dtype=float), x.grad.numpy(), rtol=1e-11, atol=1e-300)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_empty_indexed_logsumexp_is_minus_infinity(backend):
    c = _compiled("logsumexp(x[i], i, 0, n-1)", backend)
    with np.errstate(divide="ignore"):
        assert float(c.value(np.array([]))) == -math.inf  # log of an empty sum, as numpy's own


def test_shift_applies_only_under_log():
    x = sympy.IndexedBase("x")
    i, n = sympy.symbols("i n", integer=True)
    plain = analyse(sympy.Sum(sympy.exp(x[i]), (i, 0, n - 1)))
    assert shift_logsumexp(plain) == plain  # a plain sum of exps is not a logsumexp
    logged = shift_logsumexp(analyse(sympy.log(sympy.Sum(sympy.exp(x[i]), (i, 0, n - 1)))))
    assert logged.sums[0].shift is not None and logged.outer.has(logged.sums[0].shift)


def test_indexed_logsumexp_symbolic_gradient_is_softmax():
    g = symgd.gradient("logsumexp(x[i], i, 0, n-1)")
    text = str(g)
    assert "exp" in text and "Sum" in text and "_m" not in text  # the user's form, not the shifted one
