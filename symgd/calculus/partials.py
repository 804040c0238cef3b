"""Local partial derivatives of the graph's elementary operations (one rule per kind of operation).

The reverse sweep of ``symgd.calculus.graph`` multiplies these along the edges; the chain-rule printout
shows them next to each node.
"""
from __future__ import annotations

from collections.abc import Sequence

import sympy

from symgd.parse.construct import scaled


def local_partials(expr: sympy.Expr, inputs: Sequence[sympy.Symbol]) -> tuple[sympy.Expr, ...]:
    """∂expr/∂s for each input symbol s of one elementary operation, one rule per kind of operation.

    Operands are s, c + s or constants (the decomposition guarantees it), so the inner derivative of an
    operand is 1 or 0. Functions use sympy's own derivative table (``fdiff``); sympy.diff on every node
    would pay for the assumption system thousands of times. Derivatives of sign/Heaviside (DiracDelta)
    are 0: the derivative almost everywhere, as torch and JAX define it.
    """
    if expr.is_Pow and expr.exp.is_Integer and len(inputs) == 1 and expr.base == inputs[0]:
        return (scaled(expr.exp, sympy.Pow(expr.base, expr.exp - 1)),)  # s**k, the commonest node
    if expr.is_Add:  # one pass over the terms: a sum with thousands of inputs stays linear
        coeffs: dict = {}
        for term in expr.args:
            c, u = term.as_coeff_Mul()
            if u in coeffs or u.is_Symbol:
                coeffs[u] = coeffs.get(u, 0) + c
        if all(s in coeffs for s in inputs) and len(coeffs) == len(inputs):
            return tuple(sympy.sympify(coeffs[s]) for s in inputs)
    return tuple(_clean(_partial(expr, s)) for s in inputs)


def _partial(e: sympy.Expr, s: sympy.Symbol) -> sympy.Expr:
    if e == s:
        return sympy.S.One
    if e.is_Add:
        return sympy.Add(*(_partial(t, s) for t in e.args if t.has(s)))  # any terms (Piecewise branches)
    if e.is_Mul:
        out = []
        for k, f in enumerate(e.args):
            if f.has(s):
                rest = sympy.Mul(*(e.args[:k] + e.args[k + 1:]))
                out.append(rest * _partial(f, s))
        return sympy.Add(*out)
    if e.is_Pow:
        base, ex = e.args
        out = []
        if base.has(s):
            out.append(ex * base ** (ex - 1) * _partial(base, s))
        if ex.has(s):
            out.append(e * sympy.log(base) * _partial(ex, s))
        return sympy.Add(*out)
    if isinstance(e, sympy.Piecewise):  # piecewise local partial; conditions are constant a.e.
        return sympy.Piecewise(*((_partial(v, s), c) for v, c in e.args))
    if isinstance(e, sympy.Abs):
        return sympy.sign(e.args[0]) * _partial(e.args[0], s)
    return sympy.Add(*(e.fdiff(k + 1) * _partial(a, s) for k, a in enumerate(e.args) if a.has(s)))


def _clean(d: sympy.Expr) -> sympy.Expr:
    if d.has(sympy.DiracDelta, sympy.Derivative, sympy.Subs):  # Subs: sign(u).fdiff for an unknown-sign u
        d = d.replace(lambda a: isinstance(a, (sympy.DiracDelta, sympy.Derivative, sympy.Subs)),
                      lambda a: sympy.S.Zero)
    return d
