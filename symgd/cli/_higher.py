"""``symgd steps`` for higher derivatives (issue 17): ``--diff x,y`` (differentiate by x, then y),
``--wrt x --order 2``, a second-order operator typed first (``d^2/dx^2 (...)``, ``∂²/∂x∂y ...``), and
``--hessian`` (with ``--entries``, every entry's derivation)."""
from __future__ import annotations

import argparse

from symgd.cli._options import whole_number


def add_higher_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--diff", metavar="VARS",
                   help="differentiate by these variables in turn, e.g. x,y (∂²f/∂y∂x, sympy's diff(f, x, y)); "
                        "each stage is a full derivation")
    p.add_argument("--order", type=whole_number(1), metavar="N",
                   help="the N-th derivative by the one --wrt variable (--wrt x --order 2 is --diff x,x)")
    p.add_argument("--hessian", action="store_true",
                   help="the Hessian matrix with Clairaut's symmetry f_xy = f_yx shown")
    p.add_argument("--entries", action="store_true", help="with --hessian: every entry's derivation")


def _operator(expr: str) -> tuple[str, ...] | None:
    """The variables of a derivative operator typed first, or None (input that does not parse is left
    for the command to report)."""
    from symgd.errors import SymgdError
    from symgd.parse import derivative_request
    try:
        return derivative_request(expr)
    except SymgdError:
        return None


def higher_text(args: argparse.Namespace) -> str | None:
    """The output of ``steps`` for a higher-order request, or None when the request is first order."""
    from symgd.errors import VariableError
    request = _operator(args.expr)
    higher = request is not None and len(request) > 1
    if not (args.diff or args.order or args.hessian or higher):
        if args.entries:
            raise VariableError("--entries shows the Hessian's entries: add --hessian")
        return None
    if args.hessian and (args.diff or args.order or higher):
        raise VariableError("--hessian gives every second partial: drop --diff/--order (or use them alone)")
    if higher and args.order:
        raise VariableError(f"the input already asks for the derivative by {','.join(request)}: drop --order")
    if higher and args.wrt is not None and {args.wrt.strip()} != set(request):  # d²/dx² with --wrt x: agreed
        raise VariableError(f"the input asks for the derivative by {','.join(request)} but --wrt is {args.wrt}",
                            hint=f"drop --wrt, or use --diff {','.join(request)}")
    if higher and args.diff is not None and [d.strip() for d in args.diff.split(",")] != list(request):
        raise VariableError(f"the input asks for the derivative by {','.join(request)} but --diff is {args.diff}",
                            hint=f"drop --diff, or write --diff {','.join(request)}")
    return _render(args, request)


def _render(args: argparse.Namespace, request) -> str:
    from symgd.cli._leibniz import request_wrt
    from symgd.cli._notes import reading_notes, with_notes
    from symgd.explain.higher import hessian_steps, partial
    from symgd.report.calculus import render_hessian, render_higher
    simplify, plain = not args.no_simplify, args.plain
    if args.hessian:
        wrt = request_wrt(args.expr, args.wrt)
        text = render_hessian(hessian_steps(args.expr, wrt, simplify=simplify), args.format, args.entries,
                              plain=plain)
    else:
        wrt = request_wrt(args.expr, args.wrt) if args.order else None
        diff = args.diff if args.diff is not None or args.order else ",".join(request)
        text = render_higher(partial(args.expr, diff, order=args.order, wrt=wrt, simplify=simplify), args.format,
                             plain=plain)
    return with_notes(text, reading_notes(args.expr), args.format, plain)
