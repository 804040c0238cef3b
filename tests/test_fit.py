"""symgd.fit: least squares (LM, Gauss–Newton, closed form), statistics, losses and reports.

Oracles: scipy.optimize.least_squares, numpy's normal-equation statistics, central finite differences,
torch's HuberLoss.
"""
import json

import numpy as np
import pytest

from symgd.errors import DomainError, VariableError
from symgd.fit import fit
from symgd.fit.data import from_arrays
from symgd.fit.model import build_model
from symgd.fit.reduce import LstsqPieces, Objective

RNG = np.random.default_rng(42)
X = np.linspace(0.0, 4.0, 40)
Y_EXP = 3.0 * np.exp(-0.7 * X) + 0.5 + RNG.normal(0, 0.02, X.size)
EXP_DATA = {"x": X, "y": Y_EXP}
EXP_MODEL = "a*exp(-k*x) + c"


def _scipy_fit(x0):
    scipy_opt = pytest.importorskip("scipy.optimize")

    def res(t):
        return Y_EXP - (t[0] * np.exp(-t[2] * X) + t[1])
    return scipy_opt.least_squares(res, x0, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15).x


@pytest.mark.parametrize("method", ["lm", "gauss-newton"])
def test_least_squares_matches_scipy(method):
    res = fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3}, method=method)
    ref = _scipy_fit([1.0, 0.0, 0.3])  # parameters sorted by name: a, c, k
    assert res.names == ("a", "c", "k")
    assert res.converged
    # both stop when a step's RSS reduction is lost in rounding: the minimiser is resolved to ~1e-8
    np.testing.assert_allclose(res.x, ref, rtol=1e-7)


def test_statistics_match_normal_equations():
    res = fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3})
    a, c, k = res.x
    J = np.column_stack([np.exp(-k * X), np.ones_like(X), -a * X * np.exp(-k * X)])  # d model / d theta
    r = Y_EXP - (a * np.exp(-k * X) + c)
    rss = r @ r
    cov = np.linalg.inv(J.T @ J) * rss / (X.size - 3)
    se = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(res.rss, rss, rtol=1e-12)
    np.testing.assert_allclose([res.stderr[n] for n in res.names], se, rtol=1e-7)
    np.testing.assert_allclose(res.correlation, cov / np.outer(se, se), atol=1e-8)
    tss = np.sum((Y_EXP - Y_EXP.mean()) ** 2)
    np.testing.assert_allclose(res.r2, 1 - rss / tss, rtol=1e-12)
    np.testing.assert_allclose(res.aic, X.size * np.log(rss / X.size) + 6, rtol=1e-12)


def test_linear_model_closed_form_beside_lm():
    x = np.linspace(-1, 1, 30)
    y = 1.5 - 2.0 * x + 0.25 * x ** 2 + RNG.normal(0, 0.01, x.size)
    res = fit("p0 + p1*x + p2*x^2", {"x": x, "y": y})
    design = np.column_stack([np.ones_like(x), x, x ** 2])
    ref = np.linalg.lstsq(design, y, rcond=None)[0]
    np.testing.assert_allclose([res.closed_form[n] for n in res.names], ref, rtol=1e-12)
    np.testing.assert_allclose(res.x, ref, rtol=1e-9)
    only = fit("p0 + p1*x + p2*x^2", {"x": x, "y": y}, method="linear")
    np.testing.assert_allclose(only.x, ref, rtol=1e-12)
    assert only.nit == 0 and only.closed_form is None
    with pytest.raises(VariableError, match="linear"):
        fit(EXP_MODEL, EXP_DATA, method="linear")


def test_nonlinear_model_has_no_closed_form():
    assert fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3}).closed_form is None


def test_chunked_pieces_equal_one_chunk():
    model = build_model(EXP_MODEL, ["x", "y"])
    theta = np.array([2.0, 0.4, 0.5])
    whole = Objective(model, from_arrays(EXP_DATA)).pieces(theta)
    chunked = Objective(model, from_arrays(EXP_DATA, chunk_size=7)).pieces(theta)
    J = Objective(model, from_arrays(EXP_DATA)).bound("residual").__next__().sample_jacobian(theta)
    r = Objective(model, from_arrays(EXP_DATA)).residuals(theta)
    for p in (whole, chunked):
        np.testing.assert_allclose(p.jtj, J.T @ J, rtol=1e-12)
        np.testing.assert_allclose(p.jtr, J.T @ r, rtol=1e-12)
        np.testing.assert_allclose(p.rss, r @ r, rtol=1e-13)
    a = fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3})
    b = fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3}, chunk_size=9)
    np.testing.assert_allclose(a.x, b.x, rtol=1e-7)


