"""symgd.odeint: Runge-Kutta solutions of a field written as a symgd string, and their exact gradients.

The oracle is the same scheme written directly in torch with autograd (values and gradients);
a central finite difference checks one case again, scipy's solve_ivp at tight tolerance checks that the
methods converge to the true solution at their order, and hostile inputs get symgd's errors.
"""
from __future__ import annotations

import functools
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy

import symgd
from symgd.calculus.index_split import check_reads, split_index_conditions
from symgd.calculus.indexed import analyse
from symgd.errors import (BudgetError, CompileError, DivergenceError, HyperParameterError, ParseError,
                          SymgdError, VariableError)
from symgd.loops.odeint import TABLEAUX

BACKENDS = ["numpy"] + (["numba"] if symgd.codegen.backends.has_numba() else [])

# ------------------------------------------------------------------------------------------- the split


@pytest.mark.parametrize("body, expected", [
    ("where(i == 0, x[0], x[i]*y[i-1])", "v[0]*x[0] + sum(v[i]*x[i]*y[i-1], i, 1, n-1)"),
    ("where(i > 0, x[i]*y[i-1], x[0])", "v[0]*x[0] + sum(v[i]*x[i]*y[i-1], i, 1, n-1)"),
    ("where(i < n-1, y[i+1], y[0])", "v[n-1]*y[0] + sum(v[i]*y[i+1], i, 0, n-2)"),
    ("where(i != n-1, y[i+1], 1)", "v[n-1] + sum(v[i]*y[i+1], i, 0, n-2)"),
    ("where(i <= 0, 2, y[i-1])", "2*v[0] + sum(v[i]*y[i-1], i, 1, n-1)"),
    ("k*y[i] + where(i == 0, 1, 0)", "(k*y[0] + 1)*v[0] + sum(k*v[i]*y[i], i, 1, n-1)"),
    ("where(i <= -1, 1, y[i])", "sum(v[i]*y[i], i, 0, n-1)"),  # never true: the other branch throughout
    ("where(y[i] > 0, y[i], 0)", "sum(v[i]*where(y[i] > 0, y[i], 0), i, 0, n-1)"),  # not on the index
    ("where(i == 7, 1, y[i])", "sum(v[i]*where(i == 7, 1, y[i]), i, 0, n-1)"),  # 7 may be past n-1
])
def test_split_index_conditions(body, expected):
    split = split_index_conditions(symgd.parse(f"sum(v[i]*({body}), i, 0, n-1)"))
    assert split == symgd.parse(expected)


def test_check_reads_names_the_read_outside():
    expr = analyse(symgd.parse("sum(v[i]*y[i+1], i, 0, n-1)"))
    check_reads(expr, {"v": 4, "y": 5}, {"n": 4})
    with pytest.raises(CompileError, match=r"y\[i \+ 1\] at i = 3 reads y\[4\], outside y's 4 entries"):
        check_reads(expr, {"v": 4, "y": 4}, {"n": 4})
    with pytest.raises(CompileError, match=r"x\[5\]"):
        check_reads(analyse(symgd.parse("x[5] + sum(v[i], i, 0, n-1)")), {"v": 4, "x": 3}, {"n": 4})
    check_reads(analyse(symgd.parse("sum(y[i-1], i, 0, n-1)")), {"y": 1}, {"n": 0})  # an empty sum reads nothing


# ------------------------------------------------------------------------------------- the torch oracle
torch = pytest.importorskip("torch")


def torch_rk(f, y0, params, t_span, steps, method):
    """The explicit RK scheme of ``method`` written directly in torch (the oracle)."""
    tab = TABLEAUX[method]
    t0, t1 = t_span
    h = (t1 - t0) / steps
    y = y0
    for step in range(steps):
        t, ks = t0 + step * h, []
        for s, row in enumerate(tab.a):
            stage = y + sum(h * a * k for a, k in zip(row, ks)) if any(row) else y
            ks.append(f(stage, t + tab.c[s] * h, **params))
        y = y + sum(h * b * k for b, k in zip(tab.b, ks))
    return y


def gradbench_field(y, t, x):
    return torch.cat([x[:1], x[1:] * y[:-1]])


def decay(y, t, k, c):
    return -k * y + c


def lotka(y, t, a, b):
    z = a * y
    return torch.cat([z[:-1] - b * y[:-1] * y[1:], z[-1:]])


def forced(y, t, a, k):
    return a * np.cos(t) - k * y * y


def linear(y, t, A):
    return A @ y


