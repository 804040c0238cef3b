"""Decomposition of an expression into the graph's elementary nodes, and the nodes' names.

Hand-written because sympy has no decomposition into elementary operations with this naming order
(``sympy.cse`` shares subexpressions but keeps whole sums and products and names them x0, x1, ...).
The rules are listed in ``symgd.calculus.graph``'s docstring.
"""
from __future__ import annotations

import builtins
import keyword
from collections.abc import Sequence

import sympy

from symgd.errors import CompileError
from symgd.parse.construct import power, product, scaled, total

_RESERVED = {"e", "E", "I", "N", "O", "Q", "S", "pi", "oo", "nan", "zoo", "exp", "log", "ln", "sin", "cos", "tan",
             "sec", "csc", "cot", "abs", "max", "min", "erf", "sum", "sqrt", "sign", "int", "float"}

_BUILTINS = set(dir(builtins))  # node names never shadow Python builtins in generated code (abs, min, ...)


def node_names(count: int | None, taken: set[str]):
    """Yield ``count`` (None: unlimited) names a, b, ..., z, aa, ab, ... skipping ``taken``, keywords,
    builtins and reserved words (the constants e, E, I, pi among them)."""
    produced, k = 0, 0
    while count is None or produced < count:
        k += 1
        n, name = k, ""
        while n:  # bijective base 26: a..z, aa..zz, aaa..
            n, r = divmod(n - 1, 26)
            name = chr(97 + r) + name
        if name in taken or name in _RESERVED or keyword.iskeyword(name) or name in _BUILTINS:
            continue
        produced += 1
        yield name


#: The widest product node; wider products are split in halves (see ``Builder._factors``).
MUL_FANIN = 8


