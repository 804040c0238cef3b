"""Indexed sums over vectors: compiled gradients against sympy.diff of the unrolled sum (small n) and
central differences (n = 1000); the symbolic indexed gradient against sympy.diff element by element."""
import functools

import numpy as np
import pytest
import sympy

import symgd
from symgd.calculus.gradient import gradient
from symgd.errors import CompileError, VariableError
from symgd.codegen.api import compile as symgd_compile

ROSEN = "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)"
# a scalar parameter, a data vector, a strided read, a lone element, the index itself, a nonlinear outer
MIXED = "sqrt(1 + sum((a*x[2*i] - y[i])^2 + i*x[i+1]^2, i, 0, m-1)) + a*x[0] + sum(exp(-y[i]*a), i, 0, 2)"
N_MIXED, M_MIXED = 8, 4
rng = np.random.default_rng(1)


def _unrolled_oracle(text, sizes, values):
    """sympy.diff of the sum written out by sympy itself, at ``values`` (name -> float or array)."""
    expr = symgd.parse(text).subs({sympy.Symbol(k): v for k, v in sizes.items()})
    # written out term by term over range(a, b + 1): a sum whose upper bound is below its lower bound
    # is empty (sympy's Karr convention would give minus the sum over b+1..a-1 instead)
    written = expr.replace(lambda e: isinstance(e, sympy.Sum), lambda e: sympy.Add(
        *[e.function.subs(e.limits[0][0], k) for k in range(int(e.limits[0][1]), int(e.limits[0][2]) + 1)]))
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
    assert c.variables == (sympy.Symbol("x"),) and "x[1:n]" in c.source  # windows as slices, not unrolled
    _check(c, ROSEN, {"n": 6}, {"x": x})


def test_rosenbrock_numba_small_n_equals_unrolled_sympy_diff(numba_rosen):
    _check(numba_rosen, ROSEN, {"n": 5}, {"x": rng.uniform(-1.5, 1.5, 5)})


def test_mixed_numpy_and_numba_equal_unrolled_sympy_diff(numba_mixed):
    values = _mixed_values()
    sizes = {"m": M_MIXED}
    _check(symgd_compile(MIXED, sizes=sizes), MIXED, sizes, values)
    _check(numba_mixed, MIXED, sizes, values)


#: a body over i whose graph has enough nodes that one is named i (the names skip the body's symbols,
#: and the index is not among them once its reads are windows): the loop keeps that node apart from _i
LONG_BODY = "sum(v[i]*(a[i]*cos(t) - k*(y[i] + b*w[i])^2), i, 0, n-1)"


def test_a_node_named_like_the_index_is_not_the_index():
    pytest.importorskip("numba")
    values = {"a": rng.uniform(-1, 1, 4), "b": 0.3, "k": 0.7, "t": 0.4, "v": rng.uniform(-1, 1, 4),
              "w": rng.uniform(-1, 1, 4), "y": rng.uniform(-1, 1, 4)}
    c = symgd_compile(LONG_BODY, backend="numba")
    assert "_b0_i = " in c.source
    _check(c, LONG_BODY, {"n": 4}, values)


def _backends():
    import importlib.util
    return ["numpy"] + [b for b in ("numba", "torch") if importlib.util.find_spec(b)]


SHORT = [  # (text, sizes, arrays, the array named as too short); an attacker's lengths
    ("sum(x[i]*y[i], i, 0, n-1)", None, {"x": 4, "y": 3}, "y"),  # n from x: y one short
    ("sum(x[i+4]*y[i], i, 0, n-1)", None, {"x": 9, "y": 3}, "y"),
    ("x[5] + sum(y[i], i, 0, n-1)", None, {"x": 4, "y": 3}, "x"),  # a lone element past the end
    ("sum(x[2*i], i, 0, m-1)", {"m": 5}, {"x": 8}, "x"),  # a given size: x[8] is read
    ("sum(x[i]*y[i], i, 0, 2)", None, {"x": 3, "y": 1}, "y"),  # fixed bounds
]


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("text, sizes, lengths, short", SHORT)
def test_an_array_too_short_for_its_reads_is_refused(text, sizes, lengths, short, backend):
    # numba checks no bounds (it would read past the end) and NumPy's slices would shorten silently
    c = symgd_compile(text, backend=backend, sizes=sizes)
    convert = (lambda a: __import__("torch").tensor(a)) if backend == "torch" else (lambda a: a)
    args = [convert(rng.uniform(-1, 1, lengths[v.name])) for v in c.variables]
    for call in (c.value, c.grad, c.value_and_grad):
        with pytest.raises(VariableError, match=rf"^{short} is too short: the expression reads {short}\["):
            call(*args)


