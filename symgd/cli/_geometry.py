"""``symgd grad`` at a point, the gradient's geometry (issue 17): ``--direction v`` (the directional
derivative, steepest ascent and its rate), ``--tangent`` (the tangent line or plane to the level set)
and ``--linearize`` (the linearisation, the tangent line or plane of the graph)."""
from __future__ import annotations

import argparse
import json

_OPTIONS = ("direction", "tangent", "linearize")


def add_geometry_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--direction", metavar="V",
                   help="with --at: the directional derivative along V (components in the order of the "
                        "variables' names, e.g. 3,4; normalised), steepest ascent and its rate")
    p.add_argument("--tangent", action="store_true",
                   help="with --at: the tangent line (2 variables) or plane (3) to the level set through the point")
    p.add_argument("--linearize", action="store_true",
                   help="with --at: the linearisation L at the point (tangent line/plane of the graph)")


def _asked(args: argparse.Namespace) -> list[str]:
    return [name for name in _OPTIONS if getattr(args, name) not in (None, False)]


def _check(args: argparse.Namespace, asked: list[str]) -> None:
    from symgd.errors import SymgdError, VariableError
    from symgd.parse import derivative_request
    options = ", ".join(f"--{a}" for a in asked)
    if not asked:
        if args.format in ("markdown", "latex"):
            raise VariableError(f"grad writes --format {args.format} for --direction, --tangent and "
                                "--linearize", hint="`symgd steps --format markdown` writes the derivation")
        return
    if args.at is None:
        raise VariableError(f"{options} needs the point: add --at, e.g. --at x=1,y=2")
    if args.wrt is not None or args.hessian:
        raise VariableError(f"{options} works with every variable at the point: drop --wrt and --hessian")
    try:
        request = derivative_request(args.expr)
    except SymgdError:
        return  # the expression's own error is reported when it is read
    if request is not None:
        raise VariableError(f"{options} differentiates the function itself: drop the derivative operator")


def geometry_text(args: argparse.Namespace) -> str | None:
    """The output for --direction/--tangent/--linearize, or None when none of them is given."""
    asked = _asked(args)
    _check(args, asked)
    if not asked:
        return None
    from symgd.cli._notes import reading_notes, with_notes
    from symgd.explain.geometry import directional, linearize, tangent
    from symgd.report.calculus import render_result
    results: list = []
    known = None  # the gradient's derivation, made once for all the options asked
    if args.direction is not None:
        results.append(("directional", directional(args.expr, args.at, args.direction)))
        known = results[-1][1].gradient
    if args.tangent:
        results.append(("tangent", tangent(args.expr, args.at, gradient=known)))
        known = results[-1][1].gradient
    if args.linearize:
        results.append(("linearization", linearize(args.expr, args.at, gradient=known)))
    if args.format == "json":
        parts = {kind: json.loads(render_result(kind, r, "json")) for kind, r in results}
        first = next(iter(parts.values()))
        data = {"expression": first["expression"], "variables": first["variables"], "point": first["point"],
                **parts}
        return with_notes(json.dumps(data, indent=2), reading_notes(args.expr), "json")
    plain = args.plain
    text = "\n\n".join(render_result(kind, r, args.format, plain=plain).rstrip("\n") for kind, r in results)
    return with_notes(text, reading_notes(args.expr), args.format, plain)
