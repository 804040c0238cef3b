"""Numerically stable forms of expressions, for the code path (issue 14).

``stabilize`` rewrites an expression before its code graph is built (``build_graph(..., stable=True)``);
the symbolic results shown to users (gradients, chain-rule graphs) keep the user's own forms.
PyTensor's ``local_log1p``, softplus and log-sum-exp rewrites are the model. The rules, each matched
top-down on the user's form (so ``exp(x)/(1 + exp(x))`` is seen whole, not after its parts changed):

- ``1/(1 + exp(-u))``, ``exp(u)/(1 + exp(u))``   -> sigmoid(u) = exp(min(u, 0) - log1p(exp(-|u|)))
- ``exp(u)/(1 + exp(u))^2`` (sigmoid' as written) -> sech(u/2)^2/4 (the code printers' stable sech)
- ``log(1 + exp(u))``                            -> softplus(u) = max(u, 0) + log1p(exp(-|u|))
- ``1 - sigmoid(u)``                             -> sigmoid(-u) (no cancellation for large u)
- ``log(1/(1 + exp(u)))``, ``log(1 - sigmoid(u))``  -> -softplus(u) (log-sigmoid)
- ``log(exp(a) + exp(b) + ...)``                 -> m + log(exp(a - m) + ...), m = max(a, b, ...)
- ``log(1 + u)``                                 -> log1p(u)
- ``exp(u) - 1``                                 -> expm1(u)

The results are branch-free SymPy built from functions every printer knows (Max, Min, Abs, exp and
``sympy.codegen.cfunctions.log1p``/``expm1``): no ``Piecewise``, so numpy never evaluates an
overflowing branch. The graph differentiates them as usual; their derivatives are stable too
(sigmoid' = sigmoid * (H(-u) + sign(u) e^-|u| / (1 + e^-|u|)), nothing above exp(0)).
"""
from __future__ import annotations

import sympy
from sympy.codegen.cfunctions import expm1, log1p



def _abs(u: sympy.Expr) -> sympy.Expr:
    """|u| kept as written: SymPy evaluates Abs(exp(-z**2)) of a complex-capable z into re/im parts,
    whose derivatives the graph does not know (a wrong gradient, found by the torch interop tests)."""
    return sympy.Abs(u, evaluate=False)