FIELDS = {  # name: (symgd string, torch field, params, y0)
    "gradbench": ("where(i == 0, x[0], x[i]*y[i-1])", gradbench_field,
                  {"x": np.array([0.3, 1.2, 0.7, 0.9, 1.1])}, np.zeros(5)),
    "decay": ("-k*y[i] + c", decay, {"k": 0.8, "c": 0.3}, np.array([1.0, -0.5, 2.0])),
    "lotka": ("where(i == n-1, a[i]*y[i], a[i]*y[i] - b*y[i]*y[i+1])", lotka,
              {"a": np.array([1.0, 0.5, -0.3, 0.2]), "b": 0.4}, np.array([0.9, 1.1, 0.7, 1.3])),
    "forced": ("a[i]*cos(t) - k*y[i]^2", forced, {"a": np.array([1.0, 2.0, -1.0]), "k": 0.5},
               np.array([0.2, 0.0, 0.4])),
    "linear": ("sum(A[i,j]*y[j], j, 0, n-1)", linear,
               {"A": np.array([[-0.5, 1.0, 0.0], [-1.0, -0.2, 0.3], [0.1, 0.0, -0.4]])}, np.array([1.0, 0.0, -1.0])),
}


def oracle(name, method, steps, t_span, w):
    _, f, params, y0 = FIELDS[name]
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    ty0 = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
    y = torch_rk(f, ty0, tp, t_span, steps, method)
    (y @ torch.tensor(w)).backward()
    return y.detach().numpy(), {k: v.grad.numpy() for k, v in tp.items()}, ty0.grad.numpy()


@functools.cache
def compiled_field(text: str, backend: str):
    """One compiled field per string and backend for the whole module: numba compiles the RK loops
    around each field (seconds), and a field serves every method (the tableau is data)."""
    return symgd.ode_field(text, backend=backend)


