"""A derivative operator written first (``d/dx (x^3)``, ``∂²/∂x∂y …``): its note and its checks.

The postlexer (starts.py) has made the operator one DIFF token whose value is the variables in
differentiation order; here the statement is split into that request and its operand.
"""
from __future__ import annotations

from lark import Tree

from symgd.parse.messages import error_at
from symgd.parse.names import clean_name

_TIMES = {2: "twice", 3: "three times"}


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
    if request is None:
        return
    for name in request:
        if name in ("e", "E", "pi"):
            raise error_at(source, stmt.meta.start_pos, f"cannot differentiate with respect to the "
                           f"constant {name}", hint="choose another name for the variable")
        if name in definitions:
            raise error_at(source, stmt.meta.start_pos, f"cannot differentiate with respect to {name}: "
                           "it is defined above and substituted into the expression",
                           hint="differentiate with respect to one of its variables")
