"""``symgd taylor``: the Taylor polynomial of an expression at a point, each coefficient's derivative shown
and the polynomial checked against sympy's series."""
from __future__ import annotations

import argparse

from symgd.cli._notes import reading_notes, with_notes
from symgd.cli._options import add_format_argument, add_plain_argument, whole_number


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("taylor", help="Taylor polynomial at a point, with the remainder's order",
                       description="The Taylor polynomial of EXPR (one or several variables) at --at to "
                                   "degree --order: every partial derivative needed, its value at the point, "
                                   "each term; the polynomial is checked against sympy's series.")
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "exp(x) cos(y)"')
    p.add_argument("--at", help="the point, e.g. x=0,y=0 (default: 0 for every variable)")
    p.add_argument("--order", type=whole_number(1), default=2, metavar="N",
                   help="the degree of the polynomial (default: 2)")
    add_format_argument(p, ("text", "markdown", "latex", "json"))
    add_plain_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd.errors import SymgdError, VariableError
    from symgd.explain.taylor import taylor
    from symgd.parse import derivative_request
    from symgd.report.calculus import render_result
    try:
        request = derivative_request(args.expr)
    except SymgdError:
        request = None  # taylor reads the expression again and reports its error
    if request is not None:
        raise VariableError("taylor expands the function itself: drop the derivative operator")
    result = taylor(args.expr, args.at, args.order)
    text = with_notes(render_result("taylor", result, args.format, plain=args.plain), reading_notes(args.expr),
                      args.format, args.plain)
    print(text.rstrip("\n"))
    return 0
