"""``symgd grad``: the gradient (and optionally the Hessian) of an expression, exact and at a point."""
from __future__ import annotations

import argparse

import sympy

from symgd.cli._geometry import add_geometry_options, geometry_text
from symgd.cli._leibniz import request_wrt
from symgd.cli._notes import format_notes, reading_notes
from symgd.cli._options import add_format_argument, add_plain_argument, dump_json
from symgd.parse.points import check_point_names, parse_point
from symgd.parse.echo import check_display, term_order


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grad", help="print the gradient vector (and Hessian) of an expression",
                       description="Differentiate EXPR exactly; with --at, also evaluate at a point.")
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "sin(x**2+y**2)"')
    p.add_argument("--wrt", help="variables, comma-separated (default: all, sorted by name)")
    p.add_argument("--at", help="a point, e.g. x=1,y=2")
    p.add_argument("--hessian", action="store_true", help="also print the Hessian matrix")
    add_geometry_options(p)  # --direction, --tangent, --linearize (issue 17)
    add_format_argument(p, ("text", "json", "markdown", "latex"))  # markdown, latex: the geometry options
    add_plain_argument(p)
    p.set_defaults(run=run)


def _evaluate(exprs: list[sympy.Expr], point: dict[str, float], labels: list[str]) -> list[float]:
    """``exprs`` at ``point`` (every name of the expression; those outside --wrt are constants there),
    or a DomainError naming the expression (``labels``) and the term that is undefined there."""
    from symgd.calculus.evaluate import values_at  # term by term: no runaway exact powers (x^x^x^x^x)
    return values_at(exprs, {s: point[s.name] for e in exprs for s in e.free_symbols}, labels)


def _where(point: dict[str, float]) -> str:
    return "(" + ", ".join(f"{n}={v:g}" for n, v in point.items()) + ")"


def run(args: argparse.Namespace) -> int:
    from symgd import gradient, hessian, ordered_variables, parse
    geometry = geometry_text(args)  # --direction, --tangent, --linearize at --at (None: not asked)
    if geometry is not None:
        print(geometry.rstrip("\n"))
        return 0
    args.wrt = request_wrt(args.expr, args.wrt)  # d/dx (...) typed first: x is the wrt
    expr = parse(args.expr)
    variables = ordered_variables(expr, args.wrt)
    grad = list(gradient(expr, variables))
    hess = hessian(expr, variables) if args.hessian else None
    names = [v.name for v in variables]
    point = parse_point(args.at) if args.at else None
    grad_value = hess_value = None
    if point is not None:
        every = ordered_variables(expr)
        check_point_names(point, [v.name for v in every])
        _evaluate([expr], point, ["f"])  # f undefined at the point: say so, not that its derivative is
        from symgd.explain.atpoint import check_smooth  # sign(0) = 0 would make |x|' at 0 zero
        second = list(hess) if hess is not None else []
        check_smooth(sympy.Add(*grad, *second), every, [point[v.name] for v in every], "the gradient")
        grad_value = _evaluate(grad, point, [f"∂f/∂{n}" for n in names])
        hess_value = None if hess is None else _evaluate(list(hess), point, [
            f"∂²f/∂{a}∂{b}" for a in names for b in names])
    check_display(expr, *grad, what="the gradient", hint="symgd compile prints it with shared subexpressions")
    if hess is not None:  # a pretty matrix costs about ten times str per entry
        check_display(*hess, what="the Hessian", weight=10)
    order = term_order(expr, *grad)  # a sum of 10,000 terms prints unsorted: sorting costs its square
    if args.format == "json":
        out = {"notes": reading_notes(args.expr), "expression": sympy.sstr(expr, order=order), "variables": names,
               "gradient": [sympy.sstr(g, order=order) for g in grad]}
        if hess is not None:
            out["hessian"] = [[sympy.sstr(h, order=order) for h in hess.row(i)] for i in range(hess.rows)]
        if point is not None:
            out["at"] = point
            out["gradient_value"] = grad_value
            if hess_value is not None:
                k = len(names)
                out["hessian_value"] = [hess_value[i * k:(i + 1) * k] for i in range(k)]
        print(dump_json(out))
        return 0
    from symgd.report.mathtext import expression_printer
    show = expression_printer(args.plain)  # x² sin(x), or x**2*sin(x) under --plain
    notes = format_notes(reading_notes(args.expr), "text", args.plain)
    if notes:
        print(notes)
    print(f"f({', '.join(names)}) = {show(expr, order=order)}")
    for name, g in zip(names, grad):
        print(f"∂f/∂{name} = {show(g, order=order)}")
    if point is not None:
        print(f"at {_where(point)}:")
        for name, value in zip(names, grad_value):
            print(f"  ∂f/∂{name} = {value:.12g}")
    if hess is not None:
        print("Hessian:")
        if args.plain:
            print(sympy.pretty(hess, use_unicode=True))
        else:  # one line per row, as the values below: a 2-D picture of long entries does not fit a line
            for i in range(hess.rows):
                print("  [" + ", ".join(show(h, order=order) for h in hess.row(i)) + "]")
        if hess_value is not None:
            k = len(names)
            print(f"  at {_where(point)}:")
            for i in range(k):
                print("  [" + ", ".join(f"{v:.12g}" for v in hess_value[i * k:(i + 1) * k]) + "]")
    return 0
