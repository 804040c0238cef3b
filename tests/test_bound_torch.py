"""Data programs on torch: gradients against torch autograd of the loss written directly in torch, the
torch descent loop against the NumPy loop (and a hand loop on sympy.diff's gradient), host reads only
at check points."""
import numpy as np
import pytest
import sympy

torch = pytest.importorskip("torch")

from symgd.codegen.data import compile_data  # noqa: E402
from symgd.codegen.data_torch import bind_torch, to_torch  # noqa: E402
from symgd.loops.fused_data import fused_data_minimize  # noqa: E402
from symgd.optim.adam import adam_rule  # noqa: E402
from symgd.optim.gd import gd_rule  # noqa: E402
from symgd.optim.momentum import momentum_rule  # noqa: E402

a, b, c, d, x, y, w = sympy.symbols("a b c d x y w")
XS = np.linspace(0.0, 3.0, 257)
YS = 2.0 * np.exp(-0.7 * XS) + 0.3 + 0.05 * np.sin(5 * XS)
WS = 1.0 + 0.1 * XS**2
DATA = {"x": XS, "y": YS, "w": WS}
EXP = ((a * sympy.exp(-b * x) + c - y) ** 2, (a, b, c))
CUBIC = ((a + b * x + c * x**2 + d * x**3 - y) ** 2, (a, b, c, d))
LR = {"exp": {"gd": 2e-4, "momentum": 1e-4, "adam": 0.01}, "cubic": {"gd": 1e-5, "momentum": 2e-6, "adam": 0.01}}


def _rule(name, rule_name):
    lr = LR[name][rule_name]
    return {"gd": gd_rule, "momentum": lambda lr: momentum_rule(lr, 0.9), "adam": adam_rule}[rule_name](lr)


def _torch_losses(t):
    """The same losses written by hand in torch (the autograd oracle), per sample."""
    xs, ys, ws = (torch.as_tensor(v, dtype=t.dtype) for v in (XS, YS, WS))
    return {
        "exp": lambda th: (th[0] * torch.exp(-th[1] * xs) + th[2] - ys) ** 2,
        "cubic": lambda th: (th[0] + th[1] * xs + th[2] * xs**2 + th[3] * xs**3 - ys) ** 2,
        "blocks": lambda th: ((th[0] * xs + th[2] * xs**2 - ys) ** 2 * torch.exp(th[1])
                              + (th[3] * xs + th[1] * xs**3) ** 2),
        "huber": lambda th: torch.sqrt(1 + ws * (th[0] * xs + th[1] - ys) ** 2) - 1 + 0.1 * th[0] ** 2,
    }


CASES = {"exp": EXP, "cubic": CUBIC,
         "blocks": ((a * x + c * x**2 - y) ** 2 * sympy.exp(b) + (d * x + b * x**3) ** 2, (a, b, c, d)),
         "huber": (sympy.sqrt(1 + w * (a * x + b - y) ** 2) - 1 + sympy.Rational(1, 10) * a**2, (a, b))}
THETA = {"exp": [1.5, 0.5, 0.2], "blocks": [0.3, -0.2, 0.1, 0.4], "cubic": [0.1, 0.2, -0.1, 0.01], "huber": [0.3, -0.2]}


