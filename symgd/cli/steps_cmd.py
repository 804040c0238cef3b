"""``symgd steps``: the verified step-by-step derivation of an expression."""
from __future__ import annotations

import argparse

from symgd.cli._higher import add_higher_options, higher_text
from symgd.cli._implicit import IMPLICIT_HELP, print_implicit_steps, refuse_equation
from symgd.cli._leibniz import request_wrt
from symgd.cli._notes import reading_notes, with_notes
from symgd.cli._options import add_format_argument, add_plain_argument


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("steps", help="step-by-step derivation, every step checked",
                       description="Differentiate EXPR step by step, naming each rule; every step is "
                                   "verified against sympy. Without --wrt: every partial derivative and "
                                   "the gradient vector.")
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "sin(x^2) * y"')
    p.add_argument("--wrt", help="the variable (default: every variable, then the gradient)")
    p.add_argument("--no-simplify", action="store_true", help="stop at the result the rules assemble")
    add_higher_options(p)  # --diff, --order, --hessian, --entries (issue 17)
    p.add_argument("--implicit", metavar="Y(X)", help=IMPLICIT_HELP)  # implicit differentiation (issue 17)
    add_format_argument(p, ("text", "markdown", "latex", "json"))
    add_plain_argument(p)
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document that compiles alone (pdflatex)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.standalone and args.format != "latex":
        from symgd.errors import VariableError
        raise VariableError("--standalone makes a LaTeX document: add --format latex")
    from symgd.explain.model import Derivation
    from symgd.explain.steps import steps
    from symgd.report.derivation import render_derivation, render_gradient
    if args.implicit:  # an equation, y = y(x): dy/dx (issue 17)
        return print_implicit_steps(args)
    refuse_equation(args.expr, "steps")  # an equation without --implicit: name the option
    text = higher_text(args)  # --diff, --order, --hessian or d²/dx² typed first; None: first order
    if text is None:
        args.wrt = request_wrt(args.expr, args.wrt)  # d/dx (...) typed first: x is the wrt
        result = steps(args.expr, args.wrt, simplify=not args.no_simplify)
        render = render_derivation if isinstance(result, Derivation) else render_gradient
        text = with_notes(render(result, args.format, plain=args.plain), reading_notes(args.expr), args.format,
                          args.plain)
    if args.standalone and args.format == "latex":
        from symgd.report.writeup import latex_document
        text = latex_document(text)
    print(text.rstrip("\n"))
    return 0