class Builder:
    """Decomposes an expression into nodes, depth first, left to right (the evaluation order).

    Hand-written because sympy has no decomposition into elementary operations with this naming order;
    subexpressions are hash-consed on their sympy form, so shared subexpressions become one node.
    """

    def __init__(self, inputs: Sequence[sympy.Symbol], namer, keep: tuple = ()) -> None:
        self.inputs = set(inputs)
        self.namer = namer  # definition -> node name, called in evaluation order
        self.keep = keep  # the user's definitions: always a node of their own, never folded into a parent
        self.memo: dict[sympy.Expr, sympy.Symbol] = {}
        self.protos: list[tuple[sympy.Symbol, sympy.Expr, sympy.Expr]] = []  # (symbol, expr, definition)

    def node(self, e: sympy.Expr) -> sympy.Expr:
        """The symbol standing for ``e`` (an input symbol, a constant, or a new or shared op node)."""
        if e.is_Symbol and e in self.keep:  # u = x is an identity node, so u stays in the picture
            return self.make(e, e)
        if e.is_number or (e.is_Symbol and e not in self.inputs) or e in self.inputs:
            return e
        hit = self.memo.get(e)
        if hit is not None:
            return hit
        merged = self._merged(e) if self.keep and (e.is_Add or e.is_Mul) else None
        if merged is not None:
            return self.make(e, merged)
        if e.is_Mul:
            return self._mul(e)
        return self.make(e, self._body(e))

    def _merged(self, e: sympy.Expr) -> sympy.Expr | None:
        """``e`` over the node of a user's definition that sympy flattened into it (u = x + y; u + z is
        x + y + z; u = 2x; 3uy is 6xy), largest definition first; None when none is inside."""
        split = (lambda a: a.as_coeff_add()) if e.is_Add else (lambda a: a.as_coeff_mul())
        unit = 0 if e.is_Add else 1
        c, args = split(e)
        for d in self.keep:
            if d == e or d.func is not e.func:
                continue
            cd, rest = split(d)
            if len(rest) + (cd != unit) >= len(args) + (c != unit):  # strictly smaller: the recursion ends
                continue
            left = list(args)
            if not all(a in left and left.remove(a) is None for a in rest):
                continue
            if e.is_Add:
                return total([c - cd, self.node(d)] + [self._term(t) for t in left])
            return scaled(c / cd, product([self.node(d)] + [self.node(f) for f in left]))
        return self._like_terms(e) if e.is_Add else None

    def _like_terms(self, e: sympy.Add) -> sympy.Expr | None:
        """``e`` as k·u + the rest when sympy merged a definition's terms into like terms of ``e``
        (u = x + y; u + x + y is 2x + 2y = 2u); None when no definition fits with fewer terms left."""
        for d in self.keep:
            if not d.is_Add or sympy.count_ops(d) >= sympy.count_ops(e):  # smaller only: recursion ends
                continue
            coeff, first = d.args[0].as_coeff_Mul()
            mine = next((t.as_coeff_Mul()[0] for t in e.args if t.as_coeff_Mul()[1] == first), None)
            if mine is None:
                continue
            k = mine / coeff
            rest = sympy.Add(e, *(-k * t for t in d.args))
            if len(sympy.Add.make_args(rest)) < len(e.args):
                return total([scaled(k, self.node(d))] + [self._term(t) for t in sympy.Add.make_args(rest)
                                                         if t != 0])
        return None

    def _body(self, e: sympy.Expr) -> sympy.Expr:
        """The node expression of ``e`` (not a product) in its operands' symbols."""
        if e.is_Add:
            terms = [self._term(t) for t in e.args]
            return e if all(t is a for t, a in zip(terms, e.args)) else total(terms)
        if isinstance(e, sympy.Piecewise):  # one node; conditions keep their operands as nodes
            return sympy.Piecewise(*((self._branch(v), self._condition(c)) for v, c in e.args))
        if isinstance(e, (sympy.Sum, sympy.Product, sympy.Indexed, sympy.IndexedBase, sympy.Integral,
                          sympy.Derivative)):
            raise CompileError(f"{type(e).__name__} cannot be a node of the scalar graph",
                               hint="indexed sums compile through symgd.codegen.indexed (give sizes=)")
        ops = tuple(self.operand(a) for a in e.args)
        # unchanged operands (x0 in (1 - x0)**2) keep e itself: no rebuild, no new assumptions
        return e if all(o is a for o, a in zip(ops, e.args)) else power(*ops) if e.is_Pow else e.func(*ops)

    def make(self, definition: sympy.Expr, expr: sympy.Expr) -> sympy.Symbol:
        hit = self.memo.get(definition)
        if hit is not None:
            return hit
        sym = sympy.Symbol(self.namer(definition))
        self.protos.append((sym, expr, definition))
        self.memo[definition] = sym
        return sym

    def operand(self, arg: sympy.Expr) -> sympy.Expr:
        """A function's or power's argument: an additive constant folds into the operand, and so does a
        numeric factor of a single non-product term (sin(2x), (1 - x)**2); a product keeps its
        coefficient as its own first node (2x in 2x/sin(y))."""
        if arg.is_number:
            return arg
        if arg in self.keep:
            return self.node(arg)
        c0, rest = arg.as_coeff_Add()
        if rest in self.keep:
            return c0 + self.node(rest)
        c1, u = rest.as_coeff_Mul()
        if u.is_Mul:
            return c0 + self.node(rest) if c0 != 0 else self.node(rest)
        sym = self.node(u)
        if sym is u:  # an input: the operand is arg itself (not rebuilt, so its assumptions stay cached)
            return arg
        inner = sym if c1 == 1 else scaled(c1, sym)
        return c0 + inner if c0 != 0 else inner

    def _branch(self, value: sympy.Expr) -> sympy.Expr:
        """A Piecewise branch's value, kept whole inside the Piecewise node: a node of its own would be
        computed unconditionally, evaluating the 1/x, sqrt(x) or log(x) that the condition guards against
        (wrenfold's and Symbolics.jl's ifelse_branching lesson). Subexpressions already computed as nodes
        (so unconditionally anyway) are reused by their symbols."""
        return value.xreplace(self.memo) if self.memo and not value.is_number else value

    def _condition(self, cond):
        """A Piecewise condition with the operands of its comparisons as graph operands."""
        if isinstance(cond, sympy.core.relational.Relational):
            return cond.func(self.operand(cond.lhs), self.operand(cond.rhs))
        if isinstance(cond, (sympy.And, sympy.Or, sympy.Not)):
            return cond.func(*(self._condition(c) for c in cond.args))
        return cond

    def _term(self, term: sympy.Expr) -> sympy.Expr:
        if term.is_number or term in self.keep:
            return self.node(term)
        coeff, rest = term.as_coeff_Mul()
        return self.node(rest) if coeff == 1 else scaled(coeff, self.node(rest))

    def _mul(self, e: sympy.Expr) -> sympy.Symbol:
        coeff, factors = e.as_coeff_mul()
        num, den = [], []
        for f in factors:
            base, ex = f.as_base_exp()
            if ex.is_number and ex.is_negative:
                den.append(base ** -ex)
            else:
                num.append(f)
        if not den:
            return self.make(e, coeff * sympy.Mul(*self._factors(num)))
        top_def = coeff * num[0] if num else coeff
        top = self.node(top_def) if num else coeff
        den_def = sympy.Mul(*den)
        quotient = self.make(top_def / den_def, top / self.node(den_def))
        if len(num) <= 1:
            return quotient
        return self.make(e, quotient * sympy.Mul(*self._factors(num[1:])))

    def _factors(self, factors: list) -> list:
        """The operands of a product node: the factors' nodes, or, past ``MUL_FANIN`` factors, the nodes of
        the products of its two halves. Each of n factors' partials is the product of the n - 1 others, so
        one wide node would cost n² in the backward sweep (a product of 200 names: 367 kB of code); halves
        cost n log n at most, and each binary node's partial is the other half."""
        if len(factors) <= MUL_FANIN:
            return [self.node(f) for f in factors]
        half = len(factors) // 2
        return [self.node(sympy.Mul(*factors[:half])), self.node(sympy.Mul(*factors[half:]))]
