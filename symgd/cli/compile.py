"""``symgd compile``: print the code symgd generates for an expression's value and gradient."""
from __future__ import annotations

import argparse

from symgd.codegen.backends import COMPILE_BACKENDS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compile", help="print the generated value-and-gradient code",
                       description="Compile EXPR and its gradient and print the generated source.")
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "sin(x**2+y**2)"')
    p.add_argument("--wrt", help="variables, comma-separated (default: all, sorted by name)")
    p.add_argument("--backend", default="numpy", choices=COMPILE_BACKENDS[1:],
                   help="the code to print (default: numpy)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd import compile as compile_expr
    compiled = compile_expr(args.expr, wrt=args.wrt, backend=args.backend)
    from symgd.cli._notes import format_notes, reading_notes
    print(format_notes(reading_notes(args.expr), "code") + compiled.source.rstrip("\n"))
    return 0
