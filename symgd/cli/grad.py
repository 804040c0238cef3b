"""``symgd grad``: the gradient (and optionally the Hessian) of an expression, exact and at a point."""
from __future__ import annotations

import argparse

import sympy

from symgd.cli._options import add_format_argument, dump_json, parse_point
from symgd.errors import VariableError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grad", help="print the gradient vector (and Hessian) of an expression",
                       description="Differentiate EXPR exactly; with --at, also evaluate at a point.")
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "sin(x**2+y**2)"')
    p.add_argument("--wrt", help="variables, comma-separated (default: all, sorted by name)")
    p.add_argument("--at", help="a point, e.g. x=1,y=2")
    p.add_argument("--hessian", action="store_true", help="also print the Hessian matrix")
    add_format_argument(p, ("text", "json"))
    p.set_defaults(run=run)


def _evaluate(exprs: list[sympy.Expr], variables: tuple[sympy.Symbol, ...],
              point: dict[str, float]) -> list[float]:
    missing = [v.name for v in variables if v.name not in point]
    if missing:
        raise VariableError(f"--at gives no value for {', '.join(missing)}",
                            hint="give every variable, e.g. --at " + ",".join(f"{v.name}=1" for v in variables))
    subs = {v: sympy.Float(point[v.name], 17) for v in variables}
    return [float(sympy.N(e.xreplace(subs), 17)) for e in exprs]


def run(args: argparse.Namespace) -> int:
    from symgd import gradient, hessian, ordered_variables, parse
    expr = parse(args.expr)
    variables = ordered_variables(expr, args.wrt)
    grad = list(gradient(expr, variables))
    hess = hessian(expr, variables) if args.hessian else None
    point = parse_point(args.at) if args.at else None
    grad_value = _evaluate(grad, variables, point) if point is not None else None
    hess_value = (_evaluate(list(hess), variables, point) if point is not None and hess is not None else None)
    names = [v.name for v in variables]
    if args.format == "json":
        out = {"expression": str(expr), "variables": names, "gradient": [str(g) for g in grad]}
        if hess is not None:
            out["hessian"] = [[str(h) for h in hess.row(i)] for i in range(hess.rows)]
        if point is not None:
            out["at"] = {n: point[n] for n in names}
            out["gradient_value"] = grad_value
            if hess_value is not None:
                k = len(names)
                out["hessian_value"] = [hess_value[i * k:(i + 1) * k] for i in range(k)]
        print(dump_json(out))
        return 0
    print(f"f({', '.join(names)}) = {sympy.sstr(expr)}")
    for name, g in zip(names, grad):
        print(f"∂f/∂{name} = {sympy.sstr(g)}")
    if point is not None:
        at = ", ".join(f"{n}={point[n]:g}" for n in names)
        print(f"at ({at}):")
        for name, value in zip(names, grad_value):
            print(f"  ∂f/∂{name} = {value:.12g}")
    if hess is not None:
        print("Hessian:")
        print(sympy.pretty(hess, use_unicode=True))
        if hess_value is not None:
            k = len(names)
            for i in range(k):
                print("  [" + ", ".join(f"{v:.12g}" for v in hess_value[i * k:(i + 1) * k]) + "]")
    return 0
