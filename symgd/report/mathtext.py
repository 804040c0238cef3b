"""Expressions as one line of Unicode math, the way a textbook writes them: ``x² sin(x)``, ``ln(x)``,
``√x``, ``e^(−x²)``, ``2·3^x``, ``−`` for minus. The default text output of every command; ``--plain``
gives SymPy's own string (``x**2*sin(x)``) and JSON always keeps that machine-readable form.

SymPy has no one-line Unicode printer: ``sympy.pretty`` draws 2-D pictures (unreadable for long lines)
and ``sstr`` writes Python. So this subclasses ``StrPrinter``, one ``_print_<Class>`` per case, and writes
only what symgd's own grammar reads back: ``parse(math_text(e)) == e`` is the test oracle.

>>> import sympy
>>> x = sympy.Symbol("x")
>>> math_text(2 * x**2 * sympy.sin(x) - sympy.log(x) / sympy.sqrt(x + 1))
'2x² sin(x) − ln(x)/√(x + 1)'
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import sympy
from sympy.core.mul import _keep_coeff
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from symgd.parse.latex import GREEK_WORDS

MINUS = "\u2212"
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
#: Functions whose integer powers textbooks write on the name: sin²(x).
_POWER_ON_NAME = frozenset({"sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "sech", "csch", "coth"})
_NUMBER = re.compile(r"[0-9.]+(?:e[+-]?[0-9]+)?")
#: A factor ending in a caret power without brackets (2^x): a factor after it gets a · so that
#: ``2^x·y`` is not read by eye as 2^(x y).
_OPEN_POWER = re.compile(r"\^[^()\s]+$")


class MathTextPrinter(StrPrinter):
    """``StrPrinter`` writing textbook notation instead of Python syntax (see the module docstring)."""

    def _print_Integer(self, expr: sympy.Integer) -> str:
        return MINUS + str(-expr.p) if expr.p < 0 else str(expr.p)

    def _print_Rational(self, expr: sympy.Rational) -> str:
        sign = MINUS if expr.p < 0 else ""
        return f"{sign}{abs(expr.p)}/{expr.q}" if expr.q != 1 else f"{sign}{abs(expr.p)}"

    def _print_Float(self, expr: sympy.Float) -> str:
        text = super()._print_Float(expr)
        return MINUS + text[1:] if text.startswith("-") else text  # the exponent's '-' stays ASCII: 1e-8

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        head, bar, rest = expr.name.partition("_")  # theta_1 -> θ_1: symgd reads θ as theta
        if head in GREEK_WORDS and head.lower() not in ("pi", "omicron"):
            case = "CAPITAL" if head[0].isupper() else "SMALL"
            head = unicodedata.lookup(f"GREEK {case} LETTER {head.upper().replace('LAMBDA', 'LAMDA')}")
        return head + bar + rest

    def _print_Exp1(self, expr: sympy.Expr) -> str:
        return "e"

    def _print_Pi(self, expr: sympy.Expr) -> str:
        return "π"

    def _print_log(self, expr: sympy.Expr) -> str:
        return f"ln({self.stringify(expr.args, ', ')})"

    def _print_Abs(self, expr: sympy.Expr) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_exp(self, expr: sympy.Expr) -> str:
        return f"e^{self._exponent(expr.args[0])}"

    def _print_Sum(self, expr: sympy.Sum, name: str = "sum") -> str:
        """As typed: sum(x[i]², i, 0, n − 1); several limits nest, the first innermost."""
        text = self._print(expr.function)
        for var, low, high in expr.limits:
            text = f"{name}({text}, {self._print(var)}, {self._print(low)}, {self._print(high)})"
        return text

    def _print_Product(self, expr: sympy.Product) -> str:
        return self._print_Sum(expr, "prod")

    def _print_Relational(self, expr: sympy.core.relational.Relational) -> str:
        op = {">=": "≥", "<=": "≤", "!=": "≠", ">": ">", "<": "<"}.get(expr.rel_op)
        if op is None:  # Eq(x, y): the language has no == outside calls
            return super()._print_Relational(expr)
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_And(self, expr: sympy.And) -> str:
        """A range as textbooks write it, 0 ≤ j ≤ n − 1; other conditions joined by "and" (the language has
        no "and": such a line is for reading, not for typing back)."""
        low = [a for a in expr.args if isinstance(a, sympy.GreaterThan) and a.lhs.is_Symbol]
        high = [a for a in expr.args if isinstance(a, sympy.LessThan) and a.lhs.is_Symbol]
        if len(expr.args) == 2 and len(low) == len(high) == 1 and low[0].lhs == high[0].lhs:
            return f"{self._print(low[0].rhs)} ≤ {self._print(low[0].lhs)} ≤ {self._print(high[0].rhs)}"
        return " and ".join(self._print(a) for a in expr.args)

    def _print_Piecewise(self, expr: sympy.Piecewise) -> str:
        """Two pieces, the second otherwise: where(x > 0, 1/x, 0), as typed; more pieces as SymPy writes them."""
        if len(expr.args) == 2 and expr.args[1].cond is sympy.true:
            (value, cond), (other, _) = expr.args
            return f"where({self._print(cond)}, {self._print(value)}, {self._print(other)})"
        return self._print_Basic(expr)

    def _print_Add(self, expr: sympy.Add, order: str | None = None) -> str:
        out = []
        for term in self._as_ordered_terms(expr, order=order):
            text = self._print(term)
            negative = text.startswith(MINUS) and not term.is_Add
            if negative:
                text = text[1:]
            if precedence(term) < PRECEDENCE["Add"] or term.is_Add:
                text = f"({text})"
            out.append((f" {MINUS} " if negative else " + ") if out else (MINUS if negative else ""))
            out.append(text)
        return "".join(out)

    def _print_Mul(self, expr: sympy.Mul) -> str:
        if not _evaluated(expr):  # an unevaluated product (a step's "u · v"): every factor as it stands
            return "·".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=True) for a in expr.args)
        c, rest = expr.as_coeff_Mul()
        sign = ""
        if c < 0:
            expr, sign = _keep_coeff(-c, rest), MINUS
        num, den = _fraction(expr, self.order)
        top = self._juxtapose(num) if num else "1"
        if not den:
            return sign + top
        bottom = self._juxtapose(den)
        return f"{sign}{top}/({bottom})" if len(den) > 1 else f"{sign}{top}/{bottom}"

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        base, exp = expr.base, expr.exp
        if exp.is_Rational and exp < 0 and expr.is_commutative:  # x⁻² reads as 1/x²
            return f"1/{self._factor(base if exp == -1 else sympy.Pow(base, -exp, evaluate=False))}"
        if exp == sympy.S.Half or exp == sympy.Rational(1, 3):
            root = "√" if exp == sympy.S.Half else "∛"
            inner = self._print(base)
            return root + (inner if _is_atom(base) else f"({inner})")
        if exp.is_Integer and exp > 1:
            superscript = str(exp.p).translate(_SUPERSCRIPTS)
            if isinstance(base, sympy.Function) and base.func.__name__ in _POWER_ON_NAME and len(base.args) == 1:
                return f"{base.func.__name__}{superscript}({self._print(base.args[0])})"
            return self._base(base) + superscript
        return f"{self._base(base)}^{self._exponent(exp)}"

    def _base(self, base: sympy.Expr) -> str:
        """A power's base: bracketed unless it is a name, a whole number or a call."""
        text = self._print(base)
        return text if _is_atom(base) and not isinstance(base, sympy.exp) else f"({text})"

    def _exponent(self, exp: sympy.Expr) -> str:
        text = self._print(exp)
        plain = (exp.is_Symbol or (exp.is_Integer and exp >= 0) or (exp.is_Float and exp >= 0)
                 or isinstance(exp, sympy.Indexed))
        return text if plain else f"({text})"

    def _factor(self, factor: sympy.Expr) -> str:
        """One factor of a product: sums and signed terms in brackets."""
        text = self._print(factor)
        if precedence(factor) < PRECEDENCE["Mul"] or text.startswith(MINUS):
            return f"({text})"
        return text

    def _juxtapose(self, factors: list[sympy.Expr]) -> str:
        """Factors side by side, as textbooks write them: ``2x``, ``2(x + 1)``, ``x² sin(x)``; a ``·``
        only where that would be misread: before a number (``2·3^x``) and after ``2^x``."""
        texts = [self._factor(f) for f in factors]
        out = texts[0]
        for before, prev, factor, text in zip(factors, texts, factors[1:], texts[1:]):
            if text[0].isdigit() or text[0] == "." or _OPEN_POWER.search(prev):
                out += "·"
            elif not (_NUMBER.fullmatch(prev) and "e" not in prev and (text[0] in "(√∛" or _glues(factor))
                      or text[0] == "(" and _takes_bracket(before, prev, factor)):
                out += " "
            out += text
        return out


