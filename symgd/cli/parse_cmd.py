"""``symgd parse``: print how an expression was read (the interpretation echo)."""
from __future__ import annotations

import argparse

from symgd.cli._options import add_format_argument, add_plain_argument


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("parse", help="show how an expression is read: pretty, LaTeX, variables, "
                                     "definitions and every implicit reading",
                       description="Parse EXPR and print how it was understood. Nothing is "
                                   "evaluated; see docs/language.md for the language.")
    p.add_argument("expr", metavar="EXPR",
                   help='the expression, e.g. "2x sin^2 x" or "u = x^2+y^2; sin(u)"')
    add_format_argument(p, ("text", "latex", "json"))
    add_plain_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd.parse import format_echo, parse_program
    from symgd.report.mathtext import math_text
    from symgd.report.writeup import note_text
    math = {} if args.plain else {"show": math_text, "note": note_text}  # x² sin(x); --plain: x**2*sin(x)
    print(format_echo(parse_program(args.expr), args.format, **math))
    return 0
