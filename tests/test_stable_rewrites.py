"""Stable rewrites (symgd.calculus.stable): each rule's compiled value and gradient against mpmath.

The oracle is the user's own form and its sympy.diff, evaluated by mpmath at 60 or more digits (mpmath's
exponent range has no overflow), so the tests hold the stable forms to the textbook ones.
"""
from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy
from sympy.codegen.cfunctions import expm1, log1p

import symgd
from symgd.calculus.stable import stabilize

BACKENDS = ["python", "numpy", "torch", "numba", "jax"]

WIDE = [-1e300, -800.0, -709.8, -30.0, -1.0, 0.0, 1e-20, 1.0, 30.0, 709.8, 800.0, 1e300]

# (text, points, the functions the stable form must use)
CASES = {
    "sigmoid": ("sigmoid(x)", WIDE, (log1p,)),
    "sigmoid_as_written": ("exp(x)/(1 + exp(x))", WIDE, (log1p,)),
    "sigmoid_reciprocal": ("1/(1 + exp(-x))", WIDE, (log1p,)),
    "sigmoid_derivative_as_written": ("exp(x)/(1 + exp(x))^2", WIDE, (sympy.sech,)),
    "sigmoid_cubed_over": ("y*exp(-x)/(1 + exp(-x))^3", [(-800.0, 2.0), (800.0, 2.0), (0.5, -1.0), (-30.0, 1.0)],
                           (log1p,)),
    "softplus": ("softplus(x)", WIDE, (log1p,)),
    "softplus_as_written": ("log(exp(x) + 1)", WIDE, (log1p,)),
    "log_sigmoid": ("log(sigmoid(x))", WIDE, (log1p,)),
    "log_sigmoid_quotient": ("log(exp(x)/(1 + exp(x)))", WIDE, (log1p,)),
    "one_minus_sigmoid": ("1 - sigmoid(x)", WIDE, (log1p,)),
    "log_one_minus_sigmoid": ("log(1 - sigmoid(x))", WIDE, (log1p,)),
    "cross_entropy": ("-(y*log(sigmoid(x)) + (1 - y)*log(1 - sigmoid(x)))",
                      [(800.0, 0.0), (-800.0, 1.0), (30.0, 0.25), (-709.8, 0.5), (0.0, 1.0)], (log1p,)),
    "log1p": ("log(1 + x)", [1e-20, -1e-300, 1e-8, -0.5, 3.0, 1e300], (log1p,)),
    "expm1": ("exp(x) - 1", [1e-20, -1e-300, 1e-8, -5.0, -800.0, 700.0], (expm1,)),
    "expm1_in_sum": ("exp(x) - 1 + x^2", [1e-20, 1e-8, -3.0], (expm1,)),
    "logsumexp2": ("logsumexp(x, y)", [(1000.0, 1000.0), (-1000.0, 5.0), (0.0, -50.0), (1e300, 1e300),
                                        (-800.0, -800.5)], (log1p,)),
    "logsumexp3": ("logsumexp(x, y, z)", [(1000.0, 999.0, -1e300), (-800.0, -801.0, -802.0),
                                           (0.0, 0.0, 0.0), (3.0, -2.0, 1.0)], (sympy.Max,)),
    "lse_as_written": ("log(exp(x) + 2*exp(y) + exp(x*y))", [(1000.0, 1.0), (-900.0, 0.5), (2.0, 3.0)],
                       (sympy.Max,)),
    "softplus_of_product": ("softplus(x*y) + sigmoid(x - y)", [(800.0, 2.0), (-800.0, 2.0), (0.5, -0.25)],
                            (log1p,)),
}