def _glues(factor: sympy.Expr) -> bool:
    """A coefficient is written against a name or its power (2x, 3x²), not against a call (2 sin(x))."""
    base = factor.base if factor.is_Pow else factor
    return bool(base.is_Symbol) and base.name[0] not in "eE"


def _takes_bracket(factor: sympy.Expr, text: str, bracket: sympy.Expr) -> bool:
    """A bracket is written against a bracket or a superscript ((x + 1)(x − 1), x²(x + 1)), and against a
    one-letter name when it has no power (x(x + 1); the grammar reads x(x + 1)² as (x(x + 1))²); never
    against a call: sin(x) (x + 1) is not sin applied twice."""
    if factor.is_Symbol:
        return len(text) == 1 and bracket.is_Add
    return text[-1] == ")" and factor.is_Add or text[-1] in "⁰¹²³⁴⁵⁶⁷⁸⁹" and factor.is_Pow


def _is_atom(expr: sympy.Expr) -> bool:
    """A name, a whole number or a call (sin(x), sum(…), x[i]): what a power or a root needs no bracket around."""
    calls = (sympy.Function, sympy.Sum, sympy.Product, sympy.Indexed, sympy.Max, sympy.Min)
    return bool(expr.is_Symbol or (expr.is_Integer and expr >= 0) or isinstance(expr, calls)
                or expr in (sympy.pi, sympy.E))