@pytest.mark.parametrize("method", sorted(TABLEAUX))
@pytest.mark.parametrize("name", sorted(FIELDS))
def test_values_and_gradients_match_torch(name, method):
    text, _, params, y0 = FIELDS[name]
    w = np.linspace(0.5, -1.0, len(y0))
    y, grads, y0_grad = oracle(name, method, 7, (0.0, 1.5), w)
    sol = symgd.odeint(compiled_field(text, BACKENDS[-1]), y0, (0.0, 1.5), 7, params=params, method=method)
    np.testing.assert_allclose(sol.y, y, rtol=1e-12, atol=1e-13)
    got = sol.vjp(w)
    for k in params:
        np.testing.assert_allclose(got[k], grads[k], rtol=1e-10, atol=1e-12)
        assert np.shape(got[k]) == np.shape(params[k])
    np.testing.assert_allclose(got["y"], y0_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_backends_agree_on_the_gradbench_field(backend):
    text, _, params, y0 = FIELDS["gradbench"]
    y, grads, _ = oracle("gradbench", "rk4", 10, (0.0, 2.0), np.eye(5)[-1])
    sol = symgd.odeint(text, y0, (0, 2), 10, params=params, backend=backend)
    np.testing.assert_allclose(sol.y, y, rtol=1e-13)
    np.testing.assert_allclose(sol.grad(-1)["x"], grads["x"], rtol=1e-12)
    np.testing.assert_allclose(sol.grad(4)["x"], grads["x"], rtol=1e-12)


def test_finite_differences_agree():
    text, _, params, y0 = FIELDS["lotka"]
    w = np.array([0.3, -1.0, 0.5, 2.0])
    field = symgd.ode_field(text)  # compiled once for the 18 solves (each string would compile again)

    def value(a, b, y0):
        return symgd.odeint(field, y0, (0, 1), 9, params={"a": a, "b": b}, method="heun").y @ w
    got = symgd.odeint(text, y0, (0, 1), 9, params=params, method="heun").vjp(w)
    eps = 1e-6
    for k in range(4):
        e = np.eye(4)[k] * eps
        fd = (value(params["a"] + e, 0.4, y0) - value(params["a"] - e, 0.4, y0)) / (2 * eps)
        assert got["a"][k] == pytest.approx(fd, rel=1e-7, abs=1e-9)
        fd = (value(params["a"], 0.4, y0 + e) - value(params["a"], 0.4, y0 - e)) / (2 * eps)
        assert got["y"][k] == pytest.approx(fd, rel=1e-7, abs=1e-9)
    fd = (value(params["a"], 0.4 + eps, y0) - value(params["a"], 0.4 - eps, y0)) / (2 * eps)
    assert got["b"] == pytest.approx(fd, rel=1e-7)


@pytest.mark.parametrize("method, order", [("rk4", 4), ("rk3", 3), ("ssprk3", 3), ("midpoint", 2), ("heun", 2),
                                           ("ralston", 2), ("euler", 1)])
def test_methods_converge_at_their_order(method, order):
    integrate = pytest.importorskip("scipy.integrate")
    text, f, params, y0 = FIELDS["lotka"]
    a, b = params["a"], params["b"]

    def rhs(t, y):
        z = a * y
        z[:-1] -= b * y[:-1] * y[1:]
        return z
    true = integrate.solve_ivp(rhs, (0, 2), y0, method="DOP853", rtol=1e-13, atol=1e-14).y[:, -1]
    field = symgd.ode_field(text)  # compiled once for the three runs
    errors = [np.abs(symgd.odeint(field, y0, (0, 2), s, params=params, method=method).y - true).max()
              for s in (40, 80, 160)]
    ratios = [errors[0] / errors[1], errors[1] / errors[2]]
    assert all(2 ** order * 0.8 < r < 2 ** order * 1.25 for r in ratios), (errors, ratios)


def test_linear_field_converges_to_the_matrix_exponential():
    linalg = pytest.importorskip("scipy.linalg")
    _, _, params, y0 = FIELDS["linear"]
    sol = symgd.odeint("sum(A[i,j]*y[j], j, 0, n-1)", y0, (0, 1), 200, params=params)
    np.testing.assert_allclose(sol.y, linalg.expm(params["A"]) @ y0, rtol=1e-10)


def test_time_field_and_a_parameter_named_t():
    sol = symgd.odeint("t", [0.0], (0, 2), 3)  # RK4 is exact on y' = t: y(2) = 2
    assert sol.y[0] == pytest.approx(2.0, rel=1e-14)
    sol = symgd.odeint("t*y[i]", [1.0], (0, 1), 40, params={"t": 2.0})  # t a parameter: y = e^{2}
    assert sol.y[0] == pytest.approx(np.exp(2.0), rel=1e-5)
    assert sol.grad(0)["t"] == pytest.approx(np.exp(2.0), rel=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_field_that_reads_nothing_at_the_last_index(backend):
    # the loops' n comes from the cotangent's length: inferred from the reads (up to v[n-2]) it was n + 1,
    # and the field was applied at i = n-1 too
    sol = symgd.odeint("where(i == n-1, 0, c*y[i])", [1.0, 2.0, 3.0], (0, 1), 40, params={"c": 0.5}, backend=backend)
    np.testing.assert_allclose(sol.y, [np.exp(0.5), 2 * np.exp(0.5), 3.0], rtol=1e-9)
    np.testing.assert_allclose(sol.grad(2)["y"], [0.0, 0.0, 1.0])
    assert sol.grad(1)["c"] == pytest.approx(2 * np.exp(0.5), rel=1e-8)


def test_a_solution_without_stored_states():
    sol = symgd.odeint("-k*y[i]", [1.0, 2.0], (0, 1), 20, params={"k": 0.5}, store_states=False)
    full = symgd.odeint("-k*y[i]", [1.0, 2.0], (0, 1), 20, params={"k": 0.5})
    assert sol.ys is None and np.array_equal(sol.y, full.y)
    np.testing.assert_allclose(sol.y, np.exp(-0.5) * np.array([1.0, 2.0]), rtol=1e-8)
    lean, kept = sol.grad(0), full.grad(0)
    assert lean["k"] == kept["k"] and np.array_equal(lean["y"], kept["y"])
    with pytest.raises(DivergenceError, match="left the finite numbers at step 3 of 5"):
        symgd.odeint("y[i]^2", [10.0], (0, 10), 5, store_states=False)
    with pytest.raises(HyperParameterError, match="store_states must be True or False"):
        symgd.odeint("-y[i]", [1.0], (0, 1), 2, store_states="no")


def test_solution_is_frozen_and_vjp_repeats():
    sol = symgd.odeint("-k*y[i]", [1.0, 2.0], (0, 1), 5, params={"k": 0.5})
    with pytest.raises(ValueError):
        sol.y[0] = 3.0
    first, second = sol.grad(1), sol.grad(1)
    assert first["k"] == second["k"] and isinstance(first["k"], float)
    assert (sol.t, sol.steps, sol.method, sol.ys.shape) == (1.0, 5, "rk4", (6, 2))


def test_a_field_without_the_state():
    sol = symgd.odeint("x[i]", [1.0, 2.0], (0, 2), 4, params={"x": np.array([1.0, -1.0])})
    np.testing.assert_allclose(sol.y, [3.0, 0.0], atol=1e-15)
    np.testing.assert_allclose(sol.grad(0)["y"], [1.0, 0.0])
    np.testing.assert_allclose(sol.grad(0)["x"], [2.0, 0.0])


# ------------------------------------------------------------------------ the numba loops and the Python loops
needs_numba = pytest.mark.skipif("numba" not in BACKENDS, reason="numba is not installed")

RANDOM_FIELDS = {  # symgd string: params for a state of n (arrays drawn at their lengths)
    "where(i == 0, x[0], x[i]*y[i-1])": {"x": 0},
    "-k*y[i] + c": {"k": None, "c": None},  # scalar parameters only
    "a[i]*cos(t) - k*y[i]^2": {"a": 0, "k": None},  # time-dependent
    "x[i] + sin(t)": {"x": 0},  # without the state
    "2 - t": {},  # neither the state nor a parameter
    "where(i == n-1, a[i]*y[i], a[i]*y[i] - b*y[i]*y[i+1])": {"a": 0, "b": None},
    "exp(-y[i]^2)*c + a[i+1]*t": {"a": 1, "c": None},  # a parameter one longer than the state
    "where(i == n-1, 0, c - y[i+1])": {"c": None},  # nothing read at i = n-1 but y[n-1], from i = n-2
    "where(i == n-1, 0, c*y[i])": {"c": None},  # nothing read at i = n-1
}


@needs_numba
def test_a_one_index_field_runs_whole_in_numba():
    args = ([0.0, 0.0, 0.0], (0, 2), 3)
    text = "where(i == 0, x[0], x[i]*y[i-1])"
    assert symgd.odeint(text, *args, params={"x": [1.0, 2.0, 3.0]}, backend="numba").loop == "numba"
    assert symgd.odeint(text, *args, params={"x": [1.0, 2.0, 3.0]}, backend="numpy").loop == "python"
    linear = symgd.odeint("sum(A[i,j]*y[j], j, 0, n-1)", *args, params={"A": np.eye(3)}, backend="numba")
    assert linear.loop == "python"  # a nested sum: the reduction loops, called from the Python loop


@needs_numba
@pytest.mark.parametrize("text", sorted(RANDOM_FIELDS))
def test_numba_loops_equal_the_python_loops(text):
    rng = np.random.default_rng(len(text))
    fields = {b: symgd.ode_field(text, backend=b) for b in ("numba", "numpy")}
    for case, (n, steps) in enumerate([(1, 1), (2, 3), (7, 1), (50, 10), (13, 4), (1, 6)]):
        method = sorted(TABLEAUX)[case % len(TABLEAUX)]
        params = {k: rng.uniform(-1, 1) if extra is None else rng.uniform(-1, 1, n + extra)
                  for k, extra in RANDOM_FIELDS[text].items()}
        y0, w, span = rng.uniform(-1, 1, n), rng.normal(size=n), (rng.uniform(-1, 0), rng.uniform(0.1, 1))
        fast, slow = (symgd.odeint(f, y0, span, steps, params=params, method=method) for f in fields.values())
        assert (fast.loop, slow.loop) == ("numba", "python")
        np.testing.assert_allclose(fast.ys, slow.ys, rtol=1e-12, atol=1e-12)
        got, want = fast.vjp(w), slow.vjp(w)
        assert got.keys() == want.keys() == {*params, "y"}
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-12, err_msg=f"{text}: {k}")
            assert type(got[k]) is type(want[k])
        # without the stored states: the same y (the same loop, in place), the same gradient (solved again)
        lean = symgd.odeint(fields["numba"], y0, span, steps, params=params, method=method, store_states=False)
        assert lean.ys is None and np.array_equal(lean.y, fast.y)
        for k, g in lean.vjp(w).items():
            np.testing.assert_array_equal(g, got[k])


@pytest.mark.parametrize("backend", BACKENDS)
def test_threads_solving_at_once_get_their_own_work_arrays(backend):
    # the work arrays are kept per thread for its next solve of the same size (a fresh set page-faults
    # on first touch); the NumPy loops release the GIL between calls, so a shared set would mix solves
    import threading
    from symgd.loops import rk_steps
    field = symgd.ode_field("where(i == 0, x[0], x[i]*y[i-1]) - k*y[i]", backend=backend)
    cases = [(n, np.linspace(0.5, 1.5, n) * (1 + k)) for k, n in enumerate((40, 40, 40, 3))]

    def solve(n, x):
        sol = symgd.odeint(field, np.zeros(n), (0, 1), 7, params={"x": x, "k": 0.25})
        return sol.y, sol.grad(n - 1)["x"]

    want = [solve(n, x) for n, x in cases]
    got: dict = {}

    def worker(k):
        got[k] = [solve(*cases[k]) for _ in range(20)]
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(cases))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch inside the Python loop's solves
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    for k, (y, g) in enumerate(want):
        for y2, g2 in got[k]:
            assert np.array_equal(y2, y) and np.array_equal(g2, g)
    hA = np.tril(np.ones((4, 4)), -1)
    assert rk_steps.buffers(hA, 5, False)[0] is rk_steps.buffers(hA, 5, False)[0]  # kept for the same size
    assert rk_steps.buffers(hA, 6, False)[0].shape == (4, 6)
    big = rk_steps.POOL_BYTES // (8 * 9) + 1  # a forward set holds 9 rows of n: just over the cap
    assert rk_steps.buffers(hA, big, False)[0] is not rk_steps.buffers(hA, big, False)[0]  # not held after