@pytest.mark.parametrize("backend", _backends())
def test_an_empty_sum_reads_nothing_so_checks_nothing(backend):
    c = symgd_compile("sum(x[i+2], i, 0, n-1) + sum(y[i], i, 0, n-1)", backend=backend)
    x, y = np.ones(1), np.ones(7)  # n = len(x) - 2 = -1: both sums are empty, y is never read
    convert = (lambda a: __import__("torch").tensor(a)) if backend == "torch" else (lambda a: a)
    assert float(c.value(convert(x), convert(y))) == 0.0


@pytest.mark.parametrize("vectors", [[True], [True, False]])
def test_numba_compile_errors_on_the_first_call_are_compile_errors(vectors):
    # numba types a loop on its first call; a failure there was a raw TypingError traceback
    numba = pytest.importorskip("numba")
    from symgd.codegen.indexed_loops import _wrap

    @numba.njit
    def untypable(x, *rest):
        return x + "text"
    for kind in ("_value", "_grad", "_value_and_grad"):
        with pytest.raises(CompileError, match="numba could not compile the indexed loops"):
            _wrap(untypable, vectors, kind)(np.ones(3), *([1.0] if len(vectors) > 1 else []))


SOURCE_OF = """
import sys, symgd
print(symgd.compile(sys.argv[1], backend=sys.argv[2], sizes={"m": 4}).source)
"""


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_generated_source_is_the_same_in_every_process(backend):
    # window names and the order of their reads once followed set iteration, which changes with the hash seed
    import os
    import subprocess
    import sys
    pytest.importorskip(backend)
    sources = {subprocess.run([sys.executable, "-c", SOURCE_OF, MIXED, backend], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout for seed in ("1", "2", "3")}
    assert len(sources) == 1 and "def " in sources.pop()


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


@pytest.mark.parametrize("text", ["sum(sum(x[sin(i)], i, 0, 3), j, 0, 2)", "sum(x[i*i], i, 0, 3)"])
def test_unsupported_indexing_is_a_compile_error(text):
    with pytest.raises(CompileError):
        symgd_compile(text, sizes={"n": 4})


def test_vector_descent_equals_hand_loop_on_sympy_gradient():
    from symgd.codegen.rule import G, X, ElementwiseRule
    from symgd.loops.vector import minimize_indexed
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
    assert r.status == "budget" and r.nit == 200
    np.testing.assert_allclose(r.x["x"], x, rtol=1e-12)
    assert [row[0] for row in r.history] == [0, 50, 100, 150, 200]
    assert r.value == pytest.approx(float(written.subs({xs[k]: x[k] for k in range(5)})), rel=1e-12)


# --- the buffered NumPy code (scratch buffers, folded constants) against sympy.diff of the unrolled sum
BODIES = [
    # (text, size name, vector lengths per size value: {vector: length(size)})
    (ROSEN, "n", {"x": lambda n: n}),
    ("sum((x[2*i+1] - x[2*i]^2)^2 + exp(-x[2*i+1]) - 3*x[2*i], i, 0, m-1)", "m", {"x": lambda m: 2 * m}),
    ("sum((a*x[i] + b - y[i])^2, i, 0, n-1) + a^2", "n", {"x": lambda n: n, "y": lambda n: n}),
    ("sum(sin(x[i])*x[i+1] - 2*x[i+1]/(1 + x[i]^2), i, 0, n-2) + sum(tanh(x[i])^3 + log(1 + x[i]^2), i, 0, n-1)"
     " + x[0]*x[n-1]", "n", {"x": lambda n: n}),
    ("sum(i*x[i]^2 + sqrt(1 + x[i]^4) + relu(x[i] - 0.25)^2, i, 0, n-1) - c*sum(x[i]*x[i+2], i, 0, n-3)",
     "n", {"x": lambda n: n}),
]


@functools.lru_cache(maxsize=None)
def _compiled_numpy(text):
    return symgd_compile(text, backend="numpy")


def _body_values(lengths, size):
    values = {k: rng.uniform(-1.2, 1.2, f(size)) for k, f in lengths.items()}
    return values


# sizes where sums are empty (upper bound below the lower) or one term long; a lone x[0] needs n >= 1
CASES = [(text, size, lengths, k) for text, size, lengths in BODIES for k in (0, 1, 2, 5)
         if k >= ("x[0]" in text)]


@pytest.mark.parametrize("text,size,lengths,size_value", CASES)
def test_buffered_numpy_equals_unrolled_sympy_diff(text, size, lengths, size_value):
    c = _compiled_numpy(text)  # one compilation serves every length
    values = _body_values(lengths, size_value)
    values.update({s.name: rng.uniform(-1, 1) for s in c.variables if s.name not in values})
    _check(c, text, {size: size_value}, values)


@pytest.mark.parametrize("text,size,lengths", BODIES[1:4])
def test_torch_prints_the_same_lowering(text, size, lengths):
    torch = pytest.importorskip("torch")
    c = symgd_compile(text, backend="torch")
    values = _body_values(lengths, 4)
    values.update({s.name: rng.uniform(-1, 1) for s in c.variables if s.name not in values})
    _check(c, text, {size: 4}, values, convert=lambda v: torch.tensor(v, dtype=torch.float64))


def _rosen_grad(x):
    """The Rosenbrock gradient written out by hand (the classical formula, as scipy.optimize.rosen_der)."""
    g = np.zeros_like(x)
    g[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return g


def test_returned_gradients_are_fresh_arrays_the_caller_owns():
    c = symgd_compile(ROSEN, backend="numpy")
    x1, x2 = rng.uniform(-1, 1, 50), rng.uniform(-1, 1, 50)
    g1 = c.grad(x1)[0]
    want1 = _rosen_grad(x1)
    v2, (g2,) = c.value_and_grad(x2)
    g3 = c.grad(x2)[0]
    assert g1 is not g2 and g2 is not g3
    for a, b in [(g1, g2), (g2, g3), (g1, g3), (g1, x1), (g2, x2)]:
        assert not np.shares_memory(a, b)
    np.testing.assert_allclose(g1, want1, rtol=1e-13)  # untouched by the later calls
    g1[:] = 7.0  # the caller may write into it: later results are unaffected
    np.testing.assert_allclose(c.grad(x2)[0], _rosen_grad(x2), rtol=1e-13)
    np.testing.assert_allclose(g2, _rosen_grad(x2), rtol=1e-13)


def test_results_equal_after_a_call_with_another_length():
    c = symgd_compile(ROSEN, backend="numpy")
    big, small = rng.uniform(-1, 1, 1000), rng.uniform(-1, 1, 7)
    first = c.value_and_grad(big)
    v_small, (g_small,) = c.value_and_grad(small)
    again = c.value_and_grad(big)
    assert first[0] == again[0]
    np.testing.assert_array_equal(first[1][0], again[1][0])
    np.testing.assert_allclose(first[1][0], _rosen_grad(big), rtol=1e-12)
    np.testing.assert_allclose(g_small, _rosen_grad(small), rtol=1e-13)
    want = float(np.sum(100 * (small[1:] - small[:-1] ** 2) ** 2 + (1 - small[:-1]) ** 2))
    assert v_small == pytest.approx(want, rel=1e-13) and c.value(small) == pytest.approx(want, rel=1e-13)
    np.testing.assert_array_equal(c.grad(big)[0], again[1][0])


def test_threads_with_different_lengths_get_their_own_scratch():
    from concurrent.futures import ThreadPoolExecutor
    c = symgd_compile(ROSEN, backend="numpy")
    xs = [rng.uniform(-1, 1, n) for n in (3, 500, 64, 2000)]

    def work(x):
        return all(np.allclose(c.grad(x)[0], _rosen_grad(x), rtol=1e-12, atol=1e-12) for _ in range(40))

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, xs * 2))