def stabilize(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with forms that overflow or cancel in floating point replaced by stable ones."""
    return _Rewriter().rewrite(sympy.sympify(expr))


def softplus(u: sympy.Expr) -> sympy.Expr:
    """log(1 + e^u) without overflow: max(u, 0) + log1p(e^-|u|)."""
    return sympy.Max(u, 0) + log1p(sympy.exp(-_abs(u)))


def sigmoid(u: sympy.Expr) -> sympy.Expr:
    """1/(1 + e^-u) without overflow: exp(min(u, 0) - log1p(e^-|u|)); relative accuracy on both tails."""
    return sympy.exp(sympy.Min(u, 0) - log1p(sympy.exp(-_abs(u))))


def logsumexp(args: list[sympy.Expr]) -> sympy.Expr:
    """log(sum e^a) with the largest argument shifted out (two arguments: max + log1p(e^-|a - b|))."""
    if len(args) == 1:
        return args[0]
    if len(args) == 2:
        a, b = args
        return sympy.Max(a, b) + log1p(sympy.exp(-_abs(a - b)))
    m = sympy.Max(*args)
    return m + sympy.log(sympy.Add(*(sympy.exp(a - m) for a in args)))


def _one_plus_exp(e: sympy.Expr) -> sympy.Expr | None:
    """u when ``e`` is 1 + exp(u), else None."""
    if e.is_Add and len(e.args) == 2 and sympy.S.One in e.args:
        other = e.args[1] if e.args[0] == 1 else e.args[0]
        if isinstance(other, sympy.exp):
            return other.args[0]
    return None


def _minus_reciprocal(term: sympy.Expr) -> sympy.Expr | None:
    """v when ``term`` is -1/(1 + exp(v)) (the -sigmoid(-v) of 1 - sigmoid(-v))."""
    if term.is_Mul and len(term.args) == 2 and term.args[0] == -1:
        f = term.args[1]
        if f.is_Pow and f.exp == -1:
            return _one_plus_exp(f.base)
    return None


def _one_minus_sigmoid(e: sympy.Expr) -> tuple[sympy.Expr, list[sympy.Expr]] | None:
    """(v, other terms) when the sum ``e`` is 1 - 1/(1 + exp(v)) + others, i.e. sigmoid(v) + others."""
    if not (e.is_Add and sympy.S.One in e.args):
        return None
    for term in e.args:
        v = _minus_reciprocal(term)
        if v is not None:
            return v, [t for t in e.args if t is not term and t != 1]
    return None


def _exponents(e: sympy.Expr) -> list[sympy.Expr] | None:
    """[a, b, ...] when ``e`` is c1 e^a + c2 e^b + ... (positive numbers c_k, at least one exp of a
    variable), as exponents a + log c1, ...; None otherwise."""
    if not e.is_Add:
        return None
    out = []
    for term in e.args:
        c, rest = term.as_coeff_Mul()
        if not (c.is_Number and c > 0):
            return None
        if rest == 1:
            out.append(sympy.log(c))
        elif isinstance(rest, sympy.exp):
            out.append(rest.args[0] + sympy.log(c) if c != 1 else rest.args[0])
        else:
            return None
    return out if any(not a.is_number for a in out) else None


class _Rewriter:
    """One top-down pass; shared subexpressions are rewritten once (memo)."""

    def __init__(self) -> None:
        self.memo: dict[sympy.Basic, sympy.Basic] = {}

    def rewrite(self, e: sympy.Basic) -> sympy.Basic:
        if e.is_Atom or not e.args:
            return e
        if e not in self.memo:
            self.memo[e] = self._rule(e)
        return self.memo[e]

    def _rule(self, e: sympy.Basic) -> sympy.Basic:
        for rule in (self._log, self._reciprocal, self._mul, self._add):
            out = rule(e)
            if out is not None:
                return out
        args = [self.rewrite(a) for a in e.args]
        return e if all(a is b for a, b in zip(args, e.args)) else e.func(*args)

    def _log(self, e: sympy.Basic) -> sympy.Expr | None:
        if not isinstance(e, sympy.log):
            return None
        (arg,) = e.args
        if arg.is_Pow and arg.exp == -1 and _one_plus_exp(arg.base) is not None:
            return -softplus(self.rewrite(_one_plus_exp(arg.base)))  # log-sigmoid
        if arg.is_Mul:
            s = self._sigmoid_of_mul(arg)
            if s is not None and s[1] == 0 and s[2] == 1:  # log(e^u/(1 + e^u)) = -softplus(-u)
                return -softplus(-self.rewrite(s[0]))
        one_minus = _one_minus_sigmoid(arg)
        if one_minus is not None and not one_minus[1]:  # log(1 - sigmoid(-v)) = log(sigmoid(v))
            return -softplus(-self.rewrite(one_minus[0]))
        exps = _exponents(arg)
        if exps is not None:
            return logsumexp([self.rewrite(a) for a in exps])
        if arg.is_Add and sympy.S.One in arg.args:
            return log1p(self.rewrite(arg - 1))
        return None

    def _reciprocal(self, e: sympy.Basic) -> sympy.Expr | None:
        """(1 + e^v)^p for a negative number p -> sigmoid(-v)^-p."""
        if e.is_Pow and e.exp.is_Number and e.exp < 0:
            v = _one_plus_exp(e.base)
            if v is not None:
                s = sigmoid(-self.rewrite(v))
                return s if e.exp == -1 else s ** (-e.exp)
        return None

    def _sigmoid_of_mul(self, e: sympy.Mul) -> tuple[sympy.Expr, sympy.Expr, sympy.Expr] | None:
        """(u, k, rest) when the product ``e`` is e^u/(1 + e^u)^(1 + k) * rest, k >= 0 (k = 1: sigmoid'),
        which is sigmoid(u) * sigmoid(-u)^k * rest."""
        exp_factor = next((f for f in e.args if isinstance(f, sympy.exp)), None)
        if exp_factor is None:
            return None
        for f in e.args:
            if (f.is_Pow and f.exp.is_Number and f.exp <= -1
                    and _one_plus_exp(f.base) == exp_factor.args[0]):
                rest = [g for g in e.args if g is not f and g is not exp_factor]
                return exp_factor.args[0], -f.exp - 1, sympy.Mul(*rest)
        return None

    def _mul(self, e: sympy.Basic) -> sympy.Expr | None:
        if not e.is_Mul:
            return None
        s = self._sigmoid_of_mul(e)
        if s is None:
            return None
        u, k, rest = self.rewrite(s[0]), s[1], self.rewrite(s[2])
        if k == 1:  # sigmoid(u) sigmoid(-u) = sech(u/2)^2/4: its derivative does not cancel near 0
            return sympy.sech(u / 2) ** 2 / 4 * rest
        return sigmoid(u) * (sigmoid(-u) ** k if k != 0 else 1) * rest

    def _add(self, e: sympy.Basic) -> sympy.Expr | None:
        """1 - 1/(1 + exp(v)) + rest -> sigmoid(v) + rest; exp(u) - 1 + rest -> expm1(u) + rest."""
        one_minus = _one_minus_sigmoid(e)
        if one_minus is not None:
            v, rest = one_minus
            return sympy.Add(sigmoid(self.rewrite(v)), *(self.rewrite(t) for t in rest))
        if not (e.is_Add and sympy.S.NegativeOne in e.args):
            return None
        exp_term = next((t for t in e.args if isinstance(t, sympy.exp)), None)
        if exp_term is None:
            return None
        rest = [self.rewrite(t) for t in e.args if t is not exp_term and t != -1]
        return sympy.Add(expm1(self.rewrite(exp_term.args[0])), *rest)
