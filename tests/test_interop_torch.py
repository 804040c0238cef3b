"""symgd inside torch programs (symgd.interop.torch): the autograd Function against finite differences
(gradcheck, gradgradcheck) and sympy, the Module against hand-written torch, and the plain compiled
torch functions keeping autograd."""
import math

import numpy as np
import pytest
import sympy

torch = pytest.importorskip("torch")

import symgd  # noqa: E402
from symgd.errors import ParseError, SymgdError, VariableError  # noqa: E402
from symgd.interop import torch as sgt  # noqa: E402
from tests.oracle_exprs import EXPRS, POINT  # noqa: E402
from tests.random_exprs import random_expr  # noqa: E402

F64 = torch.float64
#: gradcheck's finite differences (step 1e-6) in float64 are good to about 1e-9: tighter than its defaults
TOL = {"atol": 1e-7, "rtol": 1e-6}


def _inputs(names, gen, requires_grad=True):
    """Points near POINT in broadcasting shapes: x (3, 1), y (4,), z a scalar."""
    shapes = {"x": (3, 1), "y": (4,), "z": ()}
    return tuple((POINT[n] + 0.05 * torch.rand(shapes[n], generator=gen, dtype=F64)).requires_grad_(requires_grad)
                 for n in names)


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_gradcheck_and_gradgradcheck(name):
    assert len(EXPRS) >= 30
    fn = sgt.function(EXPRS[name])
    args = _inputs(fn.variables, torch.Generator().manual_seed(sorted(EXPRS).index(name)))
    assert torch.autograd.gradcheck(fn.apply, args, **TOL)
    assert torch.autograd.gradgradcheck(fn.apply, args, **TOL)
    # the value against sympy's own numpy printing
    ref = sympy.lambdify(fn.variables, EXPRS[name], ["scipy", "numpy"])(*(a.detach().numpy() for a in args))
    shape = torch.broadcast_shapes(*(a.shape for a in args))
    np.testing.assert_allclose(fn.apply(*args).detach().numpy(), np.broadcast_to(ref, shape), rtol=1e-13)


@pytest.mark.parametrize("seed", range(30))
def test_gradcheck_on_random_expressions(seed):
    import random
    rng = random.Random(seed)
    text = random_expr(rng)
    fn = sgt.function(text)
    args = _inputs(fn.variables, torch.Generator().manual_seed(seed))
    assert torch.autograd.gradcheck(fn.apply, args, **TOL), text
    assert torch.autograd.gradgradcheck(fn.apply, args, **TOL), text


def test_double_backward_is_the_symbolic_hessian():
    expr = EXPRS["textbook"]
    fn = sgt.function(expr)
    point = [POINT[v] for v in fn.variables]
    hess = torch.autograd.functional.hessian(lambda v: fn.apply(*v.unbind()), torch.tensor(point, dtype=F64))
    syms = sympy.symbols(fn.variables)
    exact = sympy.hessian(expr, syms).subs(dict(zip(syms, point))).evalf(30)
    np.testing.assert_allclose(hess.numpy(), np.array(exact, dtype=float), rtol=1e-12)


def test_broadcast_gradients_have_the_input_shapes():
    fn = sgt.function("x*y^2 + sin(z)")
    x, y, z = _inputs(fn.variables, torch.Generator().manual_seed(0))
    out = fn.apply(x, y, z)
    assert out.shape == (3, 4)
    out.sum().backward()
    assert (x.grad.shape, y.grad.shape, z.grad.shape) == (x.shape, y.shape, z.shape)
    torch.testing.assert_close(z.grad, 12 * torch.cos(z.detach()))
    torch.testing.assert_close(y.grad, 2 * x.detach().sum() * y.detach())


