"""The expression table shared by the gradient, graph and backend oracle tests (sympy constructors)."""
import functools

import sympy
from sympy import (Abs, Max, Min, Rational, acos, acosh, acot, acoth, acsc, acsch, asec, asech, asin, asinh, atan,
                   atan2, atanh, cbrt, cos, cosh, cot, coth, csc, csch, erf, exp, log, sec, sech, sign, sin, sinh,
                   sqrt, tan, tanh)

x, y, z = sympy.symbols("x y z")
POINT = {"x": 0.7, "y": 0.4, "z": 1.3}

EXPRS = {
    "sin_sq": sin(x**2 + y**2),
    "textbook": tanh(log(1 + z * 2 * x / sin(y))),
    "cos_tan": cos(x * y) + tan(z / 3),
    "sec_csc_cot": sec(x) + csc(y + 1) + cot(z),
    "inv_trig": asin(x) * acos(y) + atan(z),
    "inv_recip_trig": acot(x * z) + asec(z) + acsc(z + 1),
    "atan2": atan2(y, x) + atan2(x * z, y - 2),
    "hyperbolic": sinh(x) * cosh(y) - tanh(z),
    "recip_hyperbolic": sech(x) + csch(y) + coth(z),
    "inv_hyperbolic": asinh(x * y) + acosh(z) + atanh(y),
    "inv_recip_hyperbolic": acoth(z + 1) + asech(y) + acsch(x),
    "gauss": exp(-x**2 - y**2) * z,
    "logs": log(x**2 + 1) + log(y) / log(10) + log(z, 2),
    "norm": sqrt(x**2 + y**2 + z**2),
    "cbrt": cbrt(z) * x,
    "abs_sign": Abs(x - y) + sign(x) * z,
    "sigmoid": 1 / (1 + exp(-(x * y - z))),
    "softplus": log(1 + exp(x - z)),
    "relu": Max(0, x - y) + Max(0, y - z) * x,
    "min_max": Min(x, y) * z + Max(x * y, z),
    "erf": erf(x * z) + y,
    "general_power": x**y,
    "exp_bases": z**x * 2**y,
    "quotient_powers": (x + y)**3 / (z - x)**2,
    "quotients": x / (y * z) - y / x,
    "product_of_quotients": (sin(x) / y) * (cos(y) / z),
    "chain4": sin(cos(tan(exp(x * y)))),
    "exp_log_chain": exp(sin(x))**2 * log(cosh(y * z)),
    "sqrt_ratio": sqrt(1 + (x * y)**2) / (1 + z**4),
    "polynomial": x**2 * y + y**3 * z - 3 * x * z + 7,
    "reciprocals": 1 / (x - 3) + 1 / (x * y)**2,
    "rosenbrock": (1 - x)**2 + 100 * (y - x**2)**2,
    "neg_half_power": x * exp(-y / z) + x**Rational(-1, 2),
    "atan_sq": atan(x / y)**2 + exp(-1 / z),
    "shared": (x * y + 1)**2 + sin(x * y + 1) / (x * y + 1),
}

#: Expressions with kinks (no torch autograd oracle through lambdify's torch printer).
KINKED = {"abs_sign", "relu", "min_max"}


@functools.cache
def derivatives(expr, wrt=None):
    """The expression over the reals (so |x|' = sign(x)) and sympy.diff of it per variable."""
    real = {s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols}
    expr = expr.xreplace(real)
    wrt = [real[v] for v in wrt] if wrt else sorted(expr.free_symbols, key=lambda s: s.name)
    return expr, tuple(sympy.diff(expr, v) for v in wrt)


def exact(expr, point=POINT, wrt=None):
    """sympy.diff of each variable, evaluated exactly (30 digits) at ``point``: the oracle."""
    expr, grads = derivatives(expr, tuple(wrt) if wrt else None)
    subs = {s: sympy.Float(point[s.name], 30) for s in expr.free_symbols}
    return float(expr.evalf(30, subs=subs)), [float(g.evalf(30, subs=subs)) for g in grads]
