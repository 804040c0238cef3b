"""``symgd parse``: print how an expression was read (the interpretation echo)."""
from __future__ import annotations

import argparse

from symgd.cli._options import add_format_argument


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("parse", help="show how an expression is read: pretty, LaTeX, variables, "
                                     "definitions and every implicit reading",
                       description="Parse EXPR and print how it was understood. Nothing is "
                                   "evaluated; see docs/language.md for the language.")
    p.add_argument("expr", metavar="EXPR",
                   help='the expression, e.g. "2x sin^2 x" or "u = x^2+y^2; sin(u)"')
    add_format_argument(p, ("text", "latex", "json"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd.parse import format_echo, parse_program
    print(format_echo(parse_program(args.expr), args.format))
    return 0
