"""Juxtaposition: implicit multiplication and functions applied without parentheses.

Textbook conventions (docs/language.md):
- a function name without parentheses applies to the factors written after it, up to the next
  function name or operator: ``sin 2x`` = sin(2x), ``sin x cos x`` = sin(x)*cos(x);
- a function name followed directly by another applies to that one: ``ln sin x`` = ln(sin(x));
- ``sin^2 x`` = (sin x)^2 and ``sin^-1 x`` = asin(x) for trigonometric and hyperbolic functions.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy
from lark import Token, v_args

from symgd.errors import BudgetError
from symgd.parse import budget
from symgd.parse.functions import FUNCTIONS, INVERSES, canonical


@dataclass(frozen=True)
class FHead:
    """A function name waiting for its argument: ``sin``, ``sin^2``, ``log_2``, ``sin^-1``."""

    token: Token
    base: Token | None = None
    exponent: sympy.Expr | None = None


@dataclass(frozen=True)
class HeadArg:
    """A function's whole argument, written in parentheses (``sinh^5 (x)``): the argument ends there."""

    value: sympy.Expr


class Juxtaposition:
    """Mixin of the Transformer: the ``juxtapose`` rule (uses ``power``, ``build``, ``note``)."""

    @v_args(meta=True)
    def juxtapose(self, meta, items: list) -> sympy.Expr:
        self.juxt_starts.add(meta.start_pos)
        self.check_chain(items)
        values: list[sympy.Expr] = []
        plain: list[sympy.Expr] = []
        # Right to left: each function head takes the plain factors after it, or, when another
        # head follows at once, that head's result. Iterative, so long chains cannot recurse.
        for item in reversed(items):
            if not isinstance(item, FHead):
                plain.append(item)
                continue
            if plain and isinstance(plain[-1], HeadArg):  # sinh^5 (x) cosh(x): the argument ends at ')'
                argument = plain.pop().value
                values.extend(plain)
                plain = []
            elif plain:
                argument = self.product(plain[::-1], meta.start_pos)
                plain = []
            elif values:
                argument = values.pop()
            else:
                raise self.fail(item.token.start_pos, f"{item.token.value} needs an argument",
                                f"write {item.token.value}(x)")
            values.append(self.apply_head(item, argument))
        values.extend(plain)
        result = self.product(values[::-1], meta.start_pos)
        self.note(f"`{self.snippet(meta.start_pos, meta.end_pos)}` read as {sympy.sstr(result)}")
        return result

    def letters(self, items: list) -> sympy.Expr:
        """``xy`` split into its letters (textbook.py): their product."""
        return self.product(items, 0)

    def head_arg(self, children: list) -> HeadArg:
        return HeadArg(children[0])

    def check_chain(self, items: list) -> None:
        """Refuse ``sin sin sin ... x`` nested past the budget before SymPy recurses into it."""
        run = 0
        for item in items:
            run = run + 1 if isinstance(item, FHead) else 0
            if run > budget.MAX_NESTING:
                raise self.fail(item.token.start_pos, f"more than {budget.MAX_NESTING} functions "
                                "applied in a row", cls=BudgetError)

    def apply_head(self, head: FHead, argument: sympy.Expr) -> sympy.Expr:
        """``sin^2`` applied to ``x`` -> sin(x)**2; ``log_2`` to ``x`` -> log(x, 2)."""
        tok = head.token
        key = canonical(tok.value)
        spec = FUNCTIONS[key]
        if spec.min_args > 1:
            raise self.fail(tok.start_pos, f"{tok.value} needs parentheses around its arguments",
                            f"write {spec.usage}")
        args = [argument]
        if head.base is not None:
            if key != "log":
                raise self.fail(head.base.start_pos, f"only log takes a base subscript, "
                                                     f"not {tok.value}")
            args.append(self.read_subscript(head.base))
        if head.exponent is None:
            return self.build(tok.value, args, tok.start_pos)
        if head.exponent == -1:
            if key not in INVERSES:
                raise self.fail(tok.start_pos, f"{tok.value}^-1 has no inverse-function reading",
                                "only trigonometric and hyperbolic functions do, as in "
                                "sin^-1 x = asin(x); write 1/" + tok.value + "(x) for the reciprocal")
            self.note(f"`{tok.value}^-1` read as the inverse function {INVERSES[key]}, "
                      f"not 1/{key}")
            return self.build(INVERSES[key], args, tok.start_pos)
        return self.power(self.build(tok.value, args, tok.start_pos), head.exponent, tok.start_pos)

    def read_subscript(self, tok: Token) -> sympy.Expr:
        text = tok.value[1:].strip("{}")
        if text.isdigit():
            if len(text.lstrip("0")) > budget.MAX_DIGITS:
                raise self.fail(tok.start_pos, f"a number with {len(text):,} digits; the limit is "
                                               f"{budget.MAX_DIGITS:,}", cls=BudgetError)
            return sympy.Integer(int(text))
        return self.read_name(Token.new_borrow_pos("NAME", text, tok))
