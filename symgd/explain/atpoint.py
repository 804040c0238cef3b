"""Exact points and vectors (``x=1,y=pi/4``, ``3,4``), values of expressions at them, and ``Line``: one
verified line of work in the calculus results (directional derivative, tangent plane, Taylor polynomial).

Points stay exact (sympy numbers) so a tangent plane or Taylor coefficient prints as the textbook's
``sqrt(2)/2``, not ``0.7071``; ``symgd.parse.points`` reads the CLI's float points the same way.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy

from symgd.errors import DomainError, VariableError
from symgd.explain.budget import simplifiable, tree_size

#: Components a direction may have, and the length of a number typed as text.
MAX_COMPONENTS = 50
_DIGITS = 30


@dataclass(frozen=True)
class Line:
    """One line of work: ``label`` (words), ``value`` (an expression, equation or tuple), ``check`` (how
    it was verified; empty for a given, such as the point itself), and the ``symbol`` it defines, as
    text and as LaTeX (``tex``; the text symbol when empty)."""

    label: str
    value: sympy.Basic
    check: str = ""
    symbol: str = ""
    tex: str = ""


class Rendered:
    """Text and Markdown views of a calculus result (``KIND`` names its renderer in symgd.report)."""

    KIND = ""

    def __str__(self) -> str:
        from symgd.report.calculus import render_result
        return render_result(self.KIND, self, "text")

    def _repr_markdown_(self) -> str:
        from symgd.report.calculus import render_result
        return render_result(self.KIND, self, "markdown")


def exact_number(value: object, where: str) -> sympy.Expr:
    """A finite real number, exact where it was typed exactly: text is read by the symgd parser (never
    eval), ints and floats are taken as they are."""
    from symgd.parse import parse
    if isinstance(value, bool):
        raise VariableError(f"{where}: {value!r} is not a number")
    if isinstance(value, str):
        number = parse(value)
    elif isinstance(value, (int, float, sympy.Basic)):
        number = sympy.sympify(value)
    else:
        raise VariableError(f"{where}: {value!r} is not a number")
    if not isinstance(number, sympy.Expr) or number.free_symbols:
        raise VariableError(f"{where}: {value!r} is not a number")
    # a decimal is exactly what was typed (0.5 is 1/2): exact points keep every later check exact
    number = number.xreplace({f: sympy.Rational(str(f)) for f in number.atoms(sympy.Float)})
    approx = complex(sympy.N(number, _DIGITS))
    if not (math.isfinite(approx.real) and math.isfinite(approx.imag)):
        raise VariableError(f"{where}: {value!r} is not a finite number")
    if approx.imag:
        raise VariableError(f"{where}: {value!r} is not a real number")
    return number


def exact_point(at: str | Mapping[str, object], variables: Sequence[sympy.Symbol],
                option: str = "--at") -> tuple[sympy.Expr, ...]:
    """The point ``at`` ("x=1,y=pi/4" or a mapping) as exact numbers in the order of ``variables``; every
    variable needs a value and no other name may appear."""
    from symgd.parse.points import check_point_names
    if isinstance(at, str):
        pairs = {}
        for item in filter(None, (p.strip() for p in at.split(","))):
            name, sep, text = item.partition("=")
            if not sep or not name.strip() or not text.strip():
                raise VariableError(f"{option}: expected NAME=VALUE pairs separated by commas, got {item!r}",
                                    hint=f"for example {option} x=1,y=0.5")
            if name.strip() in pairs:
                raise VariableError(f"{option} gives {name.strip()} more than once")
            pairs[name.strip()] = text.strip()
        at = pairs
    if not isinstance(at, Mapping) or not at:
        raise VariableError(f"{option}: no point given", hint=f"for example {option} x=1,y=2")
    check_point_names(at, [v.name for v in variables], option)
    return tuple(exact_number(at[v.name], f"{option} {v.name}") for v in variables)


def exact_vector(direction: str | Sequence[object], size: int, option: str = "--direction") -> tuple[sympy.Expr, ...]:
    """A vector of ``size`` exact components ("3,4", "1,-1,2" or a sequence)."""
    items = [p.strip() for p in direction.split(",")] if isinstance(direction, str) else list(direction)
    if len(items) > MAX_COMPONENTS or len(items) != size:
        raise VariableError(f"{option} has {len(items)} component{'s' * (len(items) != 1)}; the expression "
                            f"has {size} variable{'s' * (size != 1)}",
                            hint="one component per variable, in the order of the variables' names")
    return tuple(exact_number(item, f"{option} component {i + 1}") for i, item in enumerate(items))


#: Nodes of the largest value ``tidy`` simplifies: sympy.simplify's trig pass took 15 s on a value of
#: a 9-term sum of sin·exp at (0.3, 0.7), which no rewrite shortens anyway.
MAX_TIDY_NODES = 40


def vector(values) -> sympy.Basic:
    """A tuple of values to print, or the one value itself (a point of one variable is 2, not (2,))."""
    values = tuple(values)
    return values[0] if len(values) == 1 else sympy.Tuple(*values)


def tidy(value: sympy.Expr) -> sympy.Expr:
    """A number or small expression in its simplest form (``simplify`` only where it is cheap)."""
    if tree_size(value, MAX_TIDY_NODES) > MAX_TIDY_NODES or not simplifiable(value):
        return value
    return sympy.simplify(value)


def value_at(expr: sympy.Expr, variables: Sequence[sympy.Symbol], point: Sequence[sympy.Expr],
             what: str) -> sympy.Expr:
    """``expr`` at ``point``, exact; a DomainError naming ``what`` where it is undefined or not real."""
    check_smooth(expr, variables, point, what)
    try:  # a derivative left unevaluated (of a function SymPy cannot differentiate) cannot take a number
        value = tidy(expr.xreplace(dict(zip(variables, point))))
        approx = complex(sympy.N(value, _DIGITS))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        value, approx = sympy.nan, complex("nan")
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.DiracDelta, sympy.Derivative) \
            or not math.isfinite(abs(approx)) or abs(approx.imag) > 1e-20:
        where = ", ".join(f"{v.name}={sympy.sstr(p)}" for v, p in zip(variables, point))
        raise DomainError(f"{what} is undefined (or not real) at ({where})",
                          hint="choose a point where the function and its derivatives exist")
    if tree_size(value, MAX_TIDY_NODES) > MAX_TIDY_NODES:  # e^(21/3100)·cos(979/100)·... helps no one
        return sympy.Float(approx.real, 15)
    return value


def check_smooth(expr: sympy.Expr, variables, point, what: str) -> None:
    """A DomainError where a sign or step function in ``expr`` switches at ``point``: SymPy says
    sign(0) = 0, which would make the derivative of |x| at 0 zero instead of undefined (a corner)."""
    at = dict(zip(variables, point))
    for node in expr.atoms(sympy.sign, sympy.Heaviside):
        if sympy.simplify(node.args[0].xreplace(at)).is_zero:  # a Float 0.0 is not == 0 in SymPy
            where = ", ".join(f"{v.name}={sympy.sstr(p)}" for v, p in zip(variables, point))
            raise DomainError(f"{what} is undefined at ({where}): {sympy.sstr(node)} switches there "
                              "(a corner or jump of the function)",
                              hint="choose a point off the corner", exprs=(node,))


def same_number(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Whether two numbers agree to 25 significant digits (a check between two computations), or to 12
    where either holds a float (a decimal in the expression carries 15 digits)."""
    x, y = complex(sympy.N(a, _DIGITS)), complex(sympy.N(b, _DIGITS))
    floats = sympy.sympify(a).has(sympy.Float) or sympy.sympify(b).has(sympy.Float)
    return abs(x - y) <= (1e-12 if floats else 1e-25) * max(1.0, abs(x), abs(y))
