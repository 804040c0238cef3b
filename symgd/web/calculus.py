"""The page's calculus tab (a job, see ``workers``): higher and mixed partials, the Hessian with
Clairaut's check, directional derivatives, tangent planes, linearisations, Taylor polynomials, implicit
derivatives, critical points and Lagrange extrema. Each problem calls the library function that the
CLI command calls and renders its verified lines as MathML; ``cli_request`` names the CLI command and
fields that write the same problem up (the exports)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from symgd.web.commands import RequestError
from symgd.web.views import render, text_field, whole_field


@dataclass(frozen=True)
class Problem:
    """One kind of problem: its title, the fields it reads, the CLI command and flags of its write-up."""

    title: str
    fields: tuple[str, ...]
    command: str
    flags: tuple[str, ...] = ()


#: The problems the tab offers, in the order of a textbook chapter (OpenStax Calculus Vol. 3, ch. 4).
PROBLEMS: dict[str, Problem] = {
    "partial": Problem("Higher or mixed partial", ("diff",), "steps"),
    "hessian": Problem("Hessian (Clairaut's check)", (), "steps", ("hessian",)),
    "directional": Problem("Directional derivative", ("at", "direction"), "grad"),
    "tangent": Problem("Tangent line or plane", ("at",), "grad", ("tangent",)),
    "linearize": Problem("Linearisation", ("at",), "grad", ("linearize",)),
    "taylor": Problem("Taylor polynomial", ("at", "order"), "taylor"),
    "implicit": Problem("Implicit dy/dx", ("implicit", "order"), "steps"),
    "critical": Problem("Critical points", ("box",), "critical"),
    "extremum": Problem("Lagrange multipliers", ("subject_to", "subject_to2"), "extremum"),
}


def _problem(payload: Mapping[str, Any]) -> tuple[str, Problem]:
    kind = text_field(payload, "kind", "partial")
    if kind not in PROBLEMS:
        raise RequestError(f"unknown problem {kind[:40]!r}; choose one of {', '.join(PROBLEMS)}")
    return kind, PROBLEMS[kind]


def cli_request(payload: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The CLI command and the API fields that write up the tab's problem (for the exports)."""
    kind, problem = _problem(payload)
    fields: dict[str, Any] = {"expr": payload.get("expr", "")}
    fields.update({key: payload[key] for key in problem.fields if str(payload.get(key) or "").strip()})
    fields.update({flag: True for flag in problem.flags})
    return problem.command, fields


def solve(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Solve the tab's problem and render its verified work."""
    kind, problem = _problem(payload)
    expr = text_field(payload, "expr")
    result = _SOLVERS[kind](expr, payload)
    return render("calculus.html", kind=kind, title=problem.title, result=result, rows=_rows(result),
                  math=_as_math)


def _partial(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import partial
    return partial(expr, text_field(payload, "diff") or None)


def _hessian(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import hessian_steps
    return hessian_steps(expr)


def _at(payload: Mapping[str, Any]) -> str:
    at = text_field(payload, "at")
    if not at:
        raise RequestError("give the point, e.g. x=1,y=2")
    return at


def _directional(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import directional
    direction = text_field(payload, "direction")
    if not direction:
        raise RequestError("give the direction, e.g. 3,4")
    return directional(expr, _at(payload), direction)


def _tangent(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import tangent
    return tangent(expr, _at(payload))


def _linearize(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import linearize
    return linearize(expr, _at(payload))


def _taylor(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import taylor
    return taylor(expr, text_field(payload, "at") or None, whole_field(payload, "order", 2, 8))


def _implicit(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import implicit
    from symgd.explain.implicit import dependent_name
    dependent, independent = dependent_name(text_field(payload, "implicit", "y(x)"))
    return implicit(expr, dependent or "y", independent, whole_field(payload, "order", 1, 2))


def _critical(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import critical_points
    from symgd.parse.points import parse_box
    box = text_field(payload, "box")
    return critical_points(expr, parse_box(box) if box else None)


def _extremum(expr: str, payload: Mapping[str, Any]) -> Any:
    from symgd import extremum
    constraints = [c for c in (text_field(payload, "subject_to"), text_field(payload, "subject_to2")) if c]
    if not constraints:
        raise RequestError("give the constraint, e.g. x^2 + y^2 = 1")
    return extremum(expr, constraints)


_SOLVERS = {"partial": _partial, "hessian": _hessian, "directional": _directional, "tangent": _tangent,
            "linearize": _linearize, "taylor": _taylor, "implicit": _implicit, "critical": _critical,
            "extremum": _extremum}


def _rows(result: Any) -> list[tuple[str, Any, Any, str]]:
    """The worked lines as (words, left side or None, right side, how it was checked): the geometry and
    Taylor results keep ``lines`` (label, value), the equation-solving ones ``steps`` (title, lhs = rhs)."""
    rows = []
    for line in getattr(result, "lines", ()) or ():
        symbol = sympy.Symbol(line.symbol) if getattr(line, "symbol", "") else None
        rows.append((line.label, symbol, line.value, line.check))
    for step in getattr(result, "steps", ()) if not hasattr(result, "stages") else ():
        rows.append((step.title, step.lhs, step.rhs, step.check))
    return rows


def _as_math(value: Any) -> Any:
    """MathML of an expression, an equation, or a tuple of them (a point, a system)."""
    from symgd.web.views import math
    if isinstance(value, (tuple, list)):
        from markupsafe import Markup
        return Markup(", ").join(math(v) for v in value)
    return math(value)