@pytest.mark.parametrize("bind", ["to_torch", "bind_torch"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_equal_torch_autograd(name, bind):
    expr, params = CASES[name]
    data = tuple(s for s in (x, y, w) if s in expr.free_symbols)
    program = compile_data(expr, params, data)
    bound = to_torch(program.bind(DATA), device="cpu") if bind == "to_torch" else bind_torch(program, DATA, "cpu")
    theta = torch.tensor(THETA[name], dtype=torch.float64, requires_grad=True)
    per_sample = _torch_losses(theta)[name](theta)
    per_sample.sum().backward()
    jac = torch.autograd.functional.jacobian(_torch_losses(theta)[name], theta.detach())
    value, grad = bound.sum_value_and_grad(theta.detach())
    assert isinstance(value, torch.Tensor) and value.ndim == 0  # no host read inside
    torch.testing.assert_close(value, per_sample.sum().detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad, theta.grad, rtol=1e-11, atol=1e-11)
    torch.testing.assert_close(bound.sum_grad(THETA[name]), theta.grad, rtol=1e-11, atol=1e-11)
    torch.testing.assert_close(bound.sample_values(THETA[name]), per_sample.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(bound.sample_jacobian(THETA[name]), jac, rtol=1e-11, atol=1e-11)
    jtj, jtr = bound.jtj_and_jtr(THETA[name])
    torch.testing.assert_close(jtj, jac.T @ jac, rtol=1e-11, atol=1e-9)
    idx = np.array([0, 5, 17, 200])
    torch.testing.assert_close(bound.subset(idx).sum_grad(THETA[name]), jac[idx].sum(dim=0), rtol=1e-11, atol=1e-11)


def test_gram_on_torch_equals_normal_equations():
    bound = to_torch(compile_data(*CUBIC, (x, y)).bind(DATA))
    h, g0, c0 = bound.gram()
    feats = torch.as_tensor(np.stack([XS**0, XS, XS**2, XS**3], axis=1))
    torch.testing.assert_close(h, 2 * feats.T @ feats, rtol=1e-12, atol=1e-9)
    torch.testing.assert_close(g0, -2 * feats.T @ torch.as_tensor(YS), rtol=1e-12, atol=1e-9)
    assert c0 == pytest.approx(float(YS @ YS), rel=1e-13)


def _hand_loop(name, rule_name, theta0, steps):
    """The optimizer written out by hand on the summed gradient of sympy.diff (lambdified)."""
    expr, params = {"exp": EXP, "cubic": CUBIC}[name]
    grads = [sympy.lambdify((*params, x, y), sympy.diff(expr, p), "numpy") for p in params]
    th, m, v = np.array(theta0, float), np.zeros(len(params)), np.zeros(len(params))
    lr = LR[name][rule_name]
    for t in range(1, steps + 1):
        g = np.array([np.sum(f(*th, XS, YS)) for f in grads])
        if rule_name == "gd":
            th = th - lr * g
        elif rule_name == "momentum":
            m = 0.9 * m + g
            th = th - lr * m
        else:
            m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
            th = th - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return th


@pytest.mark.parametrize("rule_name", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("name", ["exp", "cubic"])
def test_torch_loop_equals_numpy_loop(name, rule_name):
    expr, params = {"exp": EXP, "cubic": CUBIC}[name]
    bound = compile_data(expr, params, (x, y)).bind(DATA)
    theta0 = THETA[name]
    kw = dict(steps=200, check_every=25, record_every=50)
    r_np = fused_data_minimize(bound, _rule(name, rule_name), theta0, backend="numpy", **kw)
    r_t = fused_data_minimize(bound, _rule(name, rule_name), theta0, backend="torch", device="cpu", **kw)
    np.testing.assert_allclose(r_t.x, r_np.x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r_t.x, _hand_loop(name, rule_name, theta0, 200), rtol=1e-9, atol=1e-12)
    assert r_t.status == r_np.status == "budget" and r_t.nit == 200
    assert r_t.value == pytest.approx(r_np.value, rel=1e-10)
    assert [h[0] for h in r_t.history] == [h[0] for h in r_np.history] == [0, 50, 100, 150, 200]
    for ht, hn in zip(r_t.history, r_np.history):
        np.testing.assert_allclose(ht[1], hn[1], rtol=1e-10, atol=1e-12)
        assert ht[2] == pytest.approx(hn[2], rel=1e-10) and ht[3] == pytest.approx(hn[3], rel=1e-9)


@pytest.mark.parametrize("name", ["exp", "cubic"])
def test_float32_loop_and_torch_bound_input(name):
    expr, params = {"exp": EXP, "cubic": CUBIC}[name]
    bound = compile_data(expr, params, (x, y)).bind(DATA)
    r64 = fused_data_minimize(bound, _rule(name, "adam"), THETA[name], 200, backend="numpy", check_every=20)
    r32 = fused_data_minimize(to_torch(bound, "cpu", "float32"), _rule(name, "adam"), THETA[name], 200, check_every=20)
    r32b = fused_data_minimize(bound, _rule(name, "adam"), THETA[name], 200, backend="torch", dtype=torch.float32,
                               check_every=20)
    # the same float32 loop; the bound features come from a float64 hoist cast down (r32) or a float32
    # hoist (r32b), so they agree to float32 rounding, not bit for bit
    np.testing.assert_allclose(r32.x, r32b.x, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(r32.x, r64.x, rtol=2e-3, atol=2e-4)
    assert r32.value == pytest.approx(r64.value, rel=1e-3)


def test_host_reads_only_at_check_points(monkeypatch):
    """Between checks the loop reads nothing back: Tensor.__float__/item/numpy/tolist are counted."""
    bound = to_torch(compile_data(*EXP, (x, y)).bind(DATA))
    reads = []
    for name in ("__float__", "item", "numpy", "tolist", "__bool__"):
        original = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, lambda self, *a, _o=original, _n=name, **k:
                            (reads.append(_n), _o(self, *a, **k))[1])
    r = fused_data_minimize(bound, _rule("exp", "adam"), THETA["exp"], 200, check_every=50)
    monkeypatch.undo()
    checks = 5  # steps 0, 50, 100, 150, 200
    assert r.nit == 200 and reads.count("__float__") == checks + 1  # a norm per check, the final value
    assert reads.count("numpy") == checks and not {"item", "tolist", "__bool__"} & set(reads)
