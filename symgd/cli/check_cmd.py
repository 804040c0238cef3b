"""``symgd check``: is a derivative right? If not, which rule's term went wrong."""
from __future__ import annotations

import argparse

from symgd.cli._notes import reading_notes, with_notes
from symgd.cli._implicit import IMPLICIT_HELP, print_implicit_check, refuse_equation
from symgd.cli._options import add_format_argument, add_plain_argument, whole_number

EXIT_WRONG = 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check a derivative you worked out by hand",
                       description="Compare ANSWER with the derivative of EXPR (symbolically, else at random "
                                   "points); when it is wrong, say which rule's term differs. Exit status 0 "
                                   "when correct, 1 when not.")
    p.add_argument("expr", metavar="EXPR", help='the function, e.g. "x^2 sin(x)"')
    p.add_argument("--wrt", help="the variable, e.g. x (may be left out when EXPR starts with d/dx)")
    p.add_argument("--answer", required=True, help='your derivative, e.g. "2x sin(x)"')
    p.add_argument("--implicit", metavar="Y(X)", help=IMPLICIT_HELP + "; the answer is checked on the curve")
    p.add_argument("--order", type=whole_number(1), metavar="N", help="with --implicit: 2 checks d²y/dx²")
    add_format_argument(p, ("text", "markdown", "json"))
    add_plain_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.implicit:  # an equation, y = y(x): the answer is checked on the curve (issue 17)
        return print_implicit_check(args)
    refuse_equation(args.expr, "check")  # an equation without --implicit: name the option
    if args.order:
        from symgd.errors import VariableError
        raise VariableError("--order goes with --implicit (check one derivative at a time otherwise)")
    from symgd.cli._leibniz import request_wrt
    from symgd.errors import VariableError
    from symgd.explain.check import check
    from symgd.report.check import render_check
    wrt = request_wrt(args.expr, args.wrt)
    if wrt is None:
        raise VariableError("check needs the variable: add --wrt x, or start EXPR with d/dx",
                            hint='symgd check "x^2 sin(x)" --wrt x --answer "..."')
    result = check(args.expr, wrt, args.answer)
    notes = reading_notes(args.expr, args.answer, labels=("", "answer: "), context=True)
    text = render_check(result, args.format, plain=args.plain)
    print(with_notes(text, notes, args.format, args.plain).rstrip("\n"))
    return 0 if result.correct else EXIT_WRONG
