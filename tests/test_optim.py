"""Optimizer units: hyper-parameter checks, immutable state, the array path against the rule evaluated
by sympy, Newton's direction against linear algebra, and the Armijo condition."""
import numpy as np
import pytest
import sympy

from symgd.errors import VariableError
from symgd.codegen.rule import G, T, X
from symgd.optim import HyperParameterError, OptState, get_optimizer
from symgd.optim.gd import armijo
from symgd.optim.newton import newton_direction
from symgd.optim.registry import OPTIMIZERS, hyper_parameters


@pytest.mark.parametrize("name, hyper", [
    ("gd", {"lr": 0}), ("gd", {"lr": -0.1}), ("adam", {"lr": float("nan")}), ("adam", {"betas": (1.0, 0.9)}),
    ("adam", {"betas": (0.9,)}), ("adamw", {"eps": -1e-8}), ("momentum", {"momentum": -0.5}),
    ("momentum", {"momentum": 0.0}), ("nesterov", {"dampening": 0.1}), ("rmsprop", {"alpha": 1.5}),
    ("adagrad", {"lr_decay": -1}), ("gd", {"weight_decay": -0.1}), ("gd", {"dampening": 0.5}),
    ("gd", {"linesearch": "wolfe"}), ("newton", {"damping": 0}), ("gd", {"momentum": 0.9, "linesearch": "armijo"}),
    ("adam", {"momentum": 0.9}), ("rmsprop", {"betas": (0.9, 0.99)}),
])
def test_bad_hyper_parameters_are_refused_up_front(name, hyper):
    with pytest.raises(HyperParameterError) as info:
        get_optimizer(name, **hyper)
    assert isinstance(info.value, (ValueError, VariableError))


def test_unknown_optimizer_suggests_the_close_name():
    with pytest.raises(HyperParameterError) as info:
        get_optimizer("adamm")
    assert "adam" in str(info.value.hint)


def test_every_optimizer_builds_with_its_defaults():
    for name in OPTIMIZERS:
        opt = get_optimizer(name)
        if "lr" in hyper_parameters(name):
            assert opt.hyper["lr"] == hyper_parameters(name)["lr"] > 0
        else:  # the quasi-Newton methods take their step from a line search: no learning rate
            assert name in ("bfgs", "lbfgs", "lbfgsb")


RULED = [("gd", {"lr": 0.1, "weight_decay": 0.2}), ("momentum", {"lr": 0.1, "dampening": 0.3}),
         ("nesterov", {"lr": 0.1}), ("adagrad", {"lr": 0.1, "lr_decay": 0.2}),
         ("rmsprop", {"lr": 0.1, "centered": True, "momentum": 0.4}), ("adam", {"lr": 0.1, "amsgrad": True}),
         ("adamw", {"lr": 0.1, "weight_decay": 0.3})]


def _sympy_step(rule, x, g, t, slots):
    """The rule evaluated exactly by sympy: the oracle for the generated array code."""
    syms = rule.slot_symbols()
    subs = {X: sympy.Float(x), G: sympy.Float(g), T: sympy.Integer(t),
            **{s: sympy.Float(v) for s, v in zip(syms, slots)}}
    new = [float(e.xreplace(subs).evalf()) for e in rule.state_update]
    subs.update({s: sympy.Float(v) for s, v in zip(syms, new)})
    return float(rule.x_update.xreplace(subs).evalf()), new


@pytest.mark.parametrize("name, hyper", RULED, ids=[r[0] for r in RULED])
def test_array_path_matches_the_rule_evaluated_by_sympy(name, hyper):
    opt = get_optimizer(name, **hyper)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 2))
    state = opt.init(x)
    for t in range(1, 4):
        g = rng.normal(size=x.shape)
        new_x, new_state = opt.update(g, state, x)
        for i, j in np.ndindex(x.shape):
            want_x, want_slots = _sympy_step(opt.rule, x[i, j], g[i, j], t, [s[i, j] for s in state.slots])
            assert new_x[i, j] == pytest.approx(want_x, rel=1e-13, abs=1e-15)
            for got, want in zip(new_state.slots, want_slots):
                assert got[i, j] == pytest.approx(want, rel=1e-13, abs=1e-15)
        x, state = new_x, new_state


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adam", "adagrad"])
def test_state_is_not_mutated(name):
    opt = get_optimizer(name)
    x = np.array([[1.0, -2.0]])
    state = opt.init(x)
    x1, state1 = opt.update(np.array([[0.3, 0.4]]), state, x)
    before = [s.copy() for s in state1.slots]
    opt.update(np.array([[1.0, 1.0]]), state1, x1)
    for old, kept in zip(before, state1.slots):
        np.testing.assert_array_equal(old, kept)
    assert state1.step == 1 and state.step == 0
    with pytest.raises(ValueError):
        state1.slots[0][0, 0] = 5.0  # numpy state is read-only


def test_newton_direction_is_the_newton_step_on_a_positive_definite_hessian():
    h = np.array([[[4.0, 1.0], [1.0, 3.0]]])
    g = np.array([[1.0, -2.0]])
    np.testing.assert_allclose(newton_direction(h, g, 1e-8), -np.linalg.solve(h[0], g[0])[None, :], rtol=1e-14)


def test_newton_direction_points_downhill_at_a_saddle():
    h = np.array([[[2.0, 0.0], [0.0, -3.0]]])
    g = np.array([[1.0, 1.0]])
    d = newton_direction(h, g, 1e-8)
    np.testing.assert_allclose(d, [[-0.5, -1.0 / 3.0]], rtol=1e-14)  # |eigenvalues| 2 and 3
    assert float((d * g).sum()) < 0


class _Parabola:
    """f(x) = sum(x^2) per row."""

    def value(self, x):
        return (x ** 2).sum(axis=1)


def test_armijo_takes_the_first_halving_that_satisfies_the_condition():
    x, g = np.array([[1.0], [-3.0]]), np.array([[2.0], [-6.0]])
    new, accepted = armijo(c=1e-4, shrink=0.5)(_Parabola(), x, g, -g, 8.0)
    t = (x - new)[:, 0] / g[:, 0]
    f0, f1 = (x ** 2).sum(1), (new ** 2).sum(1)
    slope = -(g ** 2).sum(1)
    assert (f1 <= f0 + 1e-4 * t * slope).all()
    bigger = x - 2 * t[:, None] * g
    assert ((bigger ** 2).sum(1) > f0 + 1e-4 * 2 * t * slope).all()
    np.testing.assert_allclose(t, [0.5, 0.5])  # 8, 4, 2, 1 overshoot; 0.5 lands on the minimum
    np.testing.assert_allclose(accepted, t)


def test_optimizer_state_is_an_explicit_record():
    opt = get_optimizer("adam")
    state = opt.init(np.zeros((1, 3)))
    assert isinstance(state, OptState) and state.step == 0 and len(state.slots) == 2
    assert opt.rule.slots == ("m", "v") and sympy.Symbol("m", real=True) in opt.rule.x_update.free_symbols