def _evaluated(expr: sympy.Mul) -> bool:
    """False for a Mul built with evaluate=False that SymPy would have combined (1·x, 2·3)."""
    args = expr.args
    return not (args[0] is sympy.S.One or any(isinstance(a, sympy.Number) for a in args[1:]))


def _fraction(expr: sympy.Mul, order: str | None) -> tuple[list[sympy.Expr], list[sympy.Expr]]:
    """The factors of the numerator and of the denominator, as ``StrPrinter._print_Mul`` splits them."""
    factors = expr.as_ordered_factors() if order not in ("old", "none") else sympy.Mul.make_args(expr)
    num: list[sympy.Expr] = []
    den: list[sympy.Expr] = []
    for item in factors:
        if item.is_commutative and item.is_Pow and item.exp.as_coeff_Mul()[0] < 0:
            den.append(item.base if item.exp == -1 else sympy.Pow(item.base, -item.exp, evaluate=False))
        elif item.is_Rational:
            if item.p != 1:
                num.append(sympy.Integer(item.p))
            if item.q != 1:
                den.append(sympy.Integer(item.q))
        else:
            num.append(item)
    return num, den


#: A SymPy string inside a sentence: terms of name/number/operator characters joined by " + " or " - "
#: (sstr's spacing), e.g. "2*x*sin(x) + x**2*cos(x)" in "correct: 2*x*sin(x) + x**2*cos(x) equals ...".
_TERM = r"[\w.*/()\-]+"
_SPAN = re.compile(rf"{_TERM}(?: [+-] {_TERM})*")
#: What marks a span as Python syntax rather than prose or already-written math.
_PYTHON = re.compile(r"\*|\b(?:log|sqrt|exp|Abs)\(")


def split_expressions(text: str) -> list[tuple[str, sympy.Expr | None]]:
    """``text`` (a message the explain or parse stage wrote with SymPy strings: ``the term x**2*log(x) is
    missing``) cut into pieces: (prose, None) and (a SymPy string, the expression symgd's grammar reads it
    as). Hand-written because those stages come before this one and cannot print math themselves; a span
    the language does not read back (prose, unbalanced brackets) stays prose."""
    from symgd.errors import SymgdError
    from symgd.parse import parse  # the grammar, never eval: messages repeat what the user typed
    pieces: list[tuple[str, sympy.Expr | None]] = []
    start = 0
    for match in _SPAN.finditer(text):
        core = match.group(0).rstrip(".")
        if not _PYTHON.search(core) or core.count("(") != core.count(")"):
            continue
        try:
            expr = parse(core)
        except SymgdError:
            continue
        pieces += [(text[start:match.start()], None), (core, expr)]
        start = match.start() + len(core)
    return [*pieces, (text[start:], None)]


def rewrite_expressions(text: str, show: Callable[[sympy.Expr], str],
                        prose: Callable[[str], str] = str) -> str:
    """``text`` with each SymPy string in it written by ``show`` (``math_text``, or $LaTeX$), the rest by
    ``prose`` (e.g. LaTeX's escaping); see ``split_expressions``."""
    return "".join(prose(piece) if expr is None else show(expr) for piece, expr in split_expressions(text))


def tex(expr: sympy.Basic, order: str | None = None) -> str:
    """``expr`` as LaTeX with ``\\ln`` for the natural log, as textbooks write it (SymPy writes ``\\log``)."""
    return sympy.latex(expr, order=order, ln_notation=True)


def math_text(expr: sympy.Basic, order: str | None = None) -> str:
    """``expr`` as one line of Unicode math that ``symgd.parse`` reads back to the same expression."""
    return MathTextPrinter({"order": order}).doprint(expr)


def plain_text(expr: sympy.Basic, order: str | None = None) -> str:
    """``expr`` as SymPy writes it (``x**2*sin(x)``): ``--plain`` and every JSON field."""
    return sympy.sstr(expr, order=order)


def expression_printer(plain: bool = False) -> Callable[..., str]:
    """The printer of the text output: ``plain_text`` under ``--plain``, else ``math_text``."""
    return plain_text if plain else math_text