@needs_numba
@pytest.mark.parametrize("value", [1.0, -0.0, 1e308, -1e308, 5e-324, np.inf, -np.inf, np.nan, -np.nan])
def test_the_numba_finiteness_check_equals_numpy(value):
    from symgd.loops import rk_steps
    finite = rk_steps.compiled()[4]
    for at in (0, 5, 12):  # the check ORs x - x != 0 over the entries: any position, either sign
        x = np.linspace(-2.0, 3.0, 13)
        x[at] = value
        assert finite(x) == rk_steps.finite(x) == bool(np.isfinite(x).all())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["len", "math", "value", "numpy", "range"])
def test_parameters_named_like_code_are_bounds_checked_too(name, backend):
    # the generated loops rename such parameters; the bounds checks look them up by the user's name
    # (numba checks no bounds: a renamed array once escaped the checks and was read past its end)
    with pytest.raises(CompileError, match=rf"reads {name}\[4\], outside {name}'s 2 entries"):
        symgd.odeint(f"{name}[i+4]*y[i]", np.ones(3), (0, 1), 2, params={name: np.ones(2)}, backend=backend)
    with pytest.raises(VariableError, match=f"{name} has 8 entries"):
        symgd.odeint(f"{name}[i+4]*y[i]", np.ones(3), (0, 1), 2, params={name: np.ones(8)}, backend=backend)
    a = np.linspace(0.5, 1.5, 7)
    sol = symgd.odeint(f"{name}[i+4]*y[i]", np.ones(3), (0, 1), 4, params={name: a}, backend=backend)
    plain = symgd.odeint("x[i+4]*y[i]", np.ones(3), (0, 1), 4, params={"x": a}, backend=backend)
    np.testing.assert_array_equal(sol.y, plain.y)
    np.testing.assert_array_equal(sol.grad(1)[name], plain.grad(1)["x"])


