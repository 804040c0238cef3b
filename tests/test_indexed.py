"""Indexed sums over vectors: compiled gradients against sympy.diff of the unrolled sum (small n) and
central differences (n = 1000); the symbolic indexed gradient against sympy.diff element by element."""
import numpy as np
import pytest
import sympy

import symgd
from symgd.calculus.gradient import gradient
from symgd.errors import CompileError
from symgd.numeric.lower import compile as symgd_compile

ROSEN = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)"
# a scalar parameter, a data vector, a strided read, a lone element, the index itself, a nonlinear outer
MIXED = "sqrt(1 + sum((a*x[2*i] - y[i])^2 + i*x[i+1]^2, i, 0, m-1)) + a*x[0] + sum(exp(-y[i]*a), i, 0, 2)"
N_MIXED, M_MIXED = 8, 4
rng = np.random.default_rng(1)


def _unrolled_oracle(text, sizes, values):
    """sympy.diff of the sum written out by sympy itself, at ``values`` (name -> float or array)."""
    expr = symgd.parse(text)
    written = expr.subs({sympy.Symbol(k): v for k, v in sizes.items()}).doit()
    subs = {}
    for name, val in values.items():
        if np.ndim(val):
            subs.update({sympy.Indexed(sympy.IndexedBase(sympy.Symbol(name)), k): float(v) for k, v in enumerate(val)})
        else:
            subs[sympy.Symbol(name)] = float(val)
    want = {}
    for name, val in values.items():
        if np.ndim(val):
            base = sympy.IndexedBase(sympy.Symbol(name))
            want[name] = np.array([float(sympy.diff(written, base[k]).subs(subs)) for k in range(len(val))])
        else:
            want[name] = float(sympy.diff(written, sympy.Symbol(name)).subs(subs))
    return float(written.subs(subs)), want


def _mixed_values():
    return {"a": 0.7, "x": rng.uniform(-1, 1, N_MIXED), "y": rng.uniform(-1, 1, 4)}


@pytest.fixture(scope="module")
def numba_rosen():
    pytest.importorskip("numba")
    return symgd_compile(ROSEN, backend="numba")


@pytest.fixture(scope="module")
def numba_mixed():
    pytest.importorskip("numba")
    return symgd_compile(MIXED, backend="numba", sizes={"m": M_MIXED})


def _check(c, text, sizes, values, convert=np.asarray):
    want_v, want_g = _unrolled_oracle(text, sizes, values)
    names = [v.name for v in c.variables]
    v, g = c.value_and_grad(*(convert(values[k]) for k in names))
    assert float(v) == pytest.approx(want_v, rel=1e-12)
    for name, gi in zip(names, g):
        np.testing.assert_allclose(np.asarray(gi, dtype=float), want_g[name], rtol=1e-11, atol=1e-11)
    assert float(c.value(*(convert(values[k]) for k in names))) == pytest.approx(want_v, rel=1e-12)
    for a, b in zip(c.grad(*(convert(values[k]) for k in names)), g):
        np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-14)


def test_rosenbrock_numpy_small_n_equals_unrolled_sympy_diff():
    x = rng.uniform(-1.5, 1.5, 6)
    c = symgd_compile(ROSEN)
    assert c.variables == (sympy.Symbol("x"),) and "x[1:n]" in c.source
    _check(c, ROSEN, {"n": 6}, {"x": x})


def test_rosenbrock_numba_small_n_equals_unrolled_sympy_diff(numba_rosen):
    _check(numba_rosen, ROSEN, {"n": 5}, {"x": rng.uniform(-1.5, 1.5, 5)})


def test_mixed_numpy_and_numba_equal_unrolled_sympy_diff(numba_mixed):
    values = _mixed_values()
    sizes = {"m": M_MIXED}
    _check(symgd_compile(MIXED, sizes=sizes), MIXED, sizes, values)
    _check(numba_mixed, MIXED, sizes, values)


def test_torch_equals_unrolled_sympy_diff():
    torch = pytest.importorskip("torch")
    values = _mixed_values()
    c = symgd_compile(MIXED, backend="torch", sizes={"m": M_MIXED})
    _check(c, MIXED, {"m": M_MIXED}, values, convert=lambda v: torch.tensor(v, dtype=torch.float64))


