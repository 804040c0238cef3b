"""Seeded random expressions over the language's smooth functions, for the interop tests (torch, JAX)."""
from __future__ import annotations

import random

#: Unary pieces of the language, each defined (and smooth) for every real argument.
UNARY = ("sin({})", "cos({})", "tanh({})", "atan({})", "asinh({})", "erf({})", "exp(-({})^2)",
         "log(1 + ({})^2)", "sqrt(1 + ({})^2)", "sigmoid({})", "softplus({})", "({})^3", "cosh({}/3)")
BINARY = ("({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / (2 + sin({}))", "sqrt(1 + ({})^2 + ({})^2)")


def random_expr(rng: random.Random, depth: int = 4) -> str:
    """A random tree in x, y, z of at most ``depth`` levels drawn from ``rng`` (never a bare leaf)."""
    return _draw(rng, depth, True)


def _draw(rng: random.Random, depth: int, top: bool) -> str:
    if depth == 0 or not top and rng.random() < 0.2:
        return rng.choice(["x", "y", "z", "0.5*x", "y*z"])
    if rng.random() < 0.5:
        return rng.choice(UNARY).format(_draw(rng, depth - 1, False))
    return rng.choice(BINARY).format(_draw(rng, depth - 1, False), _draw(rng, depth - 1, False))