BOUNDS_CHECKED = """
import numpy as np, symgd
x = np.linspace(0.3, 1.1, 6)
for method in ("euler", "rk4"):  # the stage loop, the vector-Jacobian loop, on every read
    for field, state, params in [("where(i == 0, x[0], x[i]*a[i-1])", "a", {"x": x}),
                                 ("where(i == n-1, 0, c*y[i])", "y", {"c": 0.5}),
                                 ("where(i == 0, x[0], x[i]*y[i-1])", "y", {"x": x})]:
        sol = symgd.odeint(field, np.ones(6), (0, 1), 3, params=params, state=state, method=method)
        sol.grad(2)
        symgd.odeint(field, np.ones(6), (0, 1), 3, params=params, state=state, store_states=False).grad(0)
print("in bounds")
"""


@needs_numba
def test_the_numba_loops_read_inside_their_arrays():
    # numba checks no bounds by default; with NUMBA_BOUNDSCHECK=1 a read past an array raises. The loops
    # take n from the cotangent: inferred from the reads, a state read up to y[n-2] first by name (here
    # "a") gave n + 1
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1"}
    out = subprocess.run([sys.executable, "-c", BOUNDS_CHECKED], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and out.stdout.strip() == "in bounds", out.stderr[-2000:]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_parameter_longer_than_its_reads_is_refused(backend):
    # the loops take n from an array's length: one longer than its reads would be read past y's end
    with pytest.raises(VariableError, match=r"a has 3 entries; the field reads a\[0\] to a\[1\] at n = 2"):
        symgd.odeint("a[i]*y[i]", [1.0, 2.0], (0, 1), 2, params={"a": [1.0, 2.0, 3.0]}, backend=backend)
    sol = symgd.odeint("a[i+1]*y[i]", [1.0, 2.0], (0, 1), 2, params={"a": [1.0, 2.0, 3.0]}, backend=backend)
    assert sol.y.shape == (2,)


# -------------------------------------------------------------------------------------- hostile inputs
@pytest.mark.parametrize("steps", [0, -1, 1.5, "3", True, None])
def test_bad_steps(steps):
    with pytest.raises(HyperParameterError, match="steps must be a whole number"):
        symgd.odeint("-y[i]", [1.0], (0, 1), steps)


def test_huge_steps_are_refused_before_allocating():
    with pytest.raises(BudgetError, match="for the stored states"):
        symgd.odeint("-y[i]", [1.0], (0, 1), 10**12)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"y0": [1.0, float("nan")]}, VariableError, "finite"),
    ({"y0": []}, VariableError, "nonempty"),
    ({"y0": [[1.0]]}, VariableError, "1-D"),
    ({"y0": ["a"]}, VariableError, "real numbers"),
    ({"t_span": (0, float("inf"))}, HyperParameterError, "finite"),
    ({"t_span": (0,)}, HyperParameterError, "two numbers"),
    ({"method": "rk5"}, HyperParameterError, "unknown method 'rk5'"),
    ({"backend": "jax"}, CompileError, "unknown backend"),
    ({"params": {}}, VariableError, "missing k"),
    ({"params": {"k": 1.0, "z": 2.0}}, VariableError, "unknown z"),
    ({"params": {"k": [1.0, 2.0]}}, VariableError, "must be a number"),
    ({"params": {"k": float("nan")}}, VariableError, "finite"),
])
def test_bad_inputs(kwargs, error, match):
    args = {"y0": [1.0, 2.0], "t_span": (0, 1), "params": {"k": 1.0}, **kwargs}
    with pytest.raises(error, match=match):
        symgd.odeint("-k*y[i]", args.pop("y0"), args.pop("t_span"), 3, **args)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("field, match", [
    # unguarded: refused, never read (numpy's compile refuses it already, numba's before the first call)
    ("x[i]*y[i-1]", r"y\[i - 1\] (at i = 0 reads y\[-1\]|reads before the start of y at i = 0)"),
    ("y[i+1]", r"y\[i \+ 1\] at i = 2 reads y\[3\]"),
    ("where(i == 7, 1, y[i+1])", r"reads y\[3\]"),  # a condition the split cannot place: both branches read
])
def test_reads_outside_the_state_are_refused(backend, field, match):
    with pytest.raises(CompileError, match=match):
        symgd.odeint(field, [1.0, 2.0, 3.0], (0, 1), 2, params={"x": [1.0, 2.0, 3.0]} if "x" in field else None,
                     backend=backend)


