"""Loop-invariant code motion in the reduction loops (``symgd.codegen.reduce_hoist``, issue 18).

Each string has terms that do not depend on an enclosing index, at one, two and three levels of nesting,
under sum, logsumexp, min, max and prod, with triangular bounds. The hoisted loops (numba) and the same
loops without hoisting must both give torch autograd's value and gradient; the source must show the
scratch arrays (so a hoisting that silently stopped would fail here)."""
import numpy as np
import pytest

import symgd
from symgd.codegen.reduce_compile import prepare
from symgd.codegen.reduce_loops import function_source

torch = pytest.importorskip("torch")
pytest.importorskip("numba")

RNG = np.random.default_rng(1818)
KINDS = ("value_and_grad", "value", "grad")


def _loops(text: str, hoist: bool, sizes: dict | None = None):
    """value_and_grad, value, grad and the source of ``text`` compiled by numba, hoisted or not."""
    tree, _, _, call, use_numba, load = prepare(text, "numba", sizes)
    assert use_numba
    source = "\n".join(function_source(tree, kind, call.active, hoist=hoist) for kind in KINDS)
    fns = load(source)
    return [call.wrap(fns[f"_{kind}"], kind) for kind in KINDS], source


def _torch(fn, args):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = fn(*ts)
    out.backward()
    return out.item(), [t.grad.numpy() for t in ts]


def _gmm(alpha, l, mu, q, x):
    k, d = q.shape
    rows, cols = np.tril_indices(d, -1)
    order = np.lexsort((rows, cols))  # packed column by column: (1,0), (2,0), ..., (2,1), ...
    Q = torch.zeros(k, d, d, dtype=torch.float64)
    Q[:, rows[order], cols[order]] = l
    Q = Q + torch.diag_embed(torch.exp(q))
    qx = torch.einsum("kab,ikb->ika", Q, x[:, None, :] - mu[None])
    beta = alpha[None] + q.sum(1)[None] - 0.5 * (qx**2).sum(-1)
    return torch.logsumexp(beta, dim=1).sum()


