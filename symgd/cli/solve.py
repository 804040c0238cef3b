"""``symgd solve``: read an expression, show its gradient and graph, descend, and report the result."""
from __future__ import annotations

import argparse
import sys

import sympy

from symgd.cli._options import add_format_argument, dump_json, parse_box, parse_point

DEFAULT_LR = 0.01
DEFAULT_STEPS = 10_000
DEFAULT_TOL = 1e-8
DEFAULT_START = 1.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "solve", help="minimize an expression by gradient descent, with its gradient and graph",
        description="Parse EXPR, print how it was read, its gradient vector and chain-rule graph at the "
                    f"start point, then run gradient descent. Defaults: every variable starts at "
                    f"{DEFAULT_START:g}, learning rate {DEFAULT_LR:g}, at most {DEFAULT_STEPS} steps, "
                    f"stop when the gradient norm is below {DEFAULT_TOL:g}.")
    p.add_argument("expr", metavar="EXPR", help='the loss, e.g. "sin(x**2+y**2)"')
    p.add_argument("--at", help=f"start point, e.g. x=1.5,y=1 (default: every variable = {DEFAULT_START:g})")
    p.add_argument("--lr", type=float, default=DEFAULT_LR, help=f"learning rate (default: {DEFAULT_LR:g})")
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                   help=f"step budget (default: {DEFAULT_STEPS})")
    p.add_argument("--tol", type=float, default=DEFAULT_TOL,
                   help=f"stop when the gradient norm is below this (default: {DEFAULT_TOL:g})")
    p.add_argument("--backend", default="auto", help="auto (default), python, numpy, torch or numba")
    p.add_argument("--device", help="torch device, e.g. cpu or cuda")
    p.add_argument("--no-graph", action="store_true", help="hide the gradient and the graph")
    p.add_argument("--record-every", type=int, default=None, help="history interval in steps")
    add_format_argument(p, ("text", "json", "markdown", "latex"))
    p.set_defaults(run=run)


def _start(args: argparse.Namespace, names: list[str]) -> dict[str, float]:
    start = {n: DEFAULT_START for n in names}
    if args.at:
        start.update(parse_point(args.at))
    return start


def run(args: argparse.Namespace) -> int:
    from symgd import gradient, minimize, ordered_variables, parse
    expr = parse(args.expr)
    variables = ordered_variables(expr)
    names = [v.name for v in variables]
    grad = gradient(expr, variables)
    x0 = _start(args, names)
    result = minimize(expr, x0, lr=args.lr, steps=args.steps, tol=args.tol, backend=args.backend)
    if args.format == "json":
        print(dump_json({
            "expression": str(expr), "variables": names, "gradient": [str(g) for g in grad],
            "start": x0, "x": result.x, "value": result.fun, "grad_norm": result.grad_norm,
            "steps": result.nit, "converged": result.converged, "message": result.message,
        }))
    else:
        print(f"f({', '.join(names)}) = {sympy.sstr(expr)}")
        for name, g in zip(names, grad):
            print(f"∂f/∂{name} = {sympy.sstr(g)}")
        print(f"result: x = {result.x}, f = {result.fun:.12g}, |∇f| = {result.grad_norm:.3g}")
        print(result.message)
    return 0 if result.converged else 1
