"""The cost budget: everything a user can type is bounded before it is built or evaluated.

Input length, tokens, bracket nesting and sign runs are checked on the token stream (before the
parser goes deep); parse-tree depth before the Transformer recurses; the size of exact numbers
before SymPy computes them; and the finished expression's size and depth before later stages
(printers, differentiation) walk it recursively. Decimal literals stay within float64's range.

The memory budget (``MEMORY_LIMIT``, 1 GiB) bounds what later stages allocate from sizes a user
gives: vector lengths, multi-start points, descent histories and generated data columns.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Mapping

import sympy

from symgd.errors import BudgetError, VariableError
from symgd.parse.walk import fold

MAX_LENGTH = 100_000       # characters of input
MAX_TOKENS = 25_000        # tokens of input
MAX_NESTING = 50           # brackets and |bars| open at once
MAX_SIGNS = 50             # unary signs in a row (`- - - x`)
MAX_TREE_DEPTH = 200       # parse-tree levels (keeps the Transformer far from the recursion limit)
MAX_EXPR_DEPTH = 100       # levels of the final SymPy expression (its printers recurse)
MAX_EXPR_SIZE = 200_000    # nodes of the final expression counted as a tree (sharing unfolded)
MAX_DIGITS = 4_000         # decimal digits of an exact number (Python refuses str() past 4,300)
MAX_FLOAT_EXPONENT = 10**6  # decimal exponent of a floating-point power (mpmath crawls far beyond it)


def number_digits(value: sympy.Rational) -> int:
    """Decimal digits of the larger of numerator and denominator of an exact number."""
    bits = max(int(value.p).bit_length(), int(value.q).bit_length())
    return int(bits * math.log10(2)) + 1


MAX_ROOT_DIGITS = 100      # digits of an exact number whose non-integer power SymPy may take


def _exact_factors(base: sympy.Expr) -> list[tuple[sympy.Rational, sympy.Rational]]:
    """Exact numbers ``b`` with their exponents ``q`` that a power of ``base`` would compute as b**(q*n).

    SymPy distributes an integer power over a product and multiplies nested exponents, so
    ``(2*x)**n`` computes ``2**n``; numbers inside sums or functions are left alone.
    """
    found, stack = [], [(base, sympy.Integer(1))]
    while stack:
        node, q = stack.pop()
        if node.is_Rational and node not in (0, 1, -1):
            found.append((node, q))
        elif node.is_Mul:
            stack.extend((a, q) for a in node.args)
        elif node.is_Pow and node.exp.is_Rational:
            stack.append((node.base, q * node.exp))
    return found


def power_digits(base: sympy.Expr, exponent: sympy.Expr) -> float:
    """Estimated digits of the exact numbers SymPy would compute for ``base**exponent``.

    0 when nothing exact is computed (symbolic or irrational exponents, Floats, ``pi**n``);
    infinity for a non-integer power of a number too long to test for perfect powers cheaply.
    """
    if not exponent.is_Rational or exponent in (0, 1, -1):
        return 0
    worst = 0.0
    for number, q in _exact_factors(base):
        power = q * exponent
        if not power.is_Integer and number_digits(number) > MAX_ROOT_DIGITS:
            return math.inf
        try:
            scale = abs(int(power.p)) / int(power.q)
        except OverflowError:
            return math.inf
        worst = max(worst, max(scale, 1.0) * number_digits(number))
    return worst


def float_power_exponent(base: sympy.Expr, exponent: sympy.Expr) -> float:
    """The decimal exponent of ``base**exponent`` where SymPy evaluates it as a floating-point number.

    0 unless both are plain numbers and one is a Float. ``9**9**9**9.5`` nests such powers until mpmath
    spends minutes on one; estimating |exponent·log10|base|| in floats first keeps that out.
    """
    def plain(number: sympy.Expr) -> bool:  # 2, 2.5, pi, E: what SymPy evaluates eagerly
        return number.is_Number or number.is_NumberSymbol
    if not (plain(base) and plain(exponent)) or not (base.is_Float or exponent.is_Float) or base.is_zero:
        return 0
    try:
        magnitude = abs(float(exponent)) * abs(math.log10(abs(float(base))))
    except (OverflowError, ValueError):
        return math.inf
    return magnitude if math.isfinite(magnitude) else math.inf


def beyond_float_range(arg: sympy.Expr) -> bool:
    """A number outside float64's range: a Float, or an exact number such as sinh(10^6) or 10^400.
    Functions of it can take mpmath minutes (argument reduction to ~10^6 digits; SymPy's printer orders
    the terms of exp(-sinh(1099999)) + 1 by evaluating them), and no numeric backend could use it anyway.
    Infinities are left to SymPy, which treats them symbolically."""
    if isinstance(arg, sympy.Float):
        try:
            return not math.isfinite(float(arg))
        except OverflowError:
            return True
    if not isinstance(arg, sympy.Expr) or not arg.is_number or arg.has(*_INFINITE):
        return False
    try:  # 5 digits: fast even for sinh(10^6) (an exponent, not a mantissa, is what grows)
        return not math.isfinite(abs(complex(arg.evalf(5))))
    except (OverflowError, TypeError, ValueError):
        return True


_INFINITE = (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan)


def root_digits(factors: list[sympy.Expr]) -> int:
    """Digits of the exact numbers under non-integer powers in a product of ``factors``.

    SymPy merges ``sqrt(a)*sqrt(b)`` into ``sqrt(a*b)`` and tests the product for perfect powers,
    which takes seconds once the numbers reach a few hundred digits.
    """
    return sum(number_digits(number) for f in factors for number, q in _exact_factors(f)
               if not q.is_Integer)


def walk_stats(expr: sympy.Basic) -> tuple[int, int, int]:
    """(tree size, depth, digits of the largest exact number) of ``expr``, iteratively.

    Memoised on subexpressions, so a DAG with heavy sharing is measured in time linear in its
    distinct nodes even when its unfolded tree is exponentially large.
    """
    digits = 0

    def combine(node: sympy.Basic, values: tuple) -> tuple[int, int]:
        nonlocal digits
        size, depth = 1, 0
        for s, d in values:  # a plain loop: half the time of list-building here (0.06 s at 18,000 nodes)
            size += s
            depth = d if d > depth else depth
        if not values and node.is_Rational:
            digits = max(digits, number_digits(node))
        return size, depth + 1
    size, depth = fold(expr, combine)
    return size, depth, digits


# ---------------------------------------------------------------------------------------------- numbers

FLOAT_MAX = 1.7976931348623157e308  # the largest float64


def float_literal(text: str) -> tuple[str, float]:
    """A decimal literal (``1.5e-3``) normalised for SymPy, and its float64 value.

    Raises ValueError (the caller adds the caret) for a literal with more than MAX_DIGITS digits or
    outside float64's range: ``1e999999999`` would be SymPy's exact huge Float and ``inf`` in every
    generated function; ``1e-999999999`` would silently be 0.
    """
    mantissa, _, exponent = text.lower().partition("e")
    digits = sum(c.isdigit() for c in mantissa)
    if digits > MAX_DIGITS:
        raise ValueError(f"a number with {digits:,} digits; the limit is {MAX_DIGITS:,}")
    value = float(text)  # Python's own reading: no digit limit, inf or 0 when out of range
    if math.isinf(value):
        raise ValueError(f"the number {_short(text)} is beyond the float64 range (about 1.8e308)")
    if value == 0 and mantissa.strip("0.") != "":
        raise ValueError(f"the number {_short(text)} is below the float64 range (it would be 0; the "
                         "smallest is about 4.9e-324)")
    sign, power = ("-", exponent[1:]) if exponent.startswith("-") else ("", exponent.lstrip("+"))
    power = power.lstrip("0") or "0"
    return (f"{mantissa}e{sign}{power}" if exponent else mantissa), value


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


# ---------------------------------------------------------------------------------------------- memory

#: The memory budget, in bytes, for what symgd allocates from the sizes it is given: vectors of an
#: indexed sum (``--size n=...``, literal bounds, ``x[k]``), multi-start points, the recorded history
#: of a descent and generated data columns. Each is checked before anything is allocated and refused
#: with the figure and this limit. 1 GiB by default (2^27 float64 numbers); a program that means to
#: use more sets ``symgd.parse.budget.MEMORY_LIMIT`` (read at each check).
MEMORY_LIMIT = 2**30
FLOAT_BYTES = 8
#: Bytes of one recorded history row as Python objects (its record, dict and floats), plus per
#: variable: an estimate measured on CPython 3.11 (about 370 bytes for one variable).
RECORD_BYTES = 400
RECORD_BYTES_PER_VARIABLE = 100
#: Arrays of a descent's size held at once per coordinate: the iterate, its gradient, the update's
#: temporaries and the optimizer's slots (an upper estimate, so the budget errs on the safe side).
STATE_COPIES = 8

_UNITS = (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def format_bytes(nbytes: float) -> str:
    """``2**30`` -> "1 GiB", ``8e12`` -> "7.28 TiB", ``8e100`` -> "8e+100 bytes"."""
    try:
        nbytes = float(nbytes)
    except OverflowError:
        return "more than 1e308 bytes"
    for unit, scale in _UNITS:
        if nbytes >= scale:
            value = nbytes / scale
            return f"{value:.3g} {unit}" if value < 10_000 else f"{nbytes:.3g} bytes"
    return f"{nbytes:.0f} bytes"


def format_count(n: int) -> str:
    """``1000000`` -> "1,000,000"; beyond 10^15, "about 10^100" (messages stay one short line)."""
    n = int(n)
    return f"{n:,}" if abs(n) < 10**15 else f"about 10^{len(str(abs(n))) - 1}"


def check_memory(nbytes: float, what: str, purpose: str = "", hint: str | None = None) -> None:
    """Refuse ``what`` ("--size n=10^12") when it needs more than MEMORY_LIMIT bytes ``purpose``
    ("for one vector"), naming the figure and the limit; called before anything is allocated."""
    if nbytes > MEMORY_LIMIT:
        raise BudgetError(f"{what} needs {format_bytes(nbytes)}{' ' + purpose if purpose else ''}; "
                          f"the limit is {format_bytes(MEMORY_LIMIT)}",
                          hint=hint or "choose a smaller size (a library caller may raise "
                                       "symgd.parse.budget.MEMORY_LIMIT)")


def history_bytes(records: int, starts: int, variables: int) -> int:
    """Estimated bytes of a descent history of ``records`` rows for ``starts`` starts of ``variables``
    coordinates: each start's iterates as arrays, the best start's rows as Python records."""
    per_record = RECORD_BYTES + RECORD_BYTES_PER_VARIABLE * variables + 2 * FLOAT_BYTES * starts * (variables + 2)
    return records * per_record


def check_sizes(sizes: Mapping[str, object] | None, where: str = "sizes") -> dict[str, int]:
    """``sizes`` (the size symbols of indexed sums, ``{"n": 1000}``) as whole numbers, each refused
    when negative, not whole, or when one vector or index range of that length is over the budget."""
    checked: dict[str, int] = {}
    for name, value in (sizes or {}).items():
        try:
            number = operator.index(value) if not isinstance(value, float) else value
            whole = not isinstance(value, bool) and number == int(number) and number >= 0
        except (TypeError, ValueError, OverflowError):
            whole = False
        if not whole:
            raise VariableError(f"{where} {name}: a size is a whole number of at least 0, got {value!r}")
        check_memory(int(number) * FLOAT_BYTES, f"{where} {name}={format_count(number)}", "for one vector")
        checked[str(name)] = int(number)
    return checked

