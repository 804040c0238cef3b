"""The in-place (out=) NumPy data loop: its gradient against sympy.diff (lambdified, the oracle), its
rule update against the rule's own sympy expressions evaluated by lambdify, and whole runs against
the allocating loop."""
import numpy as np
import pytest
import sympy

from symgd.codegen.data import compile_data
from symgd.codegen.data_buffered import inplace_functions
from symgd.loops.fused_data import _array_loop, fused_data_minimize
from symgd.codegen.rule import G, T, X
from symgd.optim.adam import adam_rule
from symgd.optim.gd import gd_rule
from symgd.optim.momentum import momentum_rule
from symgd.optim.rmsprop import rmsprop_rule

a, b, c, d, x, y, w = sympy.symbols("a b c d x y w")
XS = np.linspace(-1.5, 1.5, 97)
DATA = {"x": XS, "y": np.sin(XS), "w": 1.0 + 0.5 * np.cos(XS)}
CASES = {  # name: (per-sample expression, parameters, θ)
    "exp_decay": ((a * sympy.exp(-b * x) + c - y) ** 2, (a, b, c), (1.2, 0.4, 0.1)),
    "cubic": ((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d), (0.1, 0.9, -0.05, -0.12)),
    "one_minus_exp": ((b * (1 - sympy.exp(-c * x)) - y) ** 2 + sympy.Rational(1, 10) * b**2, (b, c), (0.7, 0.3)),
    "weighted_huber": (sympy.sqrt(1 + w * (a * x + b - y) ** 2) - 1 + a**2 / 5, (a, b), (0.3, -0.2)),
    "block_and_scalars": ((a * x + b * x**2 - y) ** 2 * sympy.exp(c) + (c - 1) ** 4 / (1 + d**2)
                          + sympy.Max(0, d * x) + sympy.tanh(d * x) ** 3 / (1 + x**2 * d**2), (a, b, c, d),
                          (0.2, 0.1, -0.3, 0.8)),
    "powers": ((a * x) ** 5 + (1 + (b * x - 1) ** 2) ** sympy.Rational(3, 2) + 1 / (1 + (a * x) ** 2) ** 2
               + sympy.log(1 + b**2 * x**2), (a, b), (0.6, -0.4)),
    "two_blocks": ((a * x + c * x**2 - y) ** 2 * sympy.exp(b) + (d * x + b * x**3) ** 2, (a, b, c, d),
                   (0.3, -0.2, 0.1, 0.4)),
    "no_parameter_in_expr": (y * 1, (a,), (1.0,)),
}
RULES = [gd_rule(1e-3), momentum_rule(1e-3, 0.9), momentum_rule(1e-3, 0.9, dampening=0.2),
         adam_rule(1e-2), rmsprop_rule(1e-3, momentum=0.5)]


def _bound(name):
    expr, params, theta = CASES[name]
    data = tuple(s for s in (x, y, w) if s in expr.free_symbols)
    return compile_data(expr, params, data).bind(DATA), expr, params, np.array(theta)


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_gradient_equals_sympy_diff(name):
    bound, expr, params, theta = _bound(name)
    grad, _ = inplace_functions(bound, gd_rule(0.1))
    args = dict(zip(params, theta))
    want = [np.sum(np.broadcast_to(sympy.lambdify((x, y, w), sympy.diff(expr, p).subs(args), "numpy")(
        XS, DATA["y"], DATA["w"]), XS.shape)) for p in params]
    got = grad(theta).copy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad(theta), got, rtol=0, atol=0)  # buffers reused: same answer again


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.name}{len(r.state_update[0].args) if r.slots else ''}")
def test_inplace_rule_equals_its_expressions(rule):
    """Five updates of a 3-vector against the rule's sympy expressions, coordinate by coordinate."""
    _, update = inplace_functions(_bound("exp_decay")[0], rule)
    slots = rule.slot_symbols()
    state_fns = [sympy.lambdify((X, G, T, *slots), e, "math") for e in rule.state_update]
    new = sympy.symbols(f"n0:{len(slots)}")
    x_fn = sympy.lambdify((X, G, T, *new), rule.x_update.xreplace(dict(zip(slots, new))), "math")
    xs, want = np.array([1.0, -2.0, 0.5]), [[1.0, -2.0, 0.5], [list(rule.init)] * 3]
    for k in range(1, 6):
        g = np.sin(3.0 * xs + k)
        for i in range(3):
            xi, si = want[0][i], want[1][i]
            ni = [f(xi, g[i], float(k), *si) for f in state_fns]
            want[0][i], want[1][i] = x_fn(xi, g[i], float(k), *ni), ni
        xs = update(xs, g, float(k))
    np.testing.assert_allclose(xs, want[0], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("rule", [RULES[0], RULES[2], RULES[3]], ids=lambda r: r.name)
@pytest.mark.parametrize("name", ["exp_decay", "cubic", "weighted_huber", "block_and_scalars", "two_blocks"])
def test_inplace_loop_equals_allocating_loop(name, rule):
    bound, _, _, theta = _bound(name)
    loop = dict(steps=200, tol=0.0, check_every=7, record_every=40)
    fast, slow = _array_loop(bound, rule, theta, loop, True), _array_loop(bound, rule, theta, loop, False)
    assert fast.status == slow.status and fast.nit == slow.nit == 200
    np.testing.assert_allclose(fast.x, slow.x, rtol=1e-11, atol=1e-13)
    assert fast.value == pytest.approx(slow.value, rel=1e-11)
    assert [h[0] for h in fast.history] == [h[0] for h in slow.history] == [0, 40, 80, 120, 160, 200]
    for hf, hs in zip(fast.history, slow.history):
        np.testing.assert_allclose(hf[1], hs[1], rtol=1e-11, atol=1e-13)
        assert hf[2] == pytest.approx(hs[2], rel=1e-11) and hf[3] == pytest.approx(hs[3], rel=1e-9, abs=1e-12)


def test_default_numpy_loop_converges_like_the_allocating_one():
    bound, _, _, theta = _bound("cubic")
    rule = momentum_rule(2e-3, 0.9)
    r = fused_data_minimize(bound, rule, theta, 20000, tol=1e-6, check_every=10, backend="numpy")
    ref = _array_loop(bound, rule, theta, dict(steps=20000, tol=1e-6, check_every=10, record_every=0), False)
    feats = np.stack([XS**0, XS, XS**2, XS**3], axis=1)
    np.testing.assert_allclose(r.x, np.linalg.lstsq(feats, DATA["y"], rcond=None)[0], rtol=1e-5, atol=1e-7)
    assert r.status == ref.status == "gradient" and r.nit == ref.nit and r.grad_norm <= 1e-6
    np.testing.assert_allclose(r.x, ref.x, rtol=1e-9)