# (string, torch function of the arguments in symgd's order (by name), argument shapes, scratch arrays)
CASES = {
    "one level: a child sum and exp of a scalar read": (
        "sum(x[i]*sum(y[j]^2, j, 0, m-1) + exp(c[0])*x[i]^2, i, 0, n-1)",
        lambda c, x, y: (x * (y**2).sum() + torch.exp(c[0]) * x**2).sum(), [(1,), (5,), (4,)], 2),
    "two levels: logsumexp over k of x[i,k] exp(w[k])": (
        "sum(logsumexp(x[i,k]*exp(w[k]) - log(1 + w[k]^2), k, 0, K-1), i, 0, N-1)",
        lambda w, x: torch.logsumexp(x * torch.exp(w)[None] - torch.log(1 + w**2)[None], 1).sum(),
        [(4,), (6, 4)], 1),
    "three levels: terms in (j), (j, k) hoisted out of i": (
        "sum(sum(sum(u[k]*exp(v[j]) + x[i]*w[k], k, 0, K-1)*log(1 + y[j]^2), j, 0, J-1), i, 0, N-1)",
        lambda u, v, w, x, y: ((u[None, None, :] * torch.exp(v)[None, :, None] + x[:, None, None] * w[None, None, :])
                               .sum(2) * torch.log(1 + y**2)[None]).sum(),
        [(3,), (4,), (3,), (5,), (4,)], 2),
    "min over j with exp(C[j,l]) hoisted out of i": (
        "sum(min(sum((P[i,l] - C[j,l])^2 + exp(C[j,l]), l, 0, d-1), j, 0, k-1), i, 0, n-1)",
        lambda C, P: (((P[:, None, :] - C[None]) ** 2 + torch.exp(C)[None]).sum(2)).min(1).values.sum(),
        [(4, 3), (7, 3)], 1),
    "max over j with cos(w[j]) hoisted": (
        "sum(max(w[j]^2*sin(x[i]) + cos(w[j]), j, 0, m-1), i, 0, n-1)",
        lambda w, x: ((w[None] ** 2) * torch.sin(x)[:, None] + torch.cos(w)[None]).max(1).values.sum(),
        [(4,), (6,)], 1),
    "prod over j of 1 + y[j] exp(z[j]) x[i]/10": (
        "sum(prod(1 + 0.1*y[j]*exp(z[j])*x[i], j, 0, m-1), i, 0, n-1)",
        lambda x, y, z: (1 + 0.1 * (y * torch.exp(z))[None] * x[:, None]).prod(1).sum(),
        [(5,), (4,), (4,)], 1),
    "triangular j <= i, exp(c[k]) hoisted out of i": (
        "sum(sum(sum(exp(c[k])*x[i,j], j, 0, i), k, 0, K-1), i, 0, n-1)",
        lambda c, x: torch.exp(c).sum() * torch.tril(x).sum(), [(3,), (5, 5)], 1),
    "gmm's data term (packed triangle, logsumexp)": (
        "sum(logsumexp(alpha[k] + sum(q[k,a], a, 0, D-1) - 0.5*sum((exp(q[k,a])*(x[i,a]-mu[k,a]) + "
        "sum(l[k, b*(2*D-b-1)/2 + a-b-1]*(x[i,b]-mu[k,b]), b, 0, a-1))^2, a, 0, D-1), k, 0, K-1), i, 0, N-1)",
        _gmm, [(3,), (3, 6), (3, 4), (3, 4), (5, 4)], 2),
    "logsumexp of a min and a triangular sum (values kept for the reverse sweep)": (
        "sum(logsumexp(-min((x[i] - c[j])^2 + z[k], j, 0, J-1) + sum(w[k,m]*x[m], m, 0, k), k, 0, K-1), i, 0, N-1)",
        lambda c, w, x, z: torch.logsumexp(-((x[:, None, None] - c[None, None, :]) ** 2 + z[None, :, None])
                                           .min(2).values + (torch.tril(w) @ x[:w.shape[1]])[None], 1).sum(),
        [(3,), (4, 4), (6,), (4,)], 0),
    "logsumexp of sin of logsumexp of a sum (values kept two levels down)": (
        "sum(logsumexp(sin(logsumexp(y[k,j]*x[i] + sum(w[j,m]*x[i]^2*sin(y[k,m]), m, 0, M-1), j, 0, J-1)), k, 0, K-1),"
        " i, 0, N-1)",
        lambda w, x, y: torch.logsumexp(torch.sin(torch.logsumexp(
            y[None] * x[:, None, None] + (x**2)[:, None, None] * torch.einsum("jm,km->kj", w, torch.sin(y))[None],
            2)), 1).sum(), [(3, 3), (5,), (2, 3)], 0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hoisted_and_plain_loops_give_torchs_value_and_gradient(name):
    text, fn, shapes, scratch = CASES[name]
    args = [0.5 * RNG.normal(size=s) for s in shapes]
    want, want_grads = _torch(fn, args)
    for hoist in (True, False):
        (vg, value, grad), source = _loops(text, hoist)
        if scratch:
            assert ("_h0 = _np.empty" in source) == hoist
            assert source.count("_np.empty((") // len(KINDS) >= (scratch if hoist else 0)
        got, grads = vg(*args)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(value(*args), want, rtol=1e-12, atol=1e-12)
        for pair in (grads, grad(*args)):
            for g, w in zip(pair, want_grads):
                assert np.shape(g) == np.shape(w)
                np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-11)


def test_a_triangular_range_inside_the_loop_is_not_hoisted():
    """exp(a[j]) with j in 0..i: a scratch array filled before the loop over i would need a range that
    depends on i, so the term stays inside (and the result is still right)."""
    (vg, _, _), source = _loops("sum(sum(exp(a[j])*x[i]*y[j], j, 0, i), i, 0, n-1)", True)
    assert "_h0" not in source
    a, x, y = (RNG.normal(size=5) for _ in range(3))
    want, grads = _torch(lambda a, x, y: (torch.tril(x[:, None] * (torch.exp(a) * y)[None])).sum(), [a, x, y])
    got, g = vg(a, x, y)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    for u, w in zip(g, grads):
        np.testing.assert_allclose(u, w, rtol=1e-11, atol=1e-12)


def test_an_empty_outer_loop_reads_nothing_and_gives_zero_gradients():
    """n = 0: the scratch array over k is still filled (its reads are in bounds), the sum is 0 and
    every gradient 0, as without hoisting."""
    text = "sum(logsumexp(x[i,k]*exp(w[k]), k, 0, K-1), i, 0, N-1)"
    for hoist in (True, False):
        (vg, _, _), _ = _loops(text, hoist)
        value, (gw, gx) = vg(RNG.normal(size=3), np.zeros((0, 3)))
        assert value == 0.0 and not gw.any() and gx.shape == (0, 3)


def test_symgd_compile_hoists_under_numba_and_not_in_plain_python():
    text = CASES["gmm's data term (packed triangle, logsumexp)"][0]
    assert "_h0 = _np.empty" in symgd.compile(text, backend="numba").source
    assert "_h0" not in symgd.compile(text, backend="python").source


@pytest.mark.parametrize("name", [n for n in sorted(CASES) if "kept" in n or n.startswith("gmm")])
def test_logsumexp_reverse_sweep_reads_the_values_its_value_pass_kept(name):
    """The sums inside a logsumexp are not run again by its reverse sweep (read from ``_kv`` arrays);
    the test above checks the numbers (hoisted or not: the plain loops show every kept sum)."""
    _, source = _loops(CASES[name][0], False)
    grad = source.split("def _grad(")[1]
    assert "_kv = _np.empty" in grad
    for line in grad.splitlines():
        if "_kv[" in line and line.strip().startswith("_r"):
            assert line.split("=")[1].strip().startswith("_r")  # stored once and read back


def test_a_term_hoisted_out_of_an_inner_loop_where_the_outer_one_is_triangular():
    """exp(c[j]) cannot go before the loop over t (j runs t..m-1) but can go before the loop over i;
    and a min at the top fills before its own loop."""
    text = "sum(sum(sum(exp(c[j])*x[i], i, 0, n-1), j, t, m-1), t, 0, T-1)"
    (vg, _, _), source = _loops(text, True, {"T": 3, "m": 4})
    assert "_h0 = _np.empty((1,))" in source
    c, x = RNG.normal(size=4), RNG.normal(size=5)
    want, grads = _torch(lambda c, x: sum(torch.exp(c[t:]).sum() for t in range(3)) * x.sum(), [c, x])
    got, g = vg(c, x)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    for u, w in zip(g, grads):
        np.testing.assert_allclose(u, w, rtol=1e-11, atol=1e-12)
    (vg, _, _), source = _loops("min(exp(w[0])*x[j] - sqrt(1 + w[1]^2), j, 0, n-1)", True)
    assert "_h0 = _np.empty((1,))" in source
    w, x = RNG.normal(size=2), RNG.normal(size=6)
    want, grads = _torch(lambda w, x: (torch.exp(w[0]) * x - torch.sqrt(1 + w[1] ** 2)).min(), [w, x])
    got, g = vg(w, x)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    for u, v in zip(g, grads):
        np.testing.assert_allclose(u, v, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("wrt", [["x"], ["w"], ["z"], ["x", "z"], None])
def test_wrt_carries_only_the_scratch_adjoints_that_reach_a_wrt_variable(wrt):
    """exp(w[k]) and the whole sum over j are hoisted out of i; with wrt=x neither adjoint is kept."""
    text = "sum(logsumexp(x[i,k]*exp(w[k]) + sum(exp(w[j])*z[j], j, 0, J-1), k, 0, K-1), i, 0, N-1)"
    args = {"x": RNG.normal(size=(5, 4)), "w": RNG.normal(size=4), "z": RNG.normal(size=4)}
    want, grads = _torch(lambda x, w, z: torch.logsumexp(x * torch.exp(w)[None] + (torch.exp(w) * z).sum(), 1)
                         .sum(), [args["x"], args["w"], args["z"]])
    want_grads = dict(zip("xwz", grads))
    c = symgd.compile(text, backend="numba", wrt=wrt)
    first = wrt or sorted(args)
    assert ("_gh" in c.source) == (wrt != ["x"])
    call = [args[n] for n in first + sorted(set(args) - set(first))]
    value, g = c.value_and_grad(*call)
    np.testing.assert_allclose(value, want, rtol=1e-12)
    for name, got, again in zip(first, g, c.grad(*call)):
        np.testing.assert_allclose(got, want_grads[name], rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(again, want_grads[name], rtol=1e-11, atol=1e-12)


# Reads copied to unit stride, and hoists over triangles: (string, torch function, shapes, the scratch
# array's shape line in the hoisted source, or None where nothing may be hoisted)
GATHERS = {
    "a transposed read A[j,i] in the loop over j, copied once out of the loop over t": (
        "sum(sum(sum(A[j,i]*x[t,j], j, 0, n-1)^2, i, 0, n-1), t, 0, T-1)",
        lambda A, x: ((x @ A) ** 2).sum(), [(4, 4), (3, 4)], "_h0 = _np.empty((max(n, 0), max(n, 0),))"),
    "exp over a triangle b <= a hoisted out of i": (
        "sum(sum(sum(exp(c[a,b])*x[i], b, 0, a), a, 0, A-1), i, 0, n-1)",
        lambda c, x: torch.tril(torch.exp(c)).sum() * x.sum(), [(4, 4), (5,)],
        "_h0 = _np.empty((max(A, 0), max(A, 0),))"),
    "exp over a triangle b >= a (a lower bound that moves) hoisted out of i": (
        "sum(sum(sum(exp(c[a,b])*x[i]^2, b, a, A-1), a, 0, A-1), i, 0, n-1)",
        lambda c, x: torch.triu(torch.exp(c)).sum() * (x**2).sum(), [(4, 4), (5,)],
        "_h0 = _np.empty((max(A, 0), max(A, 0),))"),
    "a range not linear in the kept index (b <= a^2): left in place": (
        "sum(sum(sum(exp(c[a,b])*x[i], b, 0, a*a), a, 0, 2), i, 0, n-1)",
        lambda c, x: sum(torch.exp(c[a, :a * a + 1]).sum() for a in range(3)) * x.sum(), [(3, 5), (4,)], None),
}


@pytest.mark.parametrize("name", sorted(GATHERS))
def test_strided_reads_and_triangles_are_filled_once_and_give_torchs_gradient(name):
    text, fn, shapes, scratch = GATHERS[name]
    args = [0.5 * RNG.normal(size=s) for s in shapes]
    want, want_grads = _torch(fn, args)
    (vg, value, grad), source = _loops(text, True)
    if scratch:
        assert scratch in source
    else:
        assert "_h0" not in source
    got, grads = vg(*args)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(value(*args), want, rtol=1e-12, atol=1e-12)
    for pair in (grads, grad(*args)):
        for g, w in zip(pair, want_grads):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-11)


def test_gmms_packed_triangle_is_copied_to_a_dense_array_read_at_unit_stride():
    """l[k, b*(2D-b-1)/2 + a-b-1] jumps as b steps: it is copied once per call into a (K, D, D-1)
    array, and the loop over the points reads that array, never l (its adjoint is scattered back once)."""
    source = _loops(CASES["gmm's data term (packed triangle, logsumexp)"][0], True)[1]
    value = source.split("def _value(")[1].split("def ")[0]
    assert "_np.empty((max(K, 0), max(D, 0), max((-1) + D, 0),))" in value
    point_loop = value.split("for i in range(0, N):")[1]
    assert "l[k," not in point_loop and "[k, a, b]" in point_loop


def test_a_copied_read_with_no_points_gives_zero_gradients():
    text = GATHERS["a transposed read A[j,i] in the loop over j, copied once out of the loop over t"][0]
    (vg, _, _), _ = _loops(text, True)
    value, (gA, gx) = vg(RNG.normal(size=(3, 3)), np.zeros((0, 3)))
    assert value == 0.0 and not gA.any() and gx.shape == (0, 3)
