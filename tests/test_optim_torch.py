"""Every optimizer beside its torch.optim twin: same start, same settings, same iterates (1e-10, float64).

The gradient fed to our optimizer comes from torch autograd at our own iterate, so this checks the
update rules alone; test_minimize_torch.py checks the whole minimize path.
"""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from symgd.optim import get_optimizer  # noqa: E402

STEPS = 100



def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def wavy(p):
    return torch.log(1 + p[0] ** 2 + p[1] ** 2) + torch.sin(p[0]) * torch.cos(p[1])


# (function, start, learning-rate scale): scales keep every optimizer stable on every function
FUNCTIONS = [(rosenbrock, (-1.2, 1.0), 2e-3), (wavy, (0.7, -0.4), 1.0)]

# (our name, our hyper-parameters, torch class name, torch keyword arguments); lr is scaled per function
SETTINGS = [
    ("gd", {"lr": 0.05}, "SGD", {"lr": 0.05}),
    ("gd", {"lr": 0.05, "weight_decay": 0.1}, "SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("momentum", {"lr": 0.02, "momentum": 0.9}, "SGD", {"lr": 0.02, "momentum": 0.9}),
    ("gd", {"lr": 0.02, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05}, "SGD",
     {"lr": 0.02, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05}),
    ("nesterov", {"lr": 0.02, "momentum": 0.9}, "SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.1}, "Adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1},
     "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1}),
    ("rmsprop", {"lr": 0.01}, "RMSprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01},
     "RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.3}, "RMSprop", {"lr": 0.01, "momentum": 0.3}),
    ("adam", {"lr": 0.05}, "Adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.01, "amsgrad": True}, "Adam",
     {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.01, "amsgrad": True}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.1}, "AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.05, "eps": 1e-6, "amsgrad": True}, "AdamW", {"lr": 0.05, "eps": 1e-6, "amsgrad": True}),
]


def _scaled(hyper, scale):
    return {**hyper, "lr": hyper["lr"] * scale}


def _torch_iterates(fn, start, cls, kwargs):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], **kwargs)
    out = []
    for _ in range(STEPS):
        opt.zero_grad()
        fn(p).backward()
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


def _autograd(fn, x):
    p = torch.tensor(x[0], dtype=torch.float64, requires_grad=True)
    fn(p).backward()
    return p.grad.numpy()[None, :]


def _our_iterates(fn, start, name, hyper):
    opt = get_optimizer(name, **hyper)
    x = np.array([start], dtype=float)
    state = opt.init(x)
    out = []
    for _ in range(STEPS):
        x, state = opt.update(_autograd(fn, x), state, x)
        out.append(x[0].copy())
    return np.array(out)


@pytest.mark.parametrize("name, hyper, cls, kwargs", SETTINGS,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SETTINGS)])
@pytest.mark.parametrize("fn, start, scale", FUNCTIONS, ids=[f[0].__name__ for f in FUNCTIONS])
def test_iterates_agree_with_torch_optim(fn, start, scale, name, hyper, cls, kwargs):
    ours = _our_iterates(fn, start, name, _scaled(hyper, scale))
    theirs = _torch_iterates(fn, start, cls, _scaled(kwargs, scale))
    assert np.isfinite(theirs).all()
    assert not np.allclose(theirs[-1], start)  # the run moved: the comparison means something
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_torch_tensors_take_the_same_path_as_numpy():
    opt = get_optimizer("adam", lr=0.05, amsgrad=True)
    x_np = np.array([[0.5, 0.5], [-1.0, 2.0]])
    x_t = torch.tensor(x_np, dtype=torch.float64)
    s_np, s_t = opt.init(x_np), opt.init(x_t)
    for k in range(20):
        g = np.cos(x_np) * (k + 1)
        x_np, s_np = opt.update(g, s_np, x_np)
        x_t, s_t = opt.update(torch.cos(x_t) * (k + 1), s_t, x_t)
    assert isinstance(x_t, torch.Tensor)
    np.testing.assert_allclose(x_t.numpy(), x_np, rtol=0, atol=1e-14)
    assert math.isclose(float(s_t.slots[0][1, 1]), float(s_np.slots[0][1, 1]), abs_tol=1e-14)
