"""Branch-safe evaluation (issue 14): where/comparisons parse, an untaken branch never reaches the user as a
nan, inf, exception or warning on any backend, kinks have defined derivatives (0 a.e. for their second
derivatives and DiracDelta), and Newton on a kink runs. Oracles: sympy (subs of the expression and of
sympy.diff), torch autograd at kinks."""
from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
import sympy

import symgd
from symgd.calculus.graph import build_graph
from symgd.errors import ParseError
from symgd.parse import parse

pytestmark = pytest.mark.filterwarnings("error")  # a RuntimeWarning from an untaken branch fails a test

x, y = sympy.symbols("x y")
xr, yr = sympy.symbols("x y", real=True)  # the oracles' symbols: sympy differentiates |u| as sign(u) only for real u
BACKENDS = ["python", "numpy", "numba", "torch"] + (["jax"] if importlib.util.find_spec("jax") else [])

GUARDED = ["where(x > 0, 1/x, 0)", "where(x > 0, sqrt(x), 0)", "where(x > 0, log(x), 0)",
           "where(x > 1, log(x - 1)^2, 1 - x)", "where(x <= 0, 0, x*log(x))", "where(x != 0, sin(x)/x, 1)",
           "where(x > 0, 1/x, 0) + where(x > 0, 1/x^2, 3)"]
POINTS = [0.0, -1.0, -1e-300, 1.0, 2.5, 1e-300]
#: cos(x)/x - sin(x)/x^2 cancels near 0 inside the taken branch (a stability question, not a branch one)
CANCELS = {"where(x != 0, sin(x)/x, 1)"}


def _points(text: str) -> list[float]:
    return [p for p in POINTS if text not in CANCELS or p == 0 or abs(p) > 1e-3]


def _oracle(text: str, point: float) -> tuple[float, float]:
    """Value and derivative from sympy: subs into the expression and into sympy.diff of it."""
    expr = parse(text).xreplace({x: xr})
    return float(expr.subs(xr, point)), float(sympy.diff(expr, xr).subs(xr, point))


def _num(v) -> np.ndarray:
    return np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=np.float64)


