"""Optimizers as chained transforms (issue 13): each transform against a NumPy reference, the chains
against the hand-written rules they replaced, and weight decay written once."""
import ast
import pathlib

import numpy as np
import pytest
import sympy
from optim_rules_before import RULES_BEFORE
from sympy.printing.pycode import PythonCodePrinter

import symgd.optim
from symgd.errors import HyperParameterError
from symgd.loops.fused import rule_lines
from symgd.optim import apply_updates, get_optimizer
from symgd.optim.adagrad import adagrad_rule
from symgd.optim.adam import adam_rule
from symgd.optim.base import rule_optimizer
from symgd.optim.gd import gd_rule
from symgd.optim.momentum import momentum_rule
from symgd.optim.rmsprop import rmsprop_rule
from symgd.optim.transforms import (add_decayed_weights, chain, scale, scale_by_adagrad, scale_by_adam,
                                    scale_by_rms, trace)

FACTORIES = {"gd_rule": gd_rule, "momentum_rule": momentum_rule, "rmsprop_rule": rmsprop_rule,
             "adagrad_rule": adagrad_rule, "adam_rule": adam_rule}


def _ops(rule) -> int:
    return rule_lines(rule, ["x0"], PythonCodePrinter())[2]


@pytest.mark.parametrize("before", RULES_BEFORE, ids=lambda b: f"{b[0]}-{b[1]}")
def test_chain_is_the_hand_written_rule(before):
    factory, hyper, name, slots, init, state_before, x_before = before
    rule = FACTORIES[factory](**hyper)
    assert (rule.name, rule.slots, rule.init) == (name, slots, init)
    old = [sympy.sympify(s) for s in (*state_before, x_before)]
    new = [*rule.state_update, rule.x_update]
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(old, new, strict=True))
    # the fused loop does no more arithmetic than before (momentum drops a 1.0*g, the rest are equal)
    old_rule = type(rule)(name, slots, init, tuple(old[:-1]), old[-1])
    assert _ops(rule) <= _ops(old_rule)


def _grad(x):
    return 3.0 * x - np.array([1.0, -2.0, 0.5])


def _run_rule(rule, steps=20):
    opt = rule_optimizer(rule, {})
    x = np.array([[0.3, -1.2, 2.0]])
    state = opt.init(x)
    for _ in range(steps):
        x, state = opt.update(_grad(x), state, x)
    return x[0]


def _run_reference(step, slots, steps=20):
    """``step(g, x, t, slots) -> (u, slots)`` on NumPy arrays; x <- x - 0.05 u."""
    x = np.array([0.3, -1.2, 2.0])
    for t in range(1, steps + 1):
        u, slots = step(_grad(x), x, t, slots)
        x = x - 0.05 * u
    return x


def _trace_ref(mu, damp, nesterov):
    def step(g, x, t, s):
        b = g if (t == 1 and damp) else mu * s[0] + (1 - damp) * g
        return (g + mu * b if nesterov else b), (b,)
    return step


def _rms_ref(alpha, eps, centered):
    def step(g, x, t, s):
        v, m = alpha * s[0] + (1 - alpha) * g**2, s[1] + (1 - alpha) * (g - s[1])
        return g / (np.sqrt(v - m**2 if centered else v) + eps), (v, m)
    return step


def _adagrad_ref(eps, lr_decay):
    def step(g, x, t, s):
        acc = s[0] + g**2
        return g / (np.sqrt(acc) + eps) / (1 + (t - 1) * lr_decay), (acc,)
    return step


def _adam_ref(b1, b2, eps, amsgrad):
    def step(g, x, t, s):
        m, v = s[0] + (1 - b1) * (g - s[0]), b2 * s[1] + (1 - b2) * g**2
        w = np.maximum(s[2], v)
        return m / (1 - b1**t) / (np.sqrt(w if amsgrad else v) / np.sqrt(1 - b2**t) + eps), (m, v, w)
    return step


Z = np.zeros(3)
CASES = [
    ("scale", scale(2.5), lambda g, x, t, s: (2.5 * g, s), ()),
    ("decay", add_decayed_weights(0.1), lambda g, x, t, s: (g + 0.1 * x, s), ()),
    ("no-decay", add_decayed_weights(0.0), lambda g, x, t, s: (g, s), ()),
    ("trace", trace(0.9), _trace_ref(0.9, 0.0, False), (Z,)),
    ("trace-damped", trace(0.8, 0.3), _trace_ref(0.8, 0.3, False), (Z,)),
    ("trace-nesterov", trace(0.9, nesterov=True), _trace_ref(0.9, 0.0, True), (Z,)),
    ("rms", scale_by_rms(0.9, 1e-8), _rms_ref(0.9, 1e-8, False), (Z, Z)),
    ("rms-centered", scale_by_rms(0.9, 1e-8, True), _rms_ref(0.9, 1e-8, True), (Z, Z)),
    ("adagrad", scale_by_adagrad(0.1, 1e-10), _adagrad_ref(1e-10, 0.0), (Z + 0.1,)),
    ("adagrad-decay", scale_by_adagrad(0.0, 1e-10, 0.2), _adagrad_ref(1e-10, 0.2), (Z,)),
    ("adam", scale_by_adam(0.9, 0.99, 1e-8), _adam_ref(0.9, 0.99, 1e-8, False), (Z, Z, Z)),
    ("amsgrad", scale_by_adam(0.9, 0.99, 1e-8, True), _adam_ref(0.9, 0.99, 1e-8, True), (Z, Z, Z)),
]


