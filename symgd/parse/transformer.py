"""Lark Transformer: parse-tree nodes (named after SymPy operations) -> SymPy objects.

Only allow-listed functions (functions.py) can be built; names are plain ``Symbol``s, never looked
up in any Python namespace. Every implicit reading is recorded in ``notes`` for the echo.
"""
from __future__ import annotations

import sympy
from lark import Token, Transformer, v_args

from symgd.errors import BudgetError, ParseError
from symgd.parse import budget, construct, leibniz, reductions
from symgd.parse.apply import FHead, Juxtaposition
from symgd.parse.functions import FUNCTIONS, canonical
from symgd.parse.messages import bad_constant, constant_message, error_at, plain, shown
from symgd.parse.names import NameReader
from symgd.parse.textbook import NotedMeta

_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_ROOTS = {"√": 2, "∛": 3, "∜": 4}


def _is_condition(value) -> bool:
    """True for a comparison or a truth value (the first argument of where)."""
    return isinstance(value, (sympy.logic.boolalg.Boolean, bool)) and not isinstance(value, sympy.Symbol) \
        or value == sympy.Symbol("True")


class ToSympy(Transformer, NameReader, Juxtaposition):
    """Builds one statement's SymPy expression; ``definitions`` come from earlier statements."""

    def __init__(self, text: str, latex: bool, notes: dict[str, None],
                 variables: dict[str, sympy.Expr], functions: dict[str, tuple]) -> None:
        super().__init__(visit_tokens=False)
        self.text, self.latex, self.notes = text, latex, notes
        self.variables, self.functions = variables, functions
        self.params: frozenset[str] = frozenset()
        self.juxt_starts: set[int] = set()

    # -------------------------------------------------------------- helpers
    def note(self, message: str) -> None:
        self.notes.setdefault(message, None)

    def snippet(self, start: int, end: int, limit: int = 40) -> str:
        piece = " ".join(self.text[start:end].split())
        return piece if len(piece) <= limit else piece[:limit - 1] + "…"

    def fail(self, pos: int, message: str, hint: str | None = None,
             cls: type[ParseError] = ParseError) -> ParseError:
        return error_at(self.text, pos, message, hint=hint, cls=cls)

    def power(self, base: sympy.Expr, exponent: sympy.Expr, pos: int) -> sympy.Expr:
        """``base**exponent`` after checking the exact numbers SymPy would compute stay small."""
        digits = budget.power_digits(base, exponent)
        if digits > budget.MAX_DIGITS:
            size = "too many" if digits == float("inf") else f"about {digits:,.0f}"
            raise self.fail(pos, f"this power would compute an exact number with {size} digits; "
                                 f"the limit is {budget.MAX_DIGITS:,}",
                            "write a decimal point (2.0^x) for a floating-point value", BudgetError)
        if budget.float_power_exponent(base, exponent) > budget.MAX_FLOAT_EXPONENT:
            raise self.fail(pos, "this power would be a floating-point number beyond 10^"
                                 f"{budget.MAX_FLOAT_EXPONENT:,}", None, BudgetError)
        what = f"({plain(base)})^({plain(exponent)})" if base.is_number and exponent.is_number else ""
        return self.real_constant(construct.power(base, exponent), pos, what,
                                  "for the real root of a negative number a, write -(|a|^(1/3)); for a "
                                  "variable, sign(x)*abs(x)^(1/3)")

    def real_constant(self, value: sympy.Expr, pos: int, what: str, hint: str | None = None) -> sympy.Expr:
        """``value`` (of ``what``, as typed), refused with a caret when it is a constant that is not a
        finite real number: ``(-8)^(1/3)`` is 2*(-1)^(1/3), ``log(-1)`` is I*pi, ``cot(0)`` is zoo."""
        if value.is_number and bad_constant(value) is not None:
            raise self.fail(pos, constant_message(value, what), hint)
        return value

    def product(self, factors: list[sympy.Expr], pos: int) -> sympy.Expr:
        """``Mul(*factors)`` after checking SymPy will not merge long exact roots."""
        if budget.root_digits(factors) > budget.MAX_ROOT_DIGITS:
            raise self.fail(pos, "this product multiplies roots of long exact numbers; "
                                 f"their digits together exceed {budget.MAX_ROOT_DIGITS}",
                            "write a decimal point (2.0) for a floating-point value", BudgetError)
        return construct.product(factors)

    def build(self, name: str, args: list[sympy.Expr], pos: int) -> sympy.Expr:
        """Call the allow-listed function ``name`` on ``args`` (arity checked)."""
        key = canonical(name)
        spec = FUNCTIONS[key]
        if not spec.min_args <= len(args) <= spec.max_args:
            need = (str(spec.min_args) if spec.min_args == spec.max_args
                    else f"{spec.min_args} or more" if spec.max_args > 4
                    else f"{spec.min_args} to {spec.max_args}")
            got = len(args)
            raise self.fail(pos, f"{name} takes {need} argument{'s' * (need != '1')}, not {got}",
                            f"write {spec.usage or name + '(x)'}")
        if key == "sum":
            return self.summation(args, pos)
        if key == "prod":
            return self.product_over(args, pos)
        if key in ("where", "Piecewise"):
            return self.branches(key, args, pos)
        if key in ("Eq", "Ne"):
            return spec.build(*args)
        if any(_is_condition(a) for a in args):
            raise self.fail(pos, f"{name} takes numbers, not a comparison",
                            "a comparison is the condition of where(x > 0, a, b)")
        for arg in args:
            if isinstance(arg, tuple):
                raise self.fail(pos, "a list in parentheses (a, b, ...) is only allowed as the "
                                     "bounds of sum", "write sum(body, i, a, b)")
        if any(budget.beyond_float_range(arg) for arg in args):
            raise self.fail(pos, f"{name} of a number beyond the float64 range (about 1.8e308)",
                            None, BudgetError)
        if key in ("sqrt", "cbrt"):
            return self.power(args[0], sympy.Rational(1, 2 if key == "sqrt" else 3), pos)
        if key == "log" and len(args) == 2:
            self.check_log_base(args[1], pos)
        return self.real_constant(spec.build(*args), pos, f"{name}({', '.join(map(plain, args))})")

    def check_log_base(self, base: sympy.Expr, pos: int) -> None:
        """log to base 0 or 1 is undefined (SymPy reads log(x, 0) as log(x)/zoo = 0), and to a
        negative base complex: refused where the base is a number."""
        if not base.is_number:
            return
        if base.is_zero or base == 1:
            raise self.fail(pos, f"a logarithm to base {base} is undefined", "the base must be positive "
                                 "and not 1, as in log(x, 2) or log_2 x")
        if base.is_extended_negative:
            raise self.fail(pos, f"a logarithm to the negative base {shown(base)} is not a real "
                                 "number", "the base must be positive and not 1, as in log(x, 2)")

    def summation(self, args: list, pos: int) -> sympy.Expr:
        """``sum(body, i, a, b)`` or SymPy's printed ``Sum(body, (i, a, b))``: bounds inclusive."""
        if len(args) == 2 and isinstance(args[1], tuple) and len(args[1]) == 3:
            args = [args[0], *args[1]]
        if len(args) != 4 or any(isinstance(a, tuple) for a in args):
            raise self.fail(pos, "sum takes a body, an index and two bounds",
                            "write sum(x[i]^2, i, 1, n)")
        body, index, low, high = args
        if not isinstance(index, sympy.Symbol):
            raise self.fail(pos, f"the index of sum must be a name, not {index}",
                            "write sum(x[i]^2, i, 1, n)")
        return sympy.Sum(body, (index, low, high))

    def product_over(self, args: list, pos: int) -> sympy.Expr:
        """``prod(body, j, a, b)`` or SymPy's printed ``Product(body, (j, a, b))``: bounds inclusive."""
        try:
            return reductions.product(*args)
        except ValueError as exc:
            raise self.fail(pos, str(exc), "write prod(x[j], j, 0, n-1)") from None

    def branches(self, key: str, args: list, pos: int) -> sympy.Expr:
        """``where(cond, a, b)`` or SymPy's printed ``Piecewise((a, cond), ..., (b, True))``."""
        pairs = [tuple(a) if isinstance(a, tuple) else a for a in args] if key == "Piecewise" else \
            [(args[1], args[0]), (args[2], sympy.true)]
        if key == "Piecewise" and not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
            raise self.fail(pos, "Piecewise takes pairs (value, condition)",
                            "write Piecewise((1/x, x > 0), (0, True)), or where(x > 0, 1/x, 0)")
        pairs = [(v, sympy.true if c == sympy.Symbol("True") else c) for v, c in pairs]
        for value, cond in pairs:
            if _is_condition(value) or not _is_condition(cond):
                raise self.fail(pos, f"the condition of {key} must be a comparison such as x > 0, and its "
                                     "values numbers", "write where(x > 0, 1/x, 0)")
        return sympy.Piecewise(*pairs)

    def compare(self, children: list) -> sympy.Basic:
        lhs, op, rhs = children
        rel = {"<": sympy.Lt, "<=": sympy.Le, "≤": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge, "≥": sympy.Ge,
               "==": sympy.Eq, "!=": sympy.Ne, "≠": sympy.Ne}[op.value]
        try:
            return rel(lhs, rhs)
        except TypeError as exc:  # sympy refuses to order a non-real number (x < I)
            raise self.fail(op.start_pos, f"cannot compare: {exc}") from None

    # -------------------------------------------------------------- atoms
    def number(self, children: list[Token]) -> sympy.Expr:
        (tok,) = children
        text = tok.value
        if any(c in text for c in ".eE"):
            try:
                normal, _ = budget.float_literal(text)
            except ValueError as exc:
                raise self.fail(tok.start_pos, str(exc), cls=BudgetError) from None
            return sympy.Float(normal, 15)
        if len(text.lstrip("0")) > budget.MAX_DIGITS:
            raise self.fail(tok.start_pos, f"a number with {len(text):,} digits; the limit is "
                                           f"{budget.MAX_DIGITS:,}", cls=BudgetError)
        return sympy.Integer(int(text))

    def symbol(self, children: list[Token]) -> sympy.Expr:
        (tok,) = children
        return self.read_name(tok)

    def subscripted(self, children: list[Token]) -> sympy.Expr:
        name, sub = children
        return self.read_name(Token.new_borrow_pos("NAME", name.value + sub.value, name))

    def indexed(self, children: list) -> sympy.Expr:
        tok, *indices = children
        return sympy.Indexed(self.array_base(tok), *indices)

    def tuple(self, children: list) -> tuple:
        return tuple(children)

    def call(self, children: list) -> sympy.Expr:
        tok, *args = children
        if not args:
            raise self.fail(tok.start_pos, f"{tok.value}() needs an argument",
                            f"write {tok.value}(x)")
        return self.build(tok.value, list(args), tok.start_pos)

    def name_call(self, children: list) -> sympy.Expr:
        tok, *args = children
        value = self.call_name(tok, list(args))
        bad = bad_constant(value)  # f(-8) with f(t) = t^(1/3): the substitution computes (-8)^(1/3)
        if bad is not None:
            raise self.fail(tok.start_pos, constant_message(bad))
        return value

    def abs(self, children: list) -> sympy.Expr:
        return sympy.Abs(children[1])

    def frac(self, children: list) -> sympy.Expr:
        tok, top, bottom = children
        return self.divide(top, bottom, tok.start_pos)

    def sqrt(self, children: list) -> sympy.Expr:
        tok, *rest = children
        index = rest[0] if len(rest) == 2 else sympy.Integer(2)
        if not (index.is_Integer and index > 1):
            raise self.fail(tok.start_pos, f"the root index must be a whole number above 1, "
                                           f"not {index}", "write \\sqrt[3]{x}")
        return self.power(rest[-1], 1 / index, tok.start_pos)

    # -------------------------------------------------------------- operators
    @v_args(meta=True)
    def root(self, meta, children: list) -> sympy.Expr:
        tok, arg = children
        after = self.text[meta.end_pos:meta.end_pos + 1]
        if after and (after.isalnum() or after == "("):
            self.note(f"`{tok.value}` applies only to `{self.snippet(tok.end_pos, meta.end_pos)}`; "
                      f"write {tok.value}(...) around everything under the root")
        return self.power(arg, sympy.Rational(1, _ROOTS[tok.value]), tok.start_pos)

    @v_args(meta=True)
    def pow(self, meta, children: list) -> sympy.Expr:
        base, op, exponent = children
        after = self.text[meta.end_pos:meta.end_pos + 1]
        closed = self.text[meta.end_pos - 1:meta.end_pos] in ")}"
        noted = isinstance(meta, NotedMeta)  # E**x(1+x): textbook.py has noted this reading
        if after and (after.isalnum() or after in "(√") and not closed and not noted:
            self.note(f"`{self.snippet(meta.start_pos, meta.end_pos + 1)}` read as "
                      f"({self.snippet(meta.start_pos, meta.end_pos)})*{after}: the exponent is "
                      f"one factor; write ^( ) around a longer exponent")
        return self.power(base, exponent, op.start_pos)

    def pow_superscript(self, children: list) -> sympy.Expr:
        base, sup = children
        return self.power(base, self.superscript(sup), sup.start_pos)

    def superscript(self, tok: Token) -> sympy.Integer:
        """``²³`` -> 23, within the digit budget (Python's int() refuses 4,300 digits in its own words)."""
        text = tok.value.translate(_SUPERSCRIPT_DIGITS)
        if len(text.lstrip("+-0")) > budget.MAX_DIGITS:
            raise self.fail(tok.start_pos, f"a number with {len(text):,} digits; the limit is "
                                           f"{budget.MAX_DIGITS:,}", cls=BudgetError)
        return sympy.Integer(int(text))

    def neg(self, children: list) -> sympy.Expr:
        op, value = children
        if isinstance(value, FHead):
            raise self.fail(value.token.start_pos, f"{value.token.value} needs an argument")
        return value if op.value == "+" else -value

    def add(self, children: list) -> sympy.Expr:
        terms = [children[0]]
        for op, term in zip(children[1::2], children[2::2]):
            terms.append(term if op.value == "+" else -term)
        return construct.total(terms)

    def divide(self, top: sympy.Expr, bottom: sympy.Expr, pos: int) -> sympy.Expr:
        if bottom == 0:
            raise self.fail(pos, "division by zero")
        return self.product([top, self.power(bottom, sympy.Integer(-1), pos)], pos)

    @v_args(meta=True)
    def mul(self, meta, children: list) -> sympy.Expr:
        # One flat Mul of all factors (divisors as powers -1), as SymPy's printer assumes:
        # `2*(x + y)*sin(x)` must not distribute 2 over (x + y) half-way through.
        factors = [children[0]]
        for op, factor in zip(children[1::2], children[2::2]):
            if op.value not in "/÷":
                factors.append(factor)
                continue
            if self._operand_start(op) in self.juxt_starts:
                self.note(f"`{self.snippet(meta.start_pos, meta.end_pos)}`: a product written "
                          f"without '*' binds tighter than '/', so it is the whole divisor; "
                          f"write (a/b)*c for the other reading")
            if factor == 0:
                raise self.fail(op.start_pos, "division by zero")
            factors.append(self.power(factor, sympy.Integer(-1), op.start_pos))
        return self.product(factors, meta.start_pos)

    def _operand_start(self, op: Token) -> int:
        rest = self.text[op.end_pos:]
        return op.end_pos + len(rest) - len(rest.lstrip())

    @v_args(meta=True)
    def derivative_at(self, meta, children: list) -> sympy.Expr:
        """``3 + d/dx (x^2)``: a derivative operator inside an expression, evaluated (leibniz.py)."""
        return leibniz.evaluate(self, meta, *children)

    def fhead(self, children: list) -> FHead:
        tok, *rest = children
        base = exponent = None
        if rest and rest[0].type == "SUBSCRIPT":
            base, rest = rest[0], rest[1:]
        if len(rest) == 2:
            exponent = rest[1]
        elif len(rest) == 1:
            exponent = self.superscript(rest[0])
        return FHead(tok, base, exponent)
