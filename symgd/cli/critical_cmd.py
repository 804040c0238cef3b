"""``symgd critical``: the critical points of f, each classified by the second-derivative test (issue 17)."""
from __future__ import annotations

import argparse

from symgd.cli._implicit import with_reading
from symgd.cli._options import add_format_argument, add_plain_argument


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("critical", help="critical points and their classification (min, max, saddle)",
                       description="Solve ∇f = 0 (symbolically with sympy, numerically from many starts when "
                                   "sympy cannot, saying so) and classify each point by the Hessian: the "
                                   "determinant D for two variables, eigenvalues for more.")
    p.add_argument("expr", metavar="EXPR", help='the function, e.g. "x^3 - 3x + y^3 - 3y"')
    p.add_argument("--box", metavar="BOX", help="only points in this box, e.g. x=-2:2,y=-2:2 (also where "
                   "a numeric search looks; default -5:5 for each variable)")
    p.add_argument("--full", action="store_true", help="each partial derivative's rule-by-rule steps too")
    add_format_argument(p, ("text", "markdown", "latex", "json"))
    add_plain_argument(p)
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document that compiles alone (pdflatex)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd.errors import VariableError
    from symgd.explain.critical import critical_points
    from symgd.parse.echo import shown_notes
    from symgd.parse.points import parse_box
    from symgd.report.calculus_b import render_critical
    if args.standalone and args.format != "latex":
        raise VariableError("--standalone makes a LaTeX document: add --format latex")
    result = critical_points(args.expr, parse_box(args.box) if args.box else None)
    text = render_critical(result, args.format, full=args.full, plain=args.plain)
    # read with the box's names (``xy`` with a box in x and y is x·y): the notes come from that reading
    text = with_reading(text, shown_notes(list(result.reading)), args.format, args.plain)
    if args.standalone:
        from symgd.report.writeup import latex_document
        text = latex_document(text)
    print(text.rstrip("\n"))
    return 0