def test_a_short_parameter_array_is_refused():
    with pytest.raises(CompileError, match=r"a\[i\] at i = 2 reads a\[2\]"):
        symgd.odeint("a[i]*y[i]", [1.0, 2.0, 3.0], (0, 1), 2, params={"a": [1.0, 2.0]})


@pytest.mark.parametrize("field, error", [
    ("__import__('os')", ParseError),
    ("y[i] +", ParseError),
    ("y*2", CompileError),  # the state without its index
    ("y[i, i]", CompileError),
])
def test_bad_fields(field, error):
    with pytest.raises(error):
        symgd.odeint(field, [1.0], (0, 1), 2)


def test_unknown_name_in_the_field():
    with pytest.raises(VariableError, match="missing q"):
        symgd.odeint("-q*y[i]", [1.0], (0, 1), 2)


def test_divergence_is_reported():
    with pytest.raises(DivergenceError, match="left the finite numbers at step"):
        symgd.odeint("y[i]^2", [10.0], (0, 10), 5)


def test_every_error_is_a_symgd_error():
    assert issubclass(HyperParameterError, SymgdError) and issubclass(BudgetError, SymgdError)
    assert isinstance(split_index_conditions(sympy.Integer(1)), sympy.Integer)


def test_docstring_example():
    import doctest

    import symgd.loops.odeint as module
    assert doctest.testmod(module).failed == 0
