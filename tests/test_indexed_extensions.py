"""Indexed reductions (issue 18): several-index arrays, nested sums, min/max/prod/logsumexp over an
index, triangular indexing. Every value and gradient is checked against torch autograd or an
independent NumPy formula, on both the numba loops and the plain-Python loops."""
import numpy as np
import pytest
import sympy

import symgd
from symgd.errors import CompileError, ParseError
from symgd.parse.reductions import IndexMax, IndexMin

torch = pytest.importorskip("torch")
pytest.importorskip("numba")

BACKENDS = ["numba", "python"]
RNG = np.random.default_rng(18)


def _torch_grads(fn, *arrays):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.backward()
    return out.item(), [t.grad.numpy() for t in ts]


def _close(c, args, fn):
    """c's value and gradient at ``args`` equal torch's for ``fn`` (same argument order)."""
    value, grads = c.value_and_grad(*args)
    want, want_grads = _torch_grads(fn, *args)
    np.testing.assert_allclose(value, want, rtol=1e-12, atol=1e-12)
    for g, w in zip(grads, want_grads):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(c.value(*args), want, rtol=1e-12, atol=1e-12)
    for g, w in zip(c.grad(*args), want_grads):
        np.testing.assert_allclose(g, w, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_index_array_in_nested_sums(backend):
    c = symgd.compile("sum(sum(w[k]*p[i, k]^2 + sin(p[i, k]*w[k]), k, 0, K-1), i, 0, N-1)", backend=backend)
    assert [v.name for v in c.variables] == ["p", "w"]
    p, w = RNG.normal(size=(5, 3)), RNG.normal(size=3)
    _close(c, (p, w), lambda p, w: (w * p**2 + torch.sin(p * w)).sum())


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_cost_min_over_an_index(backend):
    c = symgd.compile("sum(min(sum((x[i,l]-c[j,l])^2, l, 0, D-1), j, 0, K-1), i, 0, N-1)", backend=backend)
    cs, x = RNG.normal(size=(4, 3)), RNG.normal(size=(20, 3))
    _close(c, (cs, x), lambda c, x: ((x[:, None, :] - c[None]) ** 2).sum(-1).min(1).values.sum())


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_and_scalar_parameters(backend):
    c = symgd.compile("a*max(x[j]*b - x[j]^2, j, 0, n-1) + sum(x[j], j, 0, n-1)/n", backend=backend)
    x = RNG.normal(size=7)
    _close(c, (0.7, 1.3, x),
           lambda a, b, x: a * (x * b - x**2).max() + x.sum() / 7)


def test_min_tie_goes_to_the_first_index():
    c = symgd.compile("min(x[j]^2, j, 0, n-1)", backend="numba")
    value, (g,) = c.value_and_grad(np.array([2.0, -1.0, 1.0, 3.0]))
    assert value == 1.0
    np.testing.assert_array_equal(g, [0.0, -2.0, 0.0, 0.0])  # x[1] and x[2] tie; the first takes it


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("x", [[1.5, -2.0, 0.5, 3.0], [1.5, 0.0, 0.5, 3.0], [0.0, 2.0, 0.0, 3.0]])
def test_prod_gradient_is_the_product_of_the_others_even_at_zeros(backend, x):
    c = symgd.compile("prod(x[j], j, 0, n-1)", backend=backend)
    x = np.array(x)
    value, (g,) = c.value_and_grad(x)
    assert value == np.prod(x)
    np.testing.assert_allclose(g, [np.prod(np.delete(x, j)) for j in range(len(x))], rtol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_prod_of_a_body_inside_a_sum(backend):
    c = symgd.compile("sum(prod(1 + a[i,j]^2*s, j, 0, M-1), i, 0, N-1)", backend=backend)
    a = RNG.normal(size=(3, 4))
    _close(c, (a, 0.3), lambda a, s: (1 + a**2 * s).prod(1).sum())


@pytest.mark.parametrize("backend", BACKENDS)
def test_logsumexp_over_an_index_inside_a_sum_is_stable(backend):
    c = symgd.compile("sum(logsumexp(alpha[k] - (x[i] - mu[k])^2, k, 0, K-1), i, 0, N-1)", backend=backend)
    alpha, mu, x = RNG.normal(size=4) + 800.0, RNG.normal(size=4), RNG.normal(size=6)
    _close(c, (alpha, mu, x),
           lambda a, m, x: torch.logsumexp(a[None] - (x[:, None] - m[None]) ** 2, dim=1).sum())


def _gmm_torch(alpha, l, mu, q, x):
    """GMM data term as the eval defines it: Q's diagonal exp(q), below it l filled column by column."""
    k_, d = q.shape
    rows, cols = np.tril_indices(d, -1)
    order = np.lexsort((rows, cols))  # column by column
    Q = torch.zeros(k_, d, d, dtype=torch.float64)
    Q[:, rows[order], cols[order]] = l
    Q = Q + torch.diag_embed(torch.exp(q))
    diff = x[:, None, :] - mu[None]
    qx = torch.einsum("kab,ikb->ika", Q, diff)
    beta = alpha[None] + q.sum(1)[None] - 0.5 * (qx**2).sum(-1)
    return torch.logsumexp(beta, dim=1).sum()


GMM = ("sum(logsumexp(alpha[k] + sum(q[k,a], a, 0, D-1) - 0.5*sum((exp(q[k,a])*(x[i,a]-mu[k,a]) + "
       "sum(l[k, b*(2*D-b-1)/2 + a-b-1]*(x[i,b]-mu[k,b]), b, 0, a-1))^2, a, 0, D-1), k, 0, K-1), i, 0, N-1)")


@pytest.mark.parametrize("backend", BACKENDS)
def test_gmm_data_term_with_packed_triangular_l(backend):
    c = symgd.compile(GMM, backend=backend)
    assert [v.name for v in c.variables] == ["alpha", "l", "mu", "q", "x"]
    n, k, d = 5, 3, 4
    args = (RNG.normal(size=k), RNG.normal(size=(k, d * (d - 1) // 2)), RNG.normal(size=(k, d)),
            0.3 * RNG.normal(size=(k, d)), RNG.normal(size=(n, d)))
    _close(c, args, _gmm_torch)


def test_central_difference_agrees_for_a_triangular_sum():
    c = symgd.compile("sum(sum(A[a,b]*v[a]*v[b], b, 0, a), a, 0, n-1)", backend="numba")
    A, v = RNG.normal(size=(4, 4)), RNG.normal(size=4)
    (gA, gv) = c.grad(A, v)
    h = 1e-6
    for k in range(4):
        e = np.eye(4)[k] * h
        fd = (c.value(A, v + e) - c.value(A, v - e)) / (2 * h)
        assert abs(gv[k] - fd) < 1e-7
    np.testing.assert_allclose(gA, np.tril(np.outer(v, v)), rtol=1e-14)


def test_given_sizes_and_sizes_from_shapes():
    c = symgd.compile("sum(sum(p[i,k], k, 0, K-1), i, 0, N-2)", backend="numba", sizes={"N": 3})
    p = np.arange(12.0).reshape(4, 3)
    assert c.value(p) == p[:2].sum()


def test_parse_keeps_two_argument_min_and_reads_the_index_form():
    assert symgd.parse("min(x, y)") == sympy.Min(*sympy.symbols("x y"))
    assert isinstance(symgd.parse("min(x[j], j, 0, n-1)"), IndexMin)
    assert isinstance(symgd.parse("max(x[j], j, 0, n-1)"), IndexMax)
    assert isinstance(symgd.parse("min(a, b, c, d)"), sympy.Min)  # no array read: plain min
    assert isinstance(symgd.parse("prod(x[j], j, 0, 3)"), sympy.Product)


@pytest.mark.parametrize("text, args, fragment", [
    ("sum(sum(p[i,k], k, 0, K-1), i, 0, N-1)", (np.ones(3),), "2 indices"),
    ("sum(sum(p[i,k+1], k, 0, K-1), i, 0, N-1)", (np.ones((2, 3)),), "outside"),
    ("sum(sum(p[i,k-1], k, 0, K-1), i, 0, N-1)", (np.ones((2, 3)),), "outside"),
    ("sum(sum(p[i,k/2], k, 0, K-1), i, 0, N-1)", (np.ones((2, 3)),), "fractional"),
])
def test_hostile_arrays_are_refused_before_the_loops_run(text, args, fragment):
    c = symgd.compile(text, backend="numba", sizes={"K": 3})
    with pytest.raises(CompileError, match=fragment):
        c.value(*args)


@pytest.mark.parametrize("text, fragment", [
    ("sum(sum(x[sin(i)], i, 0, 3), j, 0, 2)", "whole-number"),
    ("sum(x[i] + x[i, j], i, 0, 3) + sum(x[j,j], j, 0, 1)", "same number"),
    ("sum(sum(x[i,i], i, 0, 3), i, 0, 2)", "already the index"),
    ("sum(sum(x[i,j], j, 0, j), i, 0, 2)", "depends on j itself"),
    ("sum(sum(x[i,j], j, 0, 2.5), i, 0, 2)", "whole-number"),
    ("sum(sum(x[i,j]*x, j, 0, 2), i, 0, 2)", "both as"),
    ("sum(sum(x[i,j], j, 0, 2), i, 0, m + n)", "cannot tell the size"),
])
def test_hostile_expressions_are_compile_errors(text, fragment):
    with pytest.raises(CompileError, match=fragment):
        symgd.compile(text, backend="numba")


def test_other_backends_refuse_with_a_clear_error():
    for backend in ("torch", "jax"):
        with pytest.raises(CompileError, match="numba or python"):
            symgd.compile("sum(sum(p[i,k], k, 0, 2), i, 0, 2)", backend=backend)


def test_prod_with_a_bad_index_is_a_parse_error():
    with pytest.raises(ParseError):
        symgd.parse("prod(x[j], 2, 0, 3)")


def test_cli_compile_prints_loops_and_grad_gives_one_error_line(capsys):
    from symgd.cli import main
    assert main(["compile", "--backend", "numba", "sum(min(sum((x[i,l]-c[j,l])^2, l, 0, D-1), j, 0, K-1),"
                 " i, 0, N-1)"]) == 0
    assert "for j in range" in capsys.readouterr().out
    assert main(["compile", "sum(sum(x[sin(i)], i, 0, 3), j, 0, 2)"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


@pytest.mark.parametrize("backend", BACKENDS)
def test_det_gradient_is_jacobis_formula(backend):
    c = symgd.compile("log(det(A))^2 + sum(A[i,i]*det(A), i, 0, n-1)", backend=backend)
    a = RNG.normal(size=(5, 5))
    a = a @ a.T + np.eye(5)
    _close(c, (a,), lambda a: torch.log(torch.det(a)) ** 2 + torch.trace(a) * torch.det(a))


@pytest.mark.parametrize("backend", BACKENDS)
def test_det_gradient_of_a_singular_matrix_is_its_cofactor_matrix(backend):
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    value, (g,) = symgd.compile("det(A)", backend=backend).value_and_grad(a)
    want = np.array(sympy.Matrix(a.tolist()).adjugate().T.tolist(), dtype=float)
    assert abs(value) < 1e-12
    np.testing.assert_allclose(g, want, atol=1e-12)


def test_det_and_its_cofactor_matrix_come_from_numpy_and_only_where_needed():
    """The loops take det(A) (and, for a gradient with respect to A, its cofactor matrix) as arguments
    computed by NumPy's LAPACK, so numba compiles no linear algebra; without A in wrt no cofactor."""
    text = "det(A)*sum(A[i,i], i, 0, n-1) + x^2"
    c = symgd.compile(text, backend="numba")
    assert "linalg" not in c.source and "_c_det0" in c.source.split("def _grad(")[1].split(")")[0]
    assert "_c_det0" not in c.source.split("def _value(")[1].split(")")[0]
    only_x = symgd.compile(text, backend="numba", wrt=["x"])
    assert "_c_det0" not in only_x.source
    a = RNG.normal(size=(4, 4))
    _close(c, (a, 0.7), lambda a, x: torch.det(a) * torch.trace(a) + x**2)
    (gx,) = only_x.grad(0.7, a)
    assert gx == pytest.approx(1.4)


def test_det_refuses_what_is_not_a_square_array():
    c = symgd.compile("det(A)", backend="numba")
    with pytest.raises(CompileError, match="square"):
        c.value(np.ones((2, 3)))
    with pytest.raises(CompileError, match="square"):
        symgd.compile("det(A) + sum(A[i], i, 0, 2)", backend="numba")
    with pytest.raises(ParseError, match="name of a square array"):
        symgd.parse("det(2*A)")


@pytest.mark.parametrize("text", ["det(A)", "min(x[j], j, 0, n-1)", "prod(y, j, 0, 3)",
                                  "sum(sum(p[i,k], k, 0, 2), i, 0, 2)"])
def test_symbolic_paths_refuse_with_one_error_line(text, capsys):
    from symgd.cli import main
    with pytest.raises(CompileError):
        symgd.gradient(text)
    for argv in (["grad", text], ["graph", text, "--at", "y=1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error:") and "internal error" not in err


def test_prod_without_an_array_compiles_to_its_product():
    value, (g,) = symgd.compile("prod(y + j, j, 0, 3)").value_and_grad(2.0)
    assert value == 2 * 3 * 4 * 5
    y = sympy.Symbol("y")
    assert g == float(sympy.diff((y) * (y + 1) * (y + 2) * (y + 3), y).subs(y, 2))


def test_one_size_read_from_two_arrays_must_agree():
    c = symgd.compile("sum(min(sum((P[i,l] - C[j,l])^2, l, 0, d-1), j, 0, k-1), i, 0, n-1)", backend="python")
    with pytest.raises(CompileError, match="the size d is 1 from axis 1 of C but 2 from axis 1 of P"):
        c.value(np.ones((1, 1)), np.ones((1, 2)))


def test_wrt_calls_the_whole_gradient_once(monkeypatch):
    import symgd.codegen.reduce_compile as rc
    calls = []
    real = rc._Caller.wrap

    def counting(self, fn, kind):
        inner = real(self, fn, kind)
        return lambda *a: (calls.append(kind), inner(*a))[1]
    monkeypatch.setattr(rc._Caller, "wrap", counting)
    c = symgd.compile("sum(sum(w[k]*p[i, k]^2, k, 0, K-1), i, 0, N-1)", backend="python", wrt=["w", "p"])
    p, w = RNG.normal(size=(3, 2)), RNG.normal(size=2)
    gw, gp = c.grad(w, p)
    assert calls == ["grad"]
    np.testing.assert_allclose(gw, (p**2).sum(0), rtol=1e-14)
    np.testing.assert_allclose(gp, 2 * p * w, rtol=1e-14)


def _torch_hvp(fn, args, dirs):
    ts = [torch.tensor(np.asarray(a, dtype=float), requires_grad=True) for a in args]
    grads = torch.autograd.grad(fn(*ts), ts, create_graph=True)
    dot = sum((g * torch.tensor(np.asarray(d, dtype=float))).sum() for g, d in zip(grads, dirs))
    prods = torch.autograd.grad(dot, ts, allow_unused=True)
    return [g.detach().numpy() for g in grads], [np.zeros(np.shape(a)) if h is None else h.numpy()
                                                 for h, a in zip(prods, args)]


HVP_CASES = [
    ("sum(logsumexp(alpha[k] - w*(x[i] - mu[k])^2, k, 0, K-1), i, 0, N-1)",
     lambda: [RNG.normal(size=4), RNG.normal(size=4), 0.7, RNG.normal(size=6)],
     lambda a, m, w, x: torch.logsumexp(a[None] - w * (x[:, None] - m[None]) ** 2, dim=1).sum()),
    ("sum(sin(sum(p[i,k]*w[k], k, 0, K-1))^2 + max(p[i,k]^3, k, 0, K-1), i, 0, N-1)",
     lambda: [RNG.normal(size=(5, 3)), RNG.normal(size=3)],
     lambda p, w: (torch.sin((p * w).sum(1)) ** 2 + (p**3).max(1).values).sum()),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", range(len(HVP_CASES)))
def test_hessian_vector_product_matches_torch(backend, case):
    text, make, fn = HVP_CASES[case]
    args = make()
    dirs = [RNG.normal(size=np.shape(a)) if np.ndim(a) else 0.3 for a in args]
    grads, prods = symgd.hvp(text, backend=backend)(*args, *dirs)
    want_grads, want_prods = _torch_hvp(fn, args, dirs)
    for got, want in zip((*grads, *prods), (*want_grads, *want_prods)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-11)


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_hessian_diagonal_is_twice_the_cluster_sizes(backend):
    P, C = RNG.normal(size=(30, 2)), RNG.normal(size=(4, 2))
    h = symgd.hvp("sum(min(sum((P[i,l] - C[j,l])^2, l, 0, d-1), j, 0, k-1), i, 0, n-1)", backend=backend)
    (gC, _), (hC, hP) = h(C, P, np.ones_like(C), np.zeros_like(P))
    nearest = ((P[:, None, :] - C[None]) ** 2).sum(-1).argmin(1)
    counts = np.bincount(nearest, minlength=4)
    np.testing.assert_allclose(hC, 2.0 * counts[:, None] * np.ones((1, 2)), rtol=1e-14)
    np.testing.assert_allclose(gC, [2 * (C[j] - P[nearest == j]).sum(0) for j in range(4)], rtol=1e-12, atol=1e-12)


def test_hvp_refuses_prod_and_bad_directions():
    with pytest.raises(CompileError, match="prod"):
        symgd.hvp("prod(x[j], j, 0, n-1)")
    h = symgd.hvp("sum(x[j]^3, j, 0, n-1)", backend="python")
    with pytest.raises(CompileError, match="direction"):
        h(np.ones(3), np.ones(2))
    with pytest.raises(CompileError, match="arguments"):
        h(np.ones(3))


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrt_skips_the_data_arrays_gradient_in_the_loops(backend):
    text = "sum(min(sum((P[i,l] - C[j,l])^2, l, 0, d-1), j, 0, k-1), i, 0, n-1)"
    c = symgd.compile(text, backend=backend, wrt=["C"])
    assert [v.name for v in c.variables] == ["C"] and [v.name for v in c.parameters] == ["P"]
    assert "_g_P" not in c.source
    C, P = RNG.normal(size=(3, 2)), RNG.normal(size=(10, 2))
    value, (gC,) = c.value_and_grad(C, P)
    want, (want_gC, _) = _torch_grads(lambda C, P: ((P[:, None, :] - C[None]) ** 2).sum(-1).min(1).values.sum(), C, P)
    np.testing.assert_allclose(value, want, rtol=1e-13)
    np.testing.assert_allclose(gC, want_gC, rtol=1e-12, atol=1e-13)
    with pytest.raises(symgd.SymgdError, match="zz"):
        symgd.compile(text, wrt=["zz"])


LLSQ = "sum((sign(-1 + 2*i/(n-1)) - sum(x[j]*(-1 + 2*i/(n-1))^j, j, 0, m-1))^2, i, 0, n-1)/2"


@pytest.mark.parametrize("backend", BACKENDS)
def test_llsq_powers_of_the_index_as_running_products(backend):
    c = symgd.compile(LLSQ, backend=backend, sizes={"n": 9})
    assert "pow(" not in c.source and "** j" not in c.source  # t^j is a running product, not a pow
    x = RNG.normal(size=5)
    t = torch.tensor(-1 + 2 * np.arange(9) / 8.0)

    def f(x):
        return ((torch.sign(t) - (x[None] * t[:, None] ** torch.arange(5.0, dtype=torch.float64)).sum(1)) ** 2).sum() / 2
    _close(c, (x,), f)
    h = symgd.hvp(LLSQ, backend=backend, sizes={"n": 9})
    v = RNG.normal(size=5)
    _, (hv,) = h(x, v)
    _, (want,) = _torch_hvp(f, [x], [v])
    np.testing.assert_allclose(hv, want, rtol=1e-11)


def test_a_written_out_bound_too_long_to_loop_is_refused():
    with pytest.raises(symgd.SymgdError, match="runs 1,000,000,000,000 times"):
        symgd.compile("prod(i, i, 1, 10^12)", backend="python")


def test_hvp_with_wrt_differentiates_only_those_variables():
    P, C = RNG.normal(size=(30, 2)), RNG.normal(size=(4, 2))
    h = symgd.hvp("sum(min(sum((P[i,l] - C[j,l])^2, l, 0, d-1), j, 0, k-1), i, 0, n-1)", backend="numba",
                  wrt=["C"])
    assert "_H_P" not in h.source and [v.name for v in h.variables] == ["C"]
    (gC,), (hC,) = h(C, P, np.ones_like(C))
    full = symgd.hvp("sum(min(sum((P[i,l] - C[j,l])^2, l, 0, d-1), j, 0, k-1), i, 0, n-1)", backend="numba")
    (wC, _), (wH, _) = full(C, P, np.ones_like(C), np.zeros_like(P))
    np.testing.assert_allclose(gC, wC, rtol=1e-14)
    np.testing.assert_allclose(hC, wH, rtol=1e-14)


@pytest.mark.parametrize("args", [(1.0, np.array(["a", "b"])), (1.0, [[1.0], [2.0, 3.0]]),
                                  (np.ones(2), np.ones(3))])
def test_arguments_that_are_not_numbers_are_compile_errors(args):
    c = symgd.compile("prod(x[j]*s, j, 0, n-1)", backend="python")
    with pytest.raises(CompileError, match="must be"):
        c.value_and_grad(*args)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text, empty", [
    ("min(x[j], j, 0, n-1)", np.inf), ("max(x[j], j, 0, n-1)", -np.inf), ("prod(x[j], j, 0, n-1)", 1.0),
    ("logsumexp(x[j], j, 0, n-1) + prod(x[j], j, 0, n-1)", -np.inf)])
def test_empty_ranges_give_the_identity_and_no_gradient(backend, text, empty):
    value, (g,) = symgd.compile(text, backend=backend).value_and_grad(np.zeros(0))
    assert value == empty and g.shape == (0,)
