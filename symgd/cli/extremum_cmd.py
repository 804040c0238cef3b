"""``symgd extremum``: extreme values of f subject to one or two equations, by Lagrange multipliers (issue 17)."""
from __future__ import annotations

import argparse

from symgd.cli._implicit import with_reading
from symgd.cli._options import add_format_argument, add_plain_argument


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extremum", help="extreme values under constraints (Lagrange multipliers)",
                       description="Solve ∇f = λ∇g (+ μ∇h) with the constraints, list the real solutions and "
                                   "the values of f there, and name the largest and smallest.")
    p.add_argument("expr", metavar="EXPR", help='the function, e.g. "x y"')
    p.add_argument("--subject-to", dest="constraints", action="append", required=True, metavar="EQUATION",
                   help='a constraint, e.g. "x^2 + y^2 = 8" (give it once or twice)')
    p.add_argument("--full", action="store_true", help="each partial derivative's rule-by-rule steps too")
    add_format_argument(p, ("text", "markdown", "latex", "json"))
    add_plain_argument(p)
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document that compiles alone (pdflatex)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd.errors import VariableError
    from symgd.explain.lagrange import extremum
    from symgd.parse.echo import shown_notes
    from symgd.report.calculus_b import render_extremum
    if args.standalone and args.format != "latex":
        raise VariableError("--standalone makes a LaTeX document: add --format latex")
    result = extremum(args.expr, args.constraints)
    # f and the constraints are read together (``xy`` with x + y = 1 is x·y): the notes come from that reading
    reading = shown_notes([*result.reading, *(note for c in result.constraints for note in c.notes)])
    text = render_extremum(result, args.format, full=args.full, plain=args.plain)
    text = with_reading(text, reading, args.format, args.plain)
    if args.standalone:
        from symgd.report.writeup import latex_document
        text = latex_document(text)
    print(text.rstrip("\n"))
    return 0