def test_pieces_with_fewer_rows_than_parameters():
    J = RNG.normal(size=(2, 4))
    r = RNG.normal(size=2)
    p = LstsqPieces.from_rows(J, r).combine(LstsqPieces.from_rows(J[:1], r[:1]))
    Js, rs = np.vstack([J, J[:1]]), np.concatenate([r, r[:1]])
    np.testing.assert_allclose(p.jtj, Js.T @ Js, atol=1e-12)
    np.testing.assert_allclose(p.jtr, Js.T @ rs, atol=1e-12)


@pytest.mark.parametrize("loss", ["mae", "huber", "log(cosh(r))", "mse"])
def test_loss_gradients_match_finite_differences(loss):
    model = build_model(EXP_MODEL, ["x", "y"], loss=loss, huber_delta=0.1)
    obj = Objective(model, from_arrays(EXP_DATA))
    theta = np.array([2.0, 0.4, 0.5])
    _, grad = obj.loss_and_grad(theta)
    h = 1e-6
    fd = [(obj.loss(theta + h * e) - obj.loss(theta - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)


def test_huber_matches_torch():
    torch = pytest.importorskip("torch")
    model = build_model(EXP_MODEL, ["x", "y"], loss="huber", huber_delta=0.3)
    theta = np.array([2.0, 0.4, 0.5])
    value = Objective(model, from_arrays(EXP_DATA)).loss(theta)
    pred = torch.tensor(theta[0] * np.exp(-theta[2] * X) + theta[1])
    ref = torch.nn.HuberLoss(delta=0.3)(pred, torch.tensor(Y_EXP)).item()
    assert value == pytest.approx(ref, rel=1e-12)


def test_target_formula_and_parameter_detection():
    x = np.linspace(1, 2, 20)
    y = np.exp(0.5 + 1.5 * x)
    res = fit("u + v*x", {"x": x, "y": y}, target="log(y)")
    np.testing.assert_allclose([res.params["u"], res.params["v"]], [0.5, 1.5], rtol=1e-10)
    assert build_model("a*x + b*z", ["x", "z", "y"]).names == ("a", "b")


@pytest.mark.parametrize("kwargs, match", [
    ({"x0": {"q": 1.0}}, "not parameters"),
    ({"loss": "r^2 + w"}, "neither"),
    ({"loss": "q^2"}, "formula in r"),
    ({"target": "log(z)"}, "not data columns"),
    ({"bounds": {"a": (1.0, 0.0)}}, "low < high"),
])
def test_bad_input_is_refused(kwargs, match):
    with pytest.raises(VariableError, match=match):
        fit(EXP_MODEL, EXP_DATA, **kwargs)


def test_start_outside_the_domain():
    with pytest.raises(DomainError, match="not defined at the start"):
        fit("log(b*x)", {"x": [1.0, 2.0, 3.0], "y": [0.0, 0.7, 1.1]}, x0={"b": -1.0})


def test_warnings_singular_bound_and_no_convergence():
    singular = fit("a*b*x", {"x": X, "y": 2 * X})
    assert any("singular Jacobian" in w for w in singular.warnings)
    assert np.isnan(singular.stderr["a"])
    bounded = fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3}, bounds={"c": (0.0, 0.2)})
    assert bounded.params["c"] == pytest.approx(0.2)
    assert any("c is at its upper bound" in w for w in bounded.warnings)
    short = fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3}, max_nfev=2)
    assert not short.converged and any("did not converge" in w for w in short.warnings)


def test_report_formats():
    res = fit(EXP_MODEL, EXP_DATA, x0={"a": 1.0, "c": 0.0, "k": 0.3})
    text = res.report()
    for piece in ("[[Fit Statistics]]", "[[Variables]]", "[[Correlations]]", "a:", "+/-", "R-squared"):
        assert piece in text
    md = res.report("markdown")
    assert "| parameter | value | std. error |" in md and "| k |" in md
    data = json.loads(res.report("json"))
    assert data["params"] == res.params and data["stderr"] == res.stderr and data["converged"] is True
    with pytest.raises(VariableError):
        res.report("html")
