"""``--implicit y(x)`` of ``symgd steps`` and ``symgd check`` (issue 17): EXPR is an equation and y a
function of x; steps shows dy/dx (``--order 2``: d²y/dx² too), check compares an answer on the curve."""
from __future__ import annotations

import argparse

from symgd.errors import VariableError

IMPLICIT_HELP = ("EXPR is an equation (x^2 + x y + y^2 = 7) and this variable a function of the other: "
                 "y(x), or y")


def with_reading(text: str, reading: list[str], fmt: str, plain: bool = False) -> str:
    """``text`` (a calculus command's output) with the reading notes first; in JSON they join the
    result's own notes (``_notes.with_notes`` would replace them)."""
    import json

    from symgd.cli._notes import with_notes
    if fmt != "json":
        return with_notes(text, reading, fmt, plain)
    data = json.loads(text)
    notes = [*reading, *data.pop("notes", [])]
    return json.dumps({"notes": notes, **data}, indent=2, ensure_ascii=False)  # first, as every command


def refuse_equation(text: str, command: str) -> None:
    """Stop an equation typed without --implicit with a message that names the option (the parser would
    read ``x^2 + y^2 = 25`` as a definition with a bad name). A definition (``u = ...; f(u)``) passes."""
    import re

    from symgd.parse.equation import equal_signs
    from symgd.parse.messages import error_at
    signs = equal_signs(text)
    if ";" in text or "\n" in text.strip() or len(signs) != 1:
        return
    if re.fullmatch(r"\s*[^\W\d]\w*\s*(\(\s*[^\W\d]\w*(\s*,\s*[^\W\d]\w*)*\s*\))?\s*", text[:signs[0]]):
        return
    what = "differentiate it implicitly" if command == "steps" else "check dy/dx on the curve"
    raise error_at(text, signs[0], "this is an equation (lhs = rhs), not an expression",
                   hint=f"add --implicit y(x) to {what}")


def implicit_names(args: argparse.Namespace) -> tuple[str, str | None]:
    """(dependent, independent or None) from --implicit, refusing options that do not go with it."""
    from symgd.explain.implicit import dependent_name
    for option in ("diff", "hessian", "entries", "wrt"):
        if getattr(args, option, None):
            raise VariableError(f"--implicit differentiates by the variable in {args.implicit}: drop --{option}")
    dependent, independent = dependent_name(args.implicit)
    if not dependent.isidentifier() or (independent is not None and not independent.isidentifier()):
        raise VariableError(f"--implicit expects a name such as y(x) or y, not {args.implicit!r}")
    return dependent, independent


def _order(args: argparse.Namespace) -> int:
    order = getattr(args, "order", None) or 1
    if order > 2:
        raise VariableError(f"--implicit gives the first or second derivative, not order {order}")
    return order


def print_implicit_steps(args: argparse.Namespace) -> int:
    """``symgd steps EQUATION --implicit y(x) [--order 2]``: print the worked derivation."""
    from symgd.explain.implicit import implicit
    from symgd.report.calculus_b import render_implicit
    dependent, independent = implicit_names(args)
    result = implicit(args.expr, dependent, independent, _order(args))
    plain = getattr(args, "plain", False)
    text = with_reading(render_implicit(result, args.format, full=True, plain=plain),  # steps shows every rule
                        list(result.equation.notes), args.format, plain)
    if getattr(args, "standalone", False):
        from symgd.report.writeup import latex_document
        text = latex_document(text)
    print(text.rstrip("\n"))
    return 0


def print_implicit_check(args: argparse.Namespace) -> int:
    """``symgd check EQUATION --implicit y(x) --answer A``: exit 0 when right on the curve, 1 when not."""
    from symgd.explain.implicit_check import check_implicit
    from symgd.report.calculus_b import render_implicit_check
    dependent, independent = implicit_names(args)
    result = check_implicit(args.expr, args.answer, dependent, independent, _order(args))
    plain = getattr(args, "plain", False)
    print(with_reading(render_implicit_check(result, args.format, plain=plain), list(result.result.equation.notes),
                       args.format, plain).rstrip("\n"))
    return 0 if result.correct else 1
