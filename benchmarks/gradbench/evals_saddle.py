"""saddle: min over p1 of max over p2 of f(p1, p2) = p1·p1 − p2·p2, by gradient descent in both.

f is a symgd string; symgd compiles it and its gradient (python backend: four floats). Nested AD in
the eval's sense (differentiating through the inner loop) is out of symgd's reach: it differentiates
expressions, not programs. The outer gradient is therefore Danskin's theorem, ∇g(p1) = ∂f/∂p1 at the
inner argmax p2*(p1), symgd's gradient evaluated there. symgd's gradients are symbolic, so the four
variants (ff, fr, rf, rr: forward/reverse modes) are one computation. The descent is the eval's own
solver (cpp/gradbench/gd.hpp), ported line by line so the step counts match the C++ tools'.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import symgd
from backend import Backend
from protocol import Eval, Function

SADDLE = "(a1^2 + a2^2) - (b1^2 + b2^2)"  # p1 = (a1, a2), p2 = (b1, b2)

Vec = tuple[float, float]


def argmin(value: Callable[[Vec], float], grad: Callable[[Vec], Vec], start: Vec) -> Vec:
    """gd.hpp's ``multivariate_argmin``: steps of eta·gradient, eta doubled after 10 good steps and
    halved after a bad one; stops when the gradient or the step is at most 1e-5."""
    x, fx, gx = start, value(start), grad(start)
    good, eta = 0, 1e-5
    while True:
        if math.hypot(*gx) <= 1e-5:
            return x
        if good == 10:
            eta, good = eta * 2, 0
            continue
        x_new = (x[0] - eta * gx[0], x[1] - eta * gx[1])
        if math.dist(x, x_new) <= 1e-5:
            return x
        f_new = value(x_new)
        if f_new < fx:
            x, fx, gx, good = x_new, f_new, grad(x_new), good + 1
        else:
            eta, good = eta / 2, 0


def saddle_point(compiled, start: Vec) -> list[float]:
    """[p1, p2]: the outer argmin (gradient by Danskin at the inner argmax), then the inner argmax."""
    def inner(p1: Vec) -> Vec:  # argmax over p2 = argmin of −f
        return argmin(lambda p2: -compiled.value(*p1, *p2),
                      lambda p2: tuple(-g for g in compiled.grad(*p1, *p2)[2:]), start)

    def outer_value(p1: Vec) -> float:
        return compiled.value(*p1, *inner(p1))

    def outer_grad(p1: Vec) -> Vec:
        return tuple(compiled.grad(*p1, *inner(p1))[:2])

    p1 = argmin(outer_value, outer_grad, start)
    return [*p1, *inner(p1)]


def saddle(backend: Backend) -> Eval:
    compiled = symgd.compile(SADDLE, backend="python")

    def pre(data: dict) -> tuple:
        start = tuple(float(v) for v in data["start"])
        if len(start) != 2 or not all(math.isfinite(v) for v in start):
            raise ValueError("saddle takes start, two finite numbers")
        return (start,)

    run = Function(pre, lambda start: saddle_point(compiled, start), list)
    return Eval({name: run for name in ("ff", "fr", "rf", "rr")})