def _mp(expr: sympy.Expr, variables, point) -> tuple:
    """mpmath value and gradient of the user's form at ``point``: 60 digits plus what cancellation of
    e^|x| against 1 costs (e.g. 1 - e^800/(1 + e^800)); past |x| = 1e5 such terms round to exact 0 or 1."""
    digits = 60 + int(max((abs(v) for v in point if abs(v) < 1e5), default=0))
    with mpmath.workdps(digits):
        args = [mpmath.mpf(v) for v in point]
        value = sympy.lambdify(variables, expr, "mpmath")(*args)
        far = any(abs(v) >= 1e5 for v in point)  # simplified: e^x/(1 + e^x)^2, not 1/(..) - 1/(..)^2
        grad = [sympy.lambdify(variables, sympy.simplify(sympy.diff(expr, v)) if far else sympy.diff(expr, v),
                               "mpmath")(*args) for v in variables]
    return value, grad


def _agree(got: float, want, what: str) -> None:
    want_f = float(want)
    assert math.isfinite(float(got)), f"{what}: got {got}, true {want_f}"
    if abs(want_f) < 1e-290:  # the true value underflows (or is 0): the float must too
        assert abs(float(got)) < 1e-290, f"{what}: got {got}, true {mpmath.nstr(want, 10)}"
    else:
        assert math.isclose(float(got), want_f, rel_tol=1e-12), f"{what}: got {got!r}, true {want_f!r}"


@pytest.fixture
def x64(backend):
    """jax's 64-bit mode for the jax backend (float32 by default), restored after the test."""
    if backend != "jax":
        yield
        return
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