def test_reading_before_the_start_is_a_compile_error():
    with pytest.raises(CompileError, match="before the start"):
        symgd_compile("sum(x[i-1]^2, i, 0, n-1)", sizes={"n": 4})


@pytest.mark.parametrize("text,sizes,lengths", [
    # a nonlinear outer expression (the sums' adjoints are runtime scalars), fixed sizes, longer vectors
    ("sum(x[i]*y[i], i, 0, n-1)^2 + a*sum(x[i]^2, i, 0, n-1) - sum(x[i]^y[i], i, 0, n-1)", {"n": 4},
     {"x": 6, "y": 5}),
    ("sum(x[3*i+2]*x[3*i] - 1/x[3*i+1], i, 0, m-1) + log(sum(exp(x[i]), i, 0, 3*m-1))", {"m": 2}, {"x": 7}),
])
def test_fixed_sizes_and_nonlinear_outer_equal_unrolled_sympy_diff(text, sizes, lengths):
    c = symgd_compile(text, backend="numpy", sizes=sizes)
    values = {k: rng.uniform(0.2, 1.5, n) for k, n in lengths.items()}
    values.update({s.name: 0.7 for s in c.variables if s.name not in values})
    _check(c, text, sizes, values)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_lone_elements_without_sums_equal_sympy_diff(backend):
    text = "x[0]^2 + x[1]*x[2] + a*x[2]"
    convert = np.asarray
    if backend == "torch":
        torch = pytest.importorskip("torch")
        convert = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    _check(symgd_compile(text, backend=backend), text, {}, {"a": 0.3, "x": rng.uniform(-1, 1, 4)}, convert=convert)