def test_rosenbrock_n1000_central_differences(numba_rosen):
    x = rng.uniform(-1.5, 1.5, 1000)
    c = symgd_compile(ROSEN, backend="numpy")
    g = c.grad(x)[0]
    h, fd = 1e-6, np.empty(1000)
    for k in range(1000):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        fd[k] = (c.value(up) - c.value(down)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(numba_rosen.grad(x)[0], g, rtol=1e-13, atol=1e-12)
    sized = symgd_compile(ROSEN, sizes={"n": 1000})
    np.testing.assert_allclose(sized.grad(x)[0], g, rtol=0, atol=0)


@pytest.mark.parametrize("text,sizes", [(ROSEN, {"n": 5}), (MIXED, {"m": M_MIXED})])
def test_symbolic_indexed_gradient_equals_sympy_diff(text, sizes):
    values = {"x": rng.uniform(-1, 1, 5)} if text == ROSEN else _mixed_values()
    _, want = _unrolled_oracle(text, sizes, values)
    grads = dict(zip([v.name for v in symgd_compile(text, sizes=sizes).variables], gradient(text)))
    size_subs = {sympy.Symbol(k): v for k, v in sizes.items()}
    subs = {}
    for name, val in values.items():
        if np.ndim(val):
            base = sympy.IndexedBase(sympy.Symbol(name))
            subs.update({base[k]: float(v) for k, v in enumerate(val)})
        else:
            subs[sympy.Symbol(name)] = float(val)
    for name, val in values.items():
        g = grads[name]
        if np.ndim(val):
            assert isinstance(g, sympy.Lambda)
            got = [float(g(k).subs(size_subs).doit().subs(subs)) for k in range(len(val))]
        else:
            got = float(g.subs(size_subs).doit().subs(subs))
        np.testing.assert_allclose(got, want[name], rtol=1e-12, atol=1e-12)


def test_unrolled_gradient_for_small_sizes_equals_sympy_diff():
    grads = gradient(ROSEN, sizes={"n": 4})
    xs = sympy.IndexedBase("x")
    written = symgd.parse(ROSEN).subs(sympy.Symbol("n"), 4).doit()
    swap = {xs[k]: sympy.Symbol(f"x[{k}]", real=True) for k in range(4)}
    for k, g in enumerate(grads):
        assert sympy.expand(g - sympy.diff(written, xs[k]).xreplace(swap)) == 0


@pytest.mark.parametrize("text", ["sum(sum(x[i], i, 0, 3), j, 0, 2)", "sum(x[i*i], i, 0, 3)"])
def test_unsupported_indexing_is_a_compile_error(text):
    with pytest.raises(CompileError):
        symgd_compile(text, sizes={"n": 4})


def test_vector_descent_equals_hand_loop_on_sympy_gradient():
    from symgd.numeric.rule import G, X, ElementwiseRule
    from symgd.numeric.vector_descent import minimize_indexed
    m = sympy.Symbol("m", real=True)
    momentum = ElementwiseRule("momentum", ("m",), (0.0,), (0.9 * m + G,), X - 0.001 * m)
    x0 = np.array([-1.2, 1.0, 0.5, -0.3, 0.8])
    r = minimize_indexed(symgd.parse(ROSEN), momentum, x0, 200, check_every=7, record_every=50, backend="numpy")
    xs = sympy.IndexedBase("x")
    written = symgd.parse(ROSEN).subs(sympy.Symbol("n"), 5).doit()
    grad = sympy.lambdify([[xs[k] for k in range(5)]], [sympy.diff(written, xs[k]) for k in range(5)], "numpy")
    x, vel = x0.copy(), np.zeros(5)
    for _ in range(200):
        vel = 0.9 * vel + np.array(grad(x))
        x = x - 0.001 * vel
    assert r.status == "max_steps" and r.nit == 200
    np.testing.assert_allclose(r.x["x"], x, rtol=1e-12)
    assert [row[0] for row in r.history] == [0, 50, 100, 150, 200]
    assert r.value == pytest.approx(float(written.subs({xs[k]: x[k] for k in range(5)})), rel=1e-12)