def _compiled(text: str, backend: str):
    if backend in ("torch", "jax"):
        pytest.importorskip(backend)
    if backend == "numba":
        pytest.importorskip("numba")
    return symgd.compile(text, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_stable_value_and_gradient_against_mpmath(name, backend, x64):
    text, points, _ = CASES[name]
    expr = symgd.parse(text)
    c = _compiled(text, backend)
    variables = [sympy.Symbol(n, real=True) for n in c.variables] if isinstance(c.variables[0], str) \
        else list(c.variables)
    expr = expr.xreplace({s: v for s in expr.free_symbols for v in variables if s.name == v.name})
    for point in points:
        point = point if isinstance(point, tuple) else (point,)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow warning is a failure too
            value, grad = c.value_and_grad(*point)
        want_value, want_grad = _mp(expr, variables, point)
        if not math.isfinite(float(want_value)):
            continue
        _agree(value, want_value, f"{text} at {point}")
        for v, g, w in zip(variables, grad, want_grad):
            _agree(g, w, f"d({text})/d{v} at {point}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_fires(name):
    text, _, uses = CASES[name]
    stable = stabilize(symgd.parse(text))
    assert all(stable.has(f) for f in uses), stable


@pytest.mark.parametrize("name", sorted(CASES))
def test_stable_form_equals_the_original(name):
    # symbolic oracle: the rewrite is an identity (checked numerically at moderate points, 30 digits)
    text, _, _ = CASES[name]
    expr = symgd.parse(text)
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    stable = stabilize(expr)
    for point in [(0.3, 1.7, 2.1), (-0.4, 0.8, 0.05), (4.0, -0.2, 3.0)]:
        at = dict(zip(variables, point))
        assert math.isclose(float(stable.evalf(30, subs=at)), float(expr.evalf(30, subs=at)), rel_tol=1e-14)


@pytest.mark.parametrize("backend", ["python", "numpy", "torch"])
def test_stable_forms_print_everywhere(backend):
    from symgd.codegen.printers import for_code, printer_for
    if backend == "torch":
        pytest.importorskip("torch")
    printer = printer_for(backend)
    for text, _, _ in CASES.values():
        stable = stabilize(symgd.parse(text))
        printed = printer.doprint(for_code(stable))  # log1p/expm1 print as the backend's own
        for f in (log1p, expm1):
            assert stable.has(f) <= (f.__name__ in printed), (backend, printed)


def test_unmatched_forms_are_left_alone():
    x, y = sympy.symbols("x y", real=True)
    for e in (sympy.log(x), sympy.exp(x) + 1, sympy.log(2 + sympy.exp(x) - y), sympy.sin(x) * sympy.exp(y),
              1 / (2 + sympy.exp(x))):
        assert stabilize(e) == e


def test_user_facing_gradient_keeps_the_users_form():
    g = symgd.gradient("softplus(x)")
    assert not any(part.has(log1p, sympy.Max) for part in (g if isinstance(g, tuple) else (g,)))


@pytest.mark.parametrize("text", ["softplus(exp(-z^2))", "sigmoid(exp(z) + z^2)", "logsumexp(exp(-z^2), z)"])
def test_compound_arguments_of_symbols_without_assumptions(text):
    # Abs(exp(-z**2)) of a parsed (complex-capable) z evaluated into re/im parts: a wrong gradient on every
    # backend and a torch failure (found by test_interop_torch's random expressions, seed 12)
    expr = symgd.parse(text)
    (z,) = expr.free_symbols
    want = [float(sympy.diff(expr, z).subs(z, v).evalf(30)) for v in (-0.7, 0.3, 2.0)]
    for backend in ("numpy", "python", "torch"):
        c = symgd.compile(text, backend=backend)
        got = [float(c.grad(v)[0]) for v in (-0.7, 0.3, 2.0)]
        np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=backend)


def test_logsumexp_language_forms():
    e = symgd.parse("logsumexp(x, y)")
    x, y = sorted(e.free_symbols, key=lambda s: s.name)
    assert e == sympy.log(sympy.exp(x) + sympy.exp(y))
    assert symgd.parse("logsumexp(x, y, i, n)").args[0].is_Add  # no vector read: four plain arguments
    indexed = symgd.parse("logsumexp(x[i], i, 0, n-1)")
    assert isinstance(indexed, sympy.log) and indexed.args[0].has(sympy.Sum)


def test_minimize_starts_from_the_sigmoid_tail():
    r = symgd.minimize("(sigmoid(x) - 1)^2", x0={"x": -800.0})
    assert math.isfinite(r.fun) and math.isclose(r.fun, 1.0)  # flat there: true gradient ~ e^-800
    r = symgd.minimize("softplus(-x) + 0.01*x^2", x0={"x": -800.0}, steps=20000, lr=0.5)
    want = float(mpmath.findroot(lambda t: -1 / (1 + mpmath.exp(t)) + 0.02 * t, 3))
    assert math.isclose(r.x["x"], want, rel_tol=1e-6)


def _float32(backend: str):
    """(compiled-function keyword arguments, float -> float32 scalar of the backend, its dtype)."""
    if backend == "torch":
        torch = pytest.importorskip("torch")
        return {"dtype": torch.float32}, lambda v: torch.tensor(v, dtype=torch.float32), torch.float32
    jnp = pytest.importorskip("jax.numpy")
    return {}, lambda v: jnp.float32(v), jnp.float32  # jax computes in float32 by default


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_sigmoid", "logsumexp2", "expm1", "log1p",
                                  "cross_entropy"])
def test_stable_forms_hold_in_float32(name, backend):
    kwargs, f32, dtype = _float32(backend)
    text, points, _ = CASES[name]
    c = symgd.compile(text, backend=backend, **kwargs)
    expr = symgd.parse(text)
    variables = sorted(expr.free_symbols, key=lambda s: s.name)
    for point in points:
        point = point if isinstance(point, tuple) else (point,)
        if any(abs(v) > 3e38 for v in point):
            continue  # not a float32
        value, grad = c.value_and_grad(*(f32(v) for v in point))
        assert value.dtype == dtype
        as32 = tuple(float(np.float32(v)) for v in point)  # the point float32 can hold
        want_value, want_grad = _mp(expr, variables, as32)
        for got, want in [(value, want_value), *zip(grad, want_grad)]:
            got, want = float(got), float(want)
            if abs(want) > 3.4e38:
                continue  # beyond float32: inf is the right answer
            assert math.isfinite(got), (text, point, got, want)
            if abs(want) > 1.2e-38:  # a normal float32: 1e-6 relative
                assert math.isclose(got, want, rel_tol=1e-6), (text, point, got, want)
            else:
                assert abs(got) < 1.2e-37, (text, point, got, want)