@pytest.mark.parametrize("name, link, reference, slots", CASES, ids=[c[0] for c in CASES])
def test_each_transform_against_numpy_over_20_steps(name, link, reference, slots):
    got = _run_rule(chain(link, scale(-0.05), name=name))
    np.testing.assert_allclose(got, _run_reference(reference, slots), rtol=1e-12, atol=1e-14)


def test_chain_order_is_l2_or_decoupled_decay():
    # L2 decay enters the Adam moments; decoupled (AdamW) decay does not
    l2 = chain(add_decayed_weights(0.1), scale_by_adam(0.9, 0.99, 1e-8), scale(-0.01), name="adam")
    decoupled = chain(scale_by_adam(0.9, 0.99, 1e-8), add_decayed_weights(0.1), scale(-0.01), name="adamw")
    assert l2.state_update[0].has(sympy.Symbol("x", real=True))
    assert not decoupled.state_update[0].has(sympy.Symbol("x", real=True))
    assert decoupled == adam_rule(0.01, (0.9, 0.99), 1e-8, 0.1, decoupled=True)


def test_chain_refuses_two_links_with_one_slot_name():
    with pytest.raises(HyperParameterError, match="share a slot name"):
        chain(trace(0.9), trace(0.5), name="twice")
    assert chain(trace(0.9), trace(0.5, slot="b2"), name="twice").slots == ("b", "b2")


@pytest.mark.parametrize("name, hyper", [("adam", {"lr": 0.1, "weight_decay": 0.01}),
                                         ("momentum", {"lr": 0.05}), ("gd", {"linesearch": "armijo"})])
def test_updates_then_apply_updates_is_update(name, hyper):
    opt = get_optimizer(name, **hyper)
    x = np.array([[0.3, -1.2, 2.0], [1.0, 0.0, -1.0]])
    problem = _Quadratic()
    s1 = s2 = opt.init(x)
    x1 = x2 = x
    for _ in range(5):
        x1, s1 = opt.update(_grad(x1), s1, x1, problem)
        u, s2 = opt.updates(_grad(x2), s2, x2, problem)
        x2 = apply_updates(x2, u)
    np.testing.assert_allclose(x2, x1, rtol=1e-13, atol=1e-15)
    assert s2.step == s1.step == 5


class _Quadratic:
    def value(self, x):
        return (1.5 * x**2 - np.array([1.0, -2.0, 0.5]) * x).sum(-1)


def test_weight_decay_arithmetic_is_written_once():
    """Only transforms.py computes with ``weight_decay``; the factories only pass it on."""
    places = set()
    for path in pathlib.Path(symgd.optim.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.BinOp) and any(
                    isinstance(n, ast.Name) and n.id == "weight_decay" for n in ast.walk(node)):
                places.add(f"{path.name}:{node.lineno}")
    assert len(places) == 1 and places.pop().startswith("transforms.py:"), places


@pytest.mark.parametrize("name, hyper", [("gd", {"lr": 0.1}), ("momentum", {"lr": 0.05, "momentum": 0.9}),
                                         ("adam", {"lr": 0.01, "weight_decay": 0.1}), ("rmsprop", {"lr": 0.01})])
def test_scaled_gradient_is_the_rule_fed_a_scaled_gradient(name, hyper):
    """chain(scale(s), rule) against the rule with G replaced by s*G (what fit's mean loss needs)."""
    from symgd.codegen.rule import G
    from symgd.optim.transforms import scaled_gradient
    rule, s = get_optimizer(name, **hyper).rule, 1 / 7
    got = scaled_gradient(rule, s)
    sub = {G: sympy.Float(s) * G}
    want = [e.xreplace(sub) for e in (*rule.state_update, rule.x_update)]
    assert (got.slots, got.init) == (rule.slots, rule.init)
    for g, w in zip((*got.state_update, got.x_update), want):
        assert sympy.simplify(g - w) == 0
    assert scaled_gradient(rule, 1.0) is rule
