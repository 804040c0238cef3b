"""A derivative operator written first (``d/dx (x^3)``, ``∂²/∂x∂y …``): its note and its checks.

The postlexer (starts.py) has made the operator one DIFF token whose value is the variables in
differentiation order; here the statement is split into that request and its operand. Inside an
expression (``3 + d/dx (x^2)``) the operator is a DIFF_AT token and its bracket is differentiated here.
"""
from __future__ import annotations

import sympy
from lark import Token, Tree

from symgd.errors import BudgetError
from symgd.parse import budget
from symgd.parse.messages import error_at, shown
from symgd.parse.names import clean_name

_TIMES = {2: "twice", 3: "three times"}
#: Nodes a derivative evaluated inside an expression may grow to, checked order by order: each order can
#: multiply the size and SymPy differentiates a few thousand nodes a second, so d^20/dx^20 (tan(tan(tan x)))
#: stops within seconds.
MAX_INLINE_SIZE = 5_000


def operand(stmt, source: str, notes: dict[str, None]) -> tuple[tuple[str, ...] | None, object]:
    """(the request, the operand's tree) of a ``derivative`` statement, else (None, ``stmt``); notes it."""
    if not (isinstance(stmt, Tree) and stmt.data == "derivative"):
        return None, stmt
    tok, body = stmt.children
    request = tuple(clean_name(v) for v in tok.value.split(","))
    notes.setdefault(f"`{' '.join(source[tok.start_pos:tok.end_pos].split())}`: {describe(request)}; "
                     "what follows it is the expression", None)
    return request, body


def describe(request: tuple[str, ...]) -> str:
    """("x",) -> "differentiating with respect to x"; ("y", "x") -> "... to y, then x"."""
    if len(set(request)) == 1:
        times = "" if len(request) == 1 else " " + _TIMES.get(len(request), f"{len(request)} times")
        return f"differentiating{times} with respect to {request[0]}"
    return "differentiating with respect to " + ", then ".join(request)


def check_request(source: str, request: tuple[str, ...] | None, stmt, definitions: dict) -> None:
    """Refuse differentiating by a constant or by a name defined above (it is substituted away)."""
    if request is not None:
        _refuse(source, stmt.meta.start_pos, request, definitions)


def _refuse(source: str, pos: int, request: tuple[str, ...], definitions) -> None:
    for name in request:
        if name in ("e", "E", "pi"):
            raise error_at(source, pos, f"cannot differentiate with respect to the constant {name}",
                           hint="choose another name for the variable")
        if name in definitions:
            raise error_at(source, pos, f"cannot differentiate with respect to {name}: it is defined above "
                           "and substituted into the expression",
                           hint="differentiate with respect to one of its variables")


def evaluate(reader, meta, tok: Token, body: sympy.Expr) -> sympy.Expr:
    """``d/dx (x^2)`` inside an expression: the derivative of ``body``, noted; ``reader`` is the Transformer
    (its text, names defined above and notes). Each order is checked against the expression budget."""
    request = tuple(clean_name(v) for v in tok.value.split(","))
    _refuse(reader.text, tok.start_pos, request, reader.variables)
    value = body
    for name in request:
        value = sympy.diff(value, sympy.Symbol(name))
        if budget.walk_stats(value)[0] > MAX_INLINE_SIZE:
            raise error_at(reader.text, tok.start_pos,
                           f"this derivative grows past {MAX_INLINE_SIZE:,} nodes",
                           hint="put the operator first (d^n/dx^n f), so the derivative is taken by "
                                "symgd grad or steps", cls=BudgetError)
    typed = " ".join(reader.text[meta.start_pos:meta.end_pos].split())
    reader.note(f"`{typed}` = {shown(value, 60)}: a derivative operator inside an expression is evaluated "
                f"({describe(request)}); put it first to differentiate the whole expression")
    return value
