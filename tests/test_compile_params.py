"""compile(expr, wrt=...) with parameters (issue 14, point 4): the functions take every free symbol, the
wrt variables first (in wrt's order), then the others sorted by name; gradients for wrt only. Checked
against sympy.diff at 30 digits on every backend."""
import numpy as np
import pytest
import sympy

import symgd
from symgd.errors import CompileError

BACKENDS = ["python", "numpy", "numba", "auto", "torch", "jax"]
EXPR = "A*exp(-k*x)*cos(w*y) + c*x*y"
POINT = {"x": 0.7, "y": -0.4, "A": 2.5, "k": 0.3, "w": 1.7, "c": -0.9}


def _backend(name):
    if name in ("torch", "numba", "jax"):
        pytest.importorskip(name)
    if name == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)  # float64, to compare with sympy at 1e-12
    return name


def _exact(expr, wrt, point):
    """The value and the gradient over ``wrt`` at ``point``, by sympy at 30 digits."""
    syms = {s.name: s for s in expr.free_symbols}
    at = {syms[k]: sympy.Float(v, 30) for k, v in point.items()}
    value = float(expr.subs(at).evalf(30))
    return value, [float(sympy.diff(expr, syms[w]).subs(at).evalf(30)) for w in wrt]


@pytest.fixture(autouse=True)
def _jax_x64():
    """Restore jax's 64-bit mode after a test that turned it on."""
    yield
    import sys
    if "jax" in sys.modules:
        sys.modules["jax"].config.update("jax_enable_x64", False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_parameters_follow_wrt_sorted_by_name(backend):
    c = symgd.compile(EXPR, wrt="y,x", backend=_backend(backend))
    assert [s.name for s in c.variables] == ["y", "x"]
    assert [s.name for s in c.parameters] == ["A", "c", "k", "w"]  # sorted by name (Python's str order)
    assert c.arguments == c.variables + c.parameters
    args = [POINT[s.name] for s in c.arguments]
    value, grads = c.value_and_grad(*args)
    want_value, want_grads = _exact(symgd.parse(EXPR), ["y", "x"], POINT)
    assert len(grads) == 2
    np.testing.assert_allclose(float(value), want_value, rtol=1e-12)
    np.testing.assert_allclose([float(g) for g in grads], want_grads, rtol=1e-12)
    np.testing.assert_allclose(float(c.value(*args)), want_value, rtol=1e-12)
    np.testing.assert_allclose([float(g) for g in c.grad(*args)], want_grads, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_parameters_by_keyword(backend):
    c = symgd.compile(EXPR, wrt="x,y", backend=_backend(backend))
    positional = c.value_and_grad(*[POINT[s.name] for s in c.arguments])
    named = c.value_and_grad(POINT["x"], POINT["y"], **{k: POINT[k] for k in ("A", "c", "k", "w")})
    all_named = c.value_and_grad(**POINT)
    for got in (named, all_named):
        assert float(got[0]) == float(positional[0])
        assert [float(g) for g in got[1]] == [float(g) for g in positional[1]]


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "auto"])
def test_batched_over_arrays(backend):
    c = symgd.compile(EXPR, wrt="x", backend=_backend(backend))
    xs = np.linspace(-1.0, 1.0, 5)
    ks = np.linspace(0.1, 0.5, 5)
    point = {**POINT, "x": xs, "k": ks}
    if backend == "torch":
        import torch
        point = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in point.items()}
    value, (gx,) = c.value_and_grad(**point)
    value, gx = np.asarray(value, dtype=float), np.asarray(gx, dtype=float)
    assert value.shape == gx.shape == (5,)
    for i in range(5):
        want_value, want_grads = _exact(symgd.parse(EXPR), ["x"], {**POINT, "x": xs[i], "k": ks[i]})
        np.testing.assert_allclose(value[i], want_value, rtol=1e-12)
        np.testing.assert_allclose(gx[i], want_grads[0], rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_parameter_names_that_are_python_words(backend, capsys):
    """Keywords, builtins and code as parameter names: mangled, right values, nothing run."""
    x, lam, kw, evil = sympy.Symbol("x"), sympy.Symbol("lambda"), sympy.Symbol("in"), sympy.Symbol("print('PWNED')")
    c = symgd.compile(lam * sympy.exp(-kw * x) + evil, wrt=[x], backend=_backend(backend))
    assert [s.name for s in c.parameters] == ["in", "lambda", "print('PWNED')"]
    value, (gx,) = c.value_and_grad(0.5, 2.0, 3.0, 7.0)
    np.testing.assert_allclose(float(value), 3.0 * np.exp(-1.0) + 7.0, rtol=1e-12)
    np.testing.assert_allclose(float(gx), -6.0 * np.exp(-1.0), rtol=1e-12)
    assert float(c.value(0.5, **{"lambda": 3.0, "in": 2.0, "print('PWNED')": 7.0})) == float(value)
    assert "print(" not in c.source and "PWNED" not in capsys.readouterr().out


def test_a_parameter_with_no_gradient_has_no_gradient_entry():
    c = symgd.compile("a*x^2", wrt="x", backend="python")
    assert c.grad(3.0, 2.0) == (12.0,)
    assert c.value(3.0, a=2.0) == 18.0


def test_wrong_keywords_are_compile_errors():
    c = symgd.compile("a*x^2", wrt="x", backend="numpy")
    with pytest.raises(CompileError, match="unknown argument 'b'"):
        c.value(1.0, b=2.0)
    with pytest.raises(CompileError, match="missing argument"):
        c.value(x=1.0)
    with pytest.raises(CompileError, match="takes 2 arguments"):
        c.grad(1.0)
    with pytest.raises(CompileError, match="given twice"):
        c.value(1.0, 2.0, x=1.0)


def test_without_wrt_every_symbol_is_a_variable():
    c = symgd.compile(EXPR, backend="python")
    assert c.parameters == () and len(c.grad(*[POINT[s.name] for s in c.variables])) == 6


def test_jax_backend_without_jax_says_how_to_install(monkeypatch):
    """As where jax is not installed: a BackendUnavailableError naming the extra, no ImportError traceback."""
    import sys

    from symgd.errors import BackendUnavailableError
    for module in [m for m in sys.modules if m == "jax" or m.startswith("jax.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "jax", None)
    with pytest.raises(BackendUnavailableError, match=r"pip install 'symgd\[jax\]'"):
        symgd.compile("x**2", backend="jax")


def test_other_backends_never_import_jax():
    import subprocess
    import sys
    code = ("import sys, symgd; c = symgd.compile('a*x^2', wrt='x', backend='numpy'); c.grad(1.0, 2.0); "
            "symgd.compile('x^2', backend='auto').value(1.0); print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("backend", ["numpy", "numba", "torch", "auto"])
def test_indexed_sums_take_wrt_too(backend):
    """An indexed sum: the wrt vector first, the scalars after it by name; against sympy on the unrolled sum."""
    c = symgd.compile("sum(a*x[i]^2 + b*sin(x[i]), i, 0, n-1)", wrt="x", backend=_backend(backend))
    assert [s.name for s in c.variables] == ["x"] and [s.name for s in c.parameters] == ["a", "b"]
    xs = np.array([0.3, -1.2, 2.0])
    a, b = sympy.symbols("a b")
    xv = sympy.symbols("x0:3")
    unrolled = sum(a * xi**2 + b * sympy.sin(xi) for xi in xv)
    at = {a: 1.5, b: -0.7, **dict(zip(xv, xs))}
    value, (gx,) = c.value_and_grad(xs, 1.5, -0.7)
    np.testing.assert_allclose(float(value), float(unrolled.subs(at)), rtol=1e-13)
    np.testing.assert_allclose(np.asarray(gx, dtype=float), [float(sympy.diff(unrolled, xi).subs(at)) for xi in xv],
                               rtol=1e-13)
    np.testing.assert_allclose(np.asarray(c.grad(xs, b=-0.7, a=1.5)[0], dtype=float), np.asarray(gx, dtype=float))
    with pytest.raises(CompileError, match="no variable"):
        symgd.compile("sum(a*x[i]^2, i, 0, n-1)", wrt="n", backend=backend)


def test_cli_compile_prints_parameters_as_arguments(capsys):
    from symgd.cli import main
    assert main(["compile", "A*exp(-lambda*x)", "--wrt", "x", "--backend", "python"]) == 0
    out = capsys.readouterr().out
    head = next(line for line in out.splitlines() if line.startswith("def value("))
    assert head.startswith("def value(x, A, lambda_")  # wrt first, then by name; lambda mangled


def test_minimize_does_not_take_jax():
    """jax is a compile backend only: symgd's loops run on python, numpy, torch or numba."""
    with pytest.raises(CompileError, match="unknown backend 'jax'"):
        symgd.minimize("x^2", {"x": 1.0}, backend="jax")