def test_float32_and_integer_inputs():
    fn = sgt.function("exp(-x^2)*y")
    x = torch.tensor([0.5, 1.0], dtype=torch.float32, requires_grad=True)
    y = torch.tensor(2, dtype=torch.int64)  # no gradient; computed in torch's default floating dtype
    out = fn.apply(x, y)
    assert out.dtype == torch.float32
    out.sum().backward()
    assert x.grad.dtype == torch.float32
    xd = x.detach().double()
    torch.testing.assert_close(x.grad.double(), -4 * xd * torch.exp(-xd ** 2), rtol=1e-6, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_inputs_stay_on_cuda():
    fn = sgt.function("a*sin(b*x)")
    a, b, x = (torch.rand(5, device="cuda", dtype=F64, requires_grad=True) for _ in range(3))
    out = fn.apply(a, b, x)
    out.sum().backward()
    assert out.device.type == a.grad.device.type == "cuda"
    assert torch.autograd.gradcheck(fn.apply, (a, b, x))


def test_errors_are_symgd_errors():
    with pytest.raises(ParseError):
        sgt.function("sin(x")
    fn = sgt.function("x*y")
    with pytest.raises(VariableError, match=r"takes 2 tensor argument\(s\), in the order \(x, y\)"):
        fn.apply(torch.ones(2))
    with pytest.raises(VariableError, match="argument y is a float, not a torch tensor"):
        fn.apply(torch.ones(2), 2.0)
    with pytest.raises(SymgdError, match="no variables"):
        sgt.function("2 + 3")
    with pytest.raises(VariableError, match="input t does not occur"):
        sgt.Module("a*x", inputs=["t"])
    with pytest.raises(VariableError, match="init names q"):
        sgt.Module("a*x", inputs="x", init={"q": 1.0})
    with pytest.raises(VariableError, match="takes 1 input"):
        sgt.Module("a*x", inputs="x")(torch.ones(1), torch.ones(1))


def test_module_parameters_names_and_expression():
    m = sgt.Module("weight*sin(forward*x) + training + lambda", inputs=["x"], init={"weight": 2.0}, dtype=F64)
    assert m.names == ("forward", "lambda", "training", "weight")
    assert m.values() == {"forward": 1.0, "lambda": 1.0, "training": 1.0, "weight": 2.0}
    assert len(list(m.parameters())) == 4 and m.training  # the Module's own attributes are untouched
    x = torch.linspace(-1, 1, 5, dtype=F64)
    torch.testing.assert_close(m(x), 2 * torch.sin(x) + 2)
    expr, xs = m.expression(), sympy.Symbol("x")
    assert expr.free_symbols == {xs}
    assert float(expr.subs(xs, 0.3)) == pytest.approx(2 * math.sin(0.3) + 2, rel=1e-15)


def test_module_trains_with_torch_optim():
    torch.manual_seed(0)
    x = torch.linspace(-3, 3, 200, dtype=F64)
    y = 2.0 * torch.sin(1.5 * x) + 0.5
    m = sgt.Module("a*sin(b*x) + c", inputs="x", init={"b": 1.4}, dtype=F64)
    opt = torch.optim.LBFGS(m.parameters(), max_iter=200, tolerance_grad=1e-14, tolerance_change=0)

    def closure():
        opt.zero_grad()
        loss = ((m(x) - y) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    got = m.values()
    assert got == pytest.approx({"a": 2.0, "b": 1.5, "c": 0.5}, abs=1e-7)
    xs = sympy.Symbol("x")
    assert float(m.expression().subs(xs, 0.3)) == pytest.approx(2 * math.sin(0.45) + 0.5, abs=1e-6)


def _three_layer(layer, seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(1, 8), layer, torch.nn.Linear(8, 1)).double()


class _HandWritten(torch.nn.Module):
    """The same activation written in torch: a u^3 + b tanh(u) + c u."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Parameter(torch.tensor(v, dtype=F64)) for v in (0.1, 1.0, 0.5))

    def forward(self, u):
        return self.a * u ** 3 + self.b * torch.tanh(u) + self.c * u


def _train(model, steps=60):
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(64, 1, generator=gen, dtype=F64) * 4 - 2
    y = torch.sin(2 * x)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_three_layer_model_trains_like_the_hand_written_layer():
    layer = sgt.Module("a*u^3 + b*tanh(u) + c*u", inputs="u", init={"a": 0.1, "b": 1.0, "c": 0.5}, dtype=F64)
    ours, theirs = _three_layer(layer, 3), _three_layer(_HandWritten(), 3)
    got, want = _train(ours), _train(theirs)
    assert want[-1] < 0.5 * want[0]  # it does learn
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert layer.values() == pytest.approx({k: getattr(theirs[1], k).item() for k in "abc"}, rel=1e-10)


def test_plain_compiled_torch_functions_keep_autograd():
    expr = sympy.sympify("sin(x*y) + x^3")
    c = symgd.compile(expr, backend="torch")
    x = torch.tensor([0.3, -1.2], dtype=F64, requires_grad=True)
    y = torch.tensor(0.7, dtype=F64, requires_grad=True)
    c.value(x, y).sum().backward()
    xs, ys = sympy.symbols("x y")
    dx = sympy.lambdify((xs, ys), sympy.diff(expr, xs))
    dy = sympy.lambdify((xs, ys), sympy.diff(expr, ys))
    np.testing.assert_allclose(x.grad.numpy(), [dx(v, 0.7) for v in (0.3, -1.2)], rtol=1e-14)
    assert y.grad.item() == pytest.approx(sum(dy(v, 0.7) for v in (0.3, -1.2)), rel=1e-14)


def test_compile_dtype_float32_converts_float64_tensors():
    c = symgd.compile("x^2 * y", backend="torch", dtype=torch.float32)
    x = torch.tensor([1.5, 2.0], dtype=F64)
    y = torch.tensor(3.0, dtype=F64)
    v, (gx, gy) = c.value_and_grad(x, y)
    assert v.dtype == gx.dtype == gy.dtype == torch.float32
    np.testing.assert_allclose(v.numpy(), [6.75, 12.0])


def test_top_level_names():
    assert symgd.TorchModule is sgt.Module
    fn = symgd.torch_function("x^2")
    t = torch.tensor(3.0, dtype=F64, requires_grad=True)
    fn.apply(t).backward()
    assert t.grad.item() == 6.0


def test_module_survives_torch_save_and_load(tmp_path):
    m = sgt.Module("a*sin(b*x) + lambda", inputs="x", init={"a": 2.0, "lambda": -0.5}, dtype=F64)
    torch.save(m, tmp_path / "m.pt")
    back = torch.load(tmp_path / "m.pt", weights_only=False)
    x = torch.linspace(0, 1, 5, dtype=F64, requires_grad=True)
    torch.testing.assert_close(back(x), 2 * torch.sin(x) - 0.5)
    assert back.values() == m.values() and back.names == m.names


# torch's own forward-mode decompositions (torch/_decomp) call the deprecated torch.jit.script
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torch_func_transforms():
    expr = EXPRS["textbook"]
    fn = sgt.function(expr)
    point = torch.tensor([POINT[v] for v in fn.variables], dtype=F64)
    syms = sympy.symbols(fn.variables)
    at = dict(zip(syms, point.tolist()))
    grad = torch.func.grad(lambda v: fn.apply(*v.unbind()))(point)
    np.testing.assert_allclose(grad.numpy(), [float(sympy.diff(expr, s).subs(at)) for s in syms], rtol=1e-13)
    hess = torch.func.hessian(lambda v: fn.apply(*v.unbind()))(point)  # forward over reverse: jvp
    exact = np.array(sympy.hessian(expr, syms).subs(at).evalf(30), dtype=float)
    np.testing.assert_allclose(hess.numpy(), exact, rtol=1e-12)
    batch = point + 0.01 * torch.arange(6, dtype=F64).reshape(6, 1)
    per_row = torch.func.vmap(torch.func.grad(lambda v: fn.apply(*v.unbind())))(batch)
    for row, g in zip(batch, per_row):
        torch.testing.assert_close(g, torch.func.grad(lambda v: fn.apply(*v.unbind()))(row))