def _compile(text: str, backend: str):
    if backend in ("torch", "jax"):
        pytest.importorskip(backend)
    if backend == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
    return symgd.compile(text, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", GUARDED)
def test_untaken_branch_is_never_evaluated_into_the_result(text, backend):
    c = _compile(text, backend)
    for p in _points(text):
        value, grad = _oracle(text, p)
        if not (math.isfinite(value) and math.isfinite(grad)):
            continue  # 1/x^2 at 1e-300: the true derivative is beyond float64 (not a branch question)
        if backend in ("python", "numba"):
            assert isinstance(c.value(p), float) and isinstance(c.grad(p)[0], float)  # never the int 0
        got_v, (got_g,) = _num(c.value(p)), c.grad(p)
        assert np.isfinite(got_v) and math.isclose(float(got_v), value, rel_tol=1e-12, abs_tol=1e-300), (p,)
        assert math.isclose(float(_num(got_g)), grad, rel_tol=1e-12, abs_tol=1e-300), (p, got_g, grad)


@pytest.mark.parametrize("backend", ["numpy", "torch"] + (["jax"] if "jax" in BACKENDS else []))
@pytest.mark.parametrize("text", GUARDED)
def test_arrays_mixing_both_sides(text, backend):
    c = _compile(text, backend)
    xs = np.array([-2.0, -1e-300, 0.0, 1e-300, 0.5, 3.0] if text not in CANCELS else [-2.0, 0.0, 0.5, 3.0])
    arg = xs
    if backend == "torch":
        import torch
        arg = torch.tensor(xs)
    elif backend == "jax":
        import jax.numpy as jnp
        arg = jnp.asarray(xs)
    got_v, (got_g,) = _num(c.value(arg)), c.grad(arg)
    want = np.array([_oracle(text, p) for p in xs])
    np.testing.assert_allclose(got_v, want[:, 0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(_num(got_g), want[:, 1], rtol=1e-12, atol=0)


def test_warnings_are_silenced_only_inside_the_branches():
    """log(x) outside any where still warns at x = -1 on numpy (errstate covers the select alone)."""
    c = symgd.compile("where(x > 0, 1/x, 0) + log(x + 2)", backend="numpy")
    assert c.value(np.array([0.0]))[0] == pytest.approx(math.log(2))
    with pytest.warns(RuntimeWarning):
        c.value(np.array([-3.0]))


def test_graph_keeps_guarded_operations_inside_the_piecewise_node():
    """No node outside the Piecewise computes 1/x, sqrt(x) or log(x) (wrenfold's lesson)."""
    for text in GUARDED[:3]:
        graph = build_graph(parse(text))
        outside = [n for n in graph.nodes if n.kind == "op" and not isinstance(n.expr, sympy.Piecewise)]
        assert all(not n.definition.has(1 / x, sympy.sqrt(x), sympy.log(x)) for n in outside), text
        gradient = graph.gradient()[0]
        assert sympy.simplify(gradient - sympy.diff(parse(text), x)) == 0


KINKS = {  # symgd expression -> torch function (its autograd defines the derivative at the kink)
    "abs(x)": lambda t, u: t.abs(), "sign(x)": lambda t, u: t.sign(),
    "max(x, y)": lambda t, u: t.maximum(u), "min(x, y)": lambda t, u: t.minimum(u),
    "relu(x) + y": lambda t, u: t.maximum(t.new_zeros(())) + u,
    "Heaviside(x) + y": lambda t, u: 0.5 * t.sign() + 0.5 + u,
    "abs(x - y) + where(x > y, log(x - y), 0)": None,
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", list(KINKS))
def test_kinks_have_defined_values_and_derivatives(text, backend):
    torch = pytest.importorskip("torch")
    c = _compile(text, backend)
    names = c.variables
    for point in [(0.0, 0.0), (1.0, 1.0), (-2.0, 0.5), (0.5, -2.0)]:
        args = point[:len(names)]
        expr = parse(text)
        want_v = float(expr.subs(dict(zip((x, y), point))))
        got_v = float(_num(c.value(*args)))
        assert got_v == pytest.approx(want_v, rel=1e-12, abs=1e-300)
        got_g = [float(_num(g)) for g in c.grad(*args)]
        assert all(math.isfinite(g) for g in got_g)
        if KINKS[text] is not None:
            t, u = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point)
            KINKS[text](t, u).backward()
            want_g = [t.grad.item() if t.grad is not None else 0.0, u.grad.item() if u.grad is not None else 0.0]
            assert got_g == pytest.approx(want_g[:len(names)], abs=1e-15), point


def test_hessian_of_a_kink_is_defined_zero_almost_everywhere():
    h = symgd.hessian("abs(x*y - 1)")
    assert not h.has(sympy.Subs, sympy.DiracDelta, sympy.Derivative)
    oracle = sympy.hessian(sympy.Abs(xr * yr - 1), (xr, yr)).replace(
        lambda e: isinstance(e, (sympy.DiracDelta, sympy.Derivative, sympy.Subs)), lambda e: 0)
    for px, py in [(2.0, 3.0), (0.1, 0.2), (-1.0, 4.0)]:
        got = [float(v.subs({x: px, y: py})) for v in h]
        assert got == pytest.approx([float(v.subs({xr: px, yr: py})) for v in oracle])


def test_hessian_of_where_matches_sympy():
    text = "where(x > 0, x^3*y, -x^2 + y^2)"
    h = symgd.hessian(text)
    oracle = sympy.hessian(parse(text), (x, y))
    for pt in [{x: 1.5, y: 2.0}, {x: -1.0, y: 0.5}, {x: 0.0, y: 1.0}]:
        assert [float(v.subs(pt)) for v in h] == pytest.approx([float(v.subs(pt)) for v in oracle])


def test_newton_on_a_kink_runs():
    """No NameError from a Subs in the Hessian; Newton reaches the kink xy = 1 (|xy - 1|'s minimum)."""
    result = symgd.minimize("abs(x*y - 1)", {"x": 2, "y": 3}, optimizer="newton")
    assert abs(float(sympy.Abs(xr * yr - 1).subs({xr: result.x["x"], yr: result.x["y"]}))) < 1e-12
    result = symgd.minimize("where(x > 0, x*log(x), 0) + (x - 2)^2", {"x": 3}, optimizer="newton")
    assert result.converged and result.x["x"] == pytest.approx(float(sympy.nsolve(
        sympy.log(x) + 1 + 2 * (x - 2), x, 1.3)), rel=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_dirac_delta_compiles_to_zero(backend):
    c = _compile("x^2 + DiracDelta(x - 1)", backend)
    for p in (0.0, 1.0, 2.0):
        assert float(_num(c.value(p))) == pytest.approx(p * p)
        assert float(_num(c.grad(p)[0])) == pytest.approx(2 * p)


def test_cli_solve_of_dirac_delta_and_newton_kink_print_no_traceback(capsys):
    from symgd.cli import main
    for argv in (["solve", "DiracDelta(x)"], ["solve", "abs(x*y-1)", "--optimizer", "newton", "--at", "x=2,y=3"]):
        code = main(argv)
        out = capsys.readouterr()
        assert code in (0, 1) and "Traceback" not in out.err + out.out and "internal error" not in out.err


@pytest.mark.parametrize("text,printed", [
    ("where(x > 0, 1/x, 0)", sympy.Piecewise((1 / x, x > 0), (0, True))),
    ("where(x <= y, x, y)", sympy.Piecewise((x, x <= y), (y, True))),
    ("where(x ≥ 1, 1, 2)", sympy.Piecewise((1, x >= 1), (2, True))),
    ("where(x == 0, 1, sin(x)/x)", sympy.Piecewise((1, sympy.Eq(x, 0)), (sympy.sin(x) / x, True))),
    ("where(x != 0, x, 1)", sympy.Piecewise((x, sympy.Ne(x, 0)), (1, True))),
    ("Piecewise((1/x, x > 0), (x, x < -1), (0, True))",
     sympy.Piecewise((1 / x, x > 0), (x, x < -1), (0, True))),
])
def test_where_parses_and_its_printed_form_parses_back(text, printed):
    assert parse(text) == printed
    assert parse(str(printed)) == printed


@pytest.mark.parametrize("text,fragment", [
    ("x > 0", "only the condition of where"), ("sin(x < 1)", "not a comparison"),
    ("where(x, 1, 2)", "must be a comparison"), ("where(x > 0, 1)", "takes 3 arguments"),
    ("where(x > 0, y < 1, 2)", "must be a comparison"), ("Piecewise(x, 1)", "pairs"),
    ("Eq(x, 0)", "only the condition of where"), ("u = Ne(x, 1); u", "only the condition of where"),
])
def test_misused_comparisons_are_parse_errors_with_a_caret(text, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert fragment in str(info.value) and "^" in str(info.value)


def test_graph_values_at_a_point_skip_the_untaken_branch():
    """symgd graph --at x=0 (Graph.evaluate): the node's value is the taken branch, not 'undefined'."""
    text = "where(x > 0, 1/x, x^2) + where(x < 2, log(2 - x), 0)"
    graph = build_graph(parse(text))
    for p in (0.0, 2.0, 3.0):
        values = graph.evaluate({"x": p})
        want_v, want_g = _oracle(text, p)
        assert values[graph.output].value == pytest.approx(want_v, rel=1e-12, abs=1e-300)
        assert values["x"].adjoint == pytest.approx(want_g, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("method,options", [("lm", {}), ("gauss-newton", {}), ("linear", {}),
                                            ("adam", dict(steps=3000, lr=0.05)), ("lm", dict(chunk_size=9))])
def test_fit_of_a_where_model(method, options, tmp_path):
    """A hinge and a guarded log fit on every method (the condition is never hoisted into a float column),
    against numpy's least squares on the same design."""
    xs = np.linspace(-2.0, 2.0, 81)
    hinge = np.where(xs > 0.5, xs - 0.5, 0.0)
    ys = 1.3 * hinge + 0.2 + 0.01 * np.cos(5 * xs)
    want = np.linalg.lstsq(np.c_[hinge, np.ones_like(xs)], ys, rcond=None)[0]
    data = {"x": xs, "y": ys}
    if "chunk_size" in options:
        data = str(tmp_path / "d.csv")
        np.savetxt(data, np.c_[xs, ys], delimiter=",", header="x,y", comments="")
    res = symgd.fit("where(x > 0.5, a*(x - 0.5), 0) + b", data, method=method, **options)
    tol = 1e-8 if method != "adam" else 1e-4
    assert [res.params["a"], res.params["b"]] == pytest.approx(list(want), abs=tol)
    logs = np.log(np.where(xs > 0, xs, 1.0)) * (xs > 0)
    res = symgd.fit("where(x > 0, a*log(x), 0) + b", {"x": xs, "y": 0.5 * logs + 1}, method="lm")
    assert [res.params["a"], res.params["b"]] == pytest.approx([0.5, 1.0], abs=1e-8)


@pytest.mark.parametrize("text", GUARDED[:5])
def test_torch_autograd_through_the_generated_code_gets_no_nan(text):
    """The plain torch functions keep autograd: .backward() through where(x > 0, 1/x, 0) at x = 0 gives the
    sympy derivative, not 0·inf = nan (each branch reads its operands through a double where)."""
    torch = pytest.importorskip("torch")
    c = symgd.compile(text, backend="torch")
    xs = [p for p in _points(text) if all(map(math.isfinite, _oracle(text, p)))]
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    c.value(t).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [_oracle(text, p)[1] for p in xs], rtol=1e-12, atol=0)
