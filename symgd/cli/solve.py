"""``symgd solve``: read an expression, show how it was read, its gradient and graph, descend, report."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

import sympy

from symgd.cli._notes import reading_notes, with_notes
from symgd.codegen.backends import BACKENDS
from symgd.cli._options import (add_format_argument, add_plain_argument, dump_json, real_number, real_pair,
                                whole_number)
from symgd.parse.points import check_point_names, parse_box, parse_point, parse_sizes
from symgd.cli._progress import progress_bar

DEFAULT_STEPS = 10_000
DEFAULT_TOL = 1e-8
DEFAULT_START = 1.0
OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "newton", "bfgs", "lbfgs",
              "lbfgsb", "auto")
#: The hyper-parameters passed on to minimize (under the same name) only when given.
HYPER = ("momentum", "dampening", "betas", "alpha", "eps", "weight_decay", "lr_decay", "centered", "amsgrad",
         "damping", "linesearch")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "solve", help="minimize an expression, showing its gradient, graph and descent",
        description="Parse EXPR, print how it was read, its gradient vector and chain-rule graph at the "
                    f"start point, then minimize it. Defaults: every variable starts at {DEFAULT_START:g}; "
                    "the method is auto (see --optimizer), or gd when --lr or a first-order hyper-parameter "
                    "is given; a first-order method's learning rate is derived from the problem where it can be (1% of the --box width; 1/L "
                    "where the default would diverge) and otherwise the optimizer's own (gd, momentum, rmsprop, "
                    f"adagrad: 0.01; adam, adamw: 0.001); at most {DEFAULT_STEPS} steps; stop when the gradient "
                    f"norm is below {DEFAULT_TOL:g}. Exit status 1 when the descent does not converge.")
    p.add_argument("expr", metavar="EXPR", help='the loss, e.g. "sin(x**2+y**2)"')
    p.add_argument("--at", help=f"start point, e.g. x=1.5,y=1 (default: every variable = {DEFAULT_START:g}); "
                   "a vector of an indexed sum starts with every entry at the value given")
    p.add_argument("--size", help="the sizes in indexed sums, e.g. n=1000 for "
                   "sum(100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2, i, 0, n-2)")
    p.add_argument("--optimizer", choices=OPTIMIZERS,
                   help="the descent method (default: auto, or gd when --lr or a first-order hyper-parameter "
                        "is given, and for indexed sums); auto: lbfgsb with --box, newton up to 20 variables, "
                        "lbfgs above; lbfgsb: L-BFGS within --box")
    p.add_argument("--lr", type=real_number(0, above=True),
                   help="learning rate (default: derived or the optimizer's, see above; the report says which)")
    p.add_argument("--steps", type=whole_number(1), default=DEFAULT_STEPS,
                   help=f"step budget (default: {DEFAULT_STEPS})")
    p.add_argument("--tol", type=real_number(0), default=DEFAULT_TOL,
                   help=f"stop when the gradient norm is below this (default: {DEFAULT_TOL:g})")
    p.add_argument("--ftol", type=real_number(0), default=0.0,
                   help="stop when the relative value change is below this")
    _add_hyper_parameters(p)
    p.add_argument("--starts", type=whole_number(1),
                   help="run N starts at once, drawn from --box, and list the minima")
    p.add_argument("--box", help="bounds the descent keeps to, and where multi-start points are drawn, e.g. "
                   "x=-5:5,y=0: (a side left empty is open; starts use -5:5 where a side is open; a start "
                   "outside is projected into the box)")
    p.add_argument("--seed", type=whole_number(0), help="seed for the multi-start points (default: 0)")
    p.add_argument("--backend", default="auto", choices=BACKENDS,
                   help="auto (default: a fused loop in Python or numba for one start, NumPy arrays for many)")
    p.add_argument("--device", help="torch device, e.g. cpu or cuda (with --backend torch)")
    p.add_argument("--no-graph", action="store_true", help="hide the gradient and the graph at the start point")
    p.add_argument("--record-every", type=whole_number(1),
                   help="record the history every N steps (default: about 1,000 records)")
    p.add_argument("--plot", metavar="FILE", help="save the loss curve (and the contour plot with the "
                   "descent path for two variables) as an image (needs matplotlib)")
    add_format_argument(p, ("text", "json", "markdown", "latex"))
    add_plain_argument(p)
    p.add_argument("--full-table", action="store_true",
                   help="show every recorded step in the descent table (default: first, every k-th, last)")
    p.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document that compiles alone (the default)")
    p.set_defaults(run=run)


def _add_hyper_parameters(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("optimizer hyper-parameters (as in torch.optim)")
    g.add_argument("--momentum", type=real_number(), help="momentum factor (momentum, nesterov)")
    g.add_argument("--dampening", type=real_number(), help="dampening for momentum")
    g.add_argument("--betas", type=real_pair, help="adam betas, e.g. 0.9,0.999")
    g.add_argument("--alpha", type=real_number(), help="rmsprop smoothing constant")
    g.add_argument("--eps", type=real_number(), help="term added to denominators (adagrad, rmsprop, adam)")
    g.add_argument("--weight-decay", dest="weight_decay", type=real_number(),
                   help="weight decay (L2 / decoupled for adamw)")
    g.add_argument("--lr-decay", dest="lr_decay", type=real_number(), help="adagrad learning-rate decay")
    g.add_argument("--centered", action="store_true", default=None, help="centered rmsprop")
    g.add_argument("--amsgrad", action="store_true", default=None, help="amsgrad variant of adam")
    g.add_argument("--damping", type=real_number(), help="newton damping")
    g.add_argument("--linesearch", action="store_true", default=None, help="Armijo backtracking (gd, newton)")


def _start(args: argparse.Namespace, names: list[str]) -> dict[str, float]:
    start = {n: DEFAULT_START for n in names}
    if args.at:
        given = parse_point(args.at)
        check_point_names(given, names, complete=False)
        start.update(given)
    return start


def _check_options(args: argparse.Namespace) -> None:
    """Refuse options that contradict each other (one would be silently ignored), and check the
    device and the plot file before the run rather than after it."""
    from symgd.errors import VariableError
    if args.standalone and args.format != "latex":
        raise VariableError("--standalone makes a LaTeX document: add --format latex")
    if args.full_table and args.format == "json":
        raise VariableError("--full-table shows every row of the descent table; JSON always holds every row")
    if args.device is not None and args.backend != "torch":
        raise VariableError(f"--device {args.device} places torch tensors: add --backend torch "
                            f"(--backend {args.backend} does not use torch)")
    if not args.starts:
        if args.seed is not None:
            raise VariableError("--seed only applies to a multi-start run: add --starts N")
    elif args.at:
        raise VariableError("--at gives the one start point, --starts N draws N start points from --box: "
                            "give one or the other")
    if args.device is not None:
        from symgd.codegen.runtime import torch_device
        torch_device(args.device)
    if args.plot is not None:
        from symgd.report.plot import check_plot_file
        check_plot_file(args.plot)


def _minimize(args: argparse.Namespace, program: Any, x0: dict[str, float], sizes: dict[str, int] | None) -> Any:
    from symgd import minimize
    hyper = {key: getattr(args, key) for key in HYPER if getattr(args, key) is not None}
    multi = {"bounds": parse_box(args.box, open_sides=True) if args.box else None}
    if args.starts:
        multi.update(starts=args.starts, seed=args.seed or 0)
    with progress_bar("descent", args.steps, enabled=args.format == "text") as update:
        progress = None if update is None else (lambda step, x, value, grad_norm: update(step, value))
        return minimize(program.expr, None if args.starts else x0, lr=args.lr, steps=args.steps, tol=args.tol,
                        ftol=args.ftol, backend=args.backend, optimizer=args.optimizer, device=args.device,
                        record_every=args.record_every, progress=progress, sizes=sizes, **multi, **hyper)


def run(args: argparse.Namespace) -> int:
    from symgd.parse import parse_program
    _check_options(args)
    program = parse_program(args.expr)
    sizes = parse_sizes(args.size) if args.size else None
    if _indexed(program) and args.format in ("markdown", "latex"):
        return _run_unrolled(args, program, sizes)
    if sizes and not _indexed(program):
        from symgd.errors import VariableError
        raise VariableError("--size gives the sizes of indexed sums (sum(..x[i].., i, 0, n-1)); this "
                            "expression has none")
    names = [v.name for v in (_indexed(program).variables if _indexed(program) else program.variables)]
    x0 = _start(args, names)
    result = _minimize(args, program, x0, sizes)
    if args.plot is not None:
        from symgd.report.plot import plot_minimize
        plot_minimize(result, args.plot)
        print(f"plot written to {args.plot}", file=sys.stderr)  # stderr: stdout may be JSON or LaTeX
    if args.starts:  # no start point of its own: show the gradient and graph where the best run ended
        x0 = {name: float(value) for name, value in result.x.items()}
    print(_render(args, program, x0, result))
    return 0 if result.converged else 1


def _indexed(program: Any) -> Any:
    """The indexed-sum structure of the program's expression, or None for a scalar expression."""
    from symgd.calculus.indexed import analyse, has_indexed
    return analyse(program.expr) if has_indexed(program.expr) else None


def _run_unrolled(args: argparse.Namespace, program: Any, sizes: dict[str, int] | None) -> int:
    """A write-up of an indexed sum: the sums written out for the given (small) sizes, then solved as
    the scalar problem they are, so every derivation and graph node names x[0], x[1], ..."""
    from symgd.calculus.indexed import unroll
    from symgd.errors import VariableError
    from symgd.optim.vector import vector_lengths
    lengths = vector_lengths(program.expr, sizes or {})
    if len(lengths) < len(_indexed(program).vectors) or sum(lengths.values()) > UNROLL_LIMIT:
        raise VariableError(f"a {args.format} write-up writes the sums out: give small sizes (at most "
                            f"{UNROLL_LIMIT} vector entries in all, e.g. --size n=4), or use --format text or json")
    expr, variables = unroll(program.expr, sizes)
    given = parse_point(args.at) if args.at else {}
    entries = [v.name for v in variables]  # a vector as a whole (x=0.5) or entry by entry (x[0]=1)
    check_point_names(given, [v.name for v in _indexed(program).variables] + entries, complete=False)
    x0 = _entries(given, variables)
    unrolled = dataclasses.replace(program, expr=expr, variables=tuple(variables))
    result = _minimize(args, unrolled, x0, None)
    written = ", ".join(f"{k} = {v}" for k, v in sizes.items())
    print(_render(args, unrolled, x0, result, source=expr, typed=f"{args.expr}   (written out for {written})"))
    return 0 if result.converged else 1


def _entries(point: dict[str, float], variables: Any) -> dict[str, float]:
    """The start of each written-out entry: its vector's value (x=0.5), its own (x[0]=1) or the default."""
    return {v.name: point.get(v.name.partition("[")[0], point.get(v.name, DEFAULT_START)) for v in variables}


#: Largest number of vector entries a Markdown/LaTeX write-up or the text graph writes out.
UNROLL_LIMIT = 8


def _render(args: argparse.Namespace, program: Any, x0: dict[str, float], result: Any,
            source: Any = None, typed: str | None = None) -> str:
    """The output in args.format; ``source``: the problem of the write-up (default: the text typed),
    ``typed``: what the write-up says was typed when that is not ``source``."""
    if args.format == "json":
        return with_notes(dump_json(_json(program, x0, result)), reading_notes(args.expr), "json")
    if args.format in ("markdown", "latex"):
        from symgd import graph
        from symgd.report.writeup import explained_steps, problem_from, render_solve
        settings = {"optimizer": result.optimizer, "lr": result_lr(args, result), "steps": args.steps, "tol": args.tol}
        problem = problem_from(source or args.expr, x0, settings)
        if typed:
            problem = dataclasses.replace(problem, source=typed)
        view = None if args.no_graph else graph(program.expr, at=x0)
        # the write-up's Problem section already lists the notes, before the answer
        return render_solve(problem, explained_steps(program.expr), view, result.history, result, args.format,
                            full_table=args.full_table)
    return _text(args, program, x0, result)


def result_lr(args: argparse.Namespace, result: Any = None) -> str:
    """The learning rate as the write-up states it: given, derived from the problem, or none used."""
    if args.lr is not None:
        return f"{args.lr:g}"
    if result is not None and result.lr is not None:
        derived = any(note.startswith("lr = ") for note in result.notes)
        return f"{result.lr:g}" + (" (derived from the problem)" if derived else " (the optimizer's default)")
    return "none (a line search or trust region)" if result is not None else "the optimizer's default"


def _text(args: argparse.Namespace, program: Any, x0: dict[str, float], result: Any) -> str:
    from symgd.parse import format_echo
    from symgd.report.mathtext import math_text
    from symgd.report.writeup import note_text
    from symgd.report.descent import format_descent_table, format_minima, format_result
    parts = [format_echo(program, "text", **({} if args.plain else {"show": math_text, "note": note_text}))]
    if not args.no_graph and _indexed(program):
        parts.append(_indexed_explanation(args, program, x0))
    elif not args.no_graph:
        from symgd.report.writeup import solve_explanation
        if args.starts:
            parts.append(f"gradient and graph at the best minimum found by the {args.starts} starts:")
        parts.append(solve_explanation(args.expr, x0, fmt="text", plain=args.plain))
    parts.append(format_descent_table(result.history, list(result.x),
                                      **({"max_rows": None} if args.full_table else {})))
    if result.minima:
        parts.append(format_minima(result))
    parts.append(format_result(result) + _choices_text(result))
    return "\n\n".join(parts)


def _choices_text(result: Any) -> str:
    """The learning rate used and what minimize chose (auto's method, a derived lr, a projected start)."""
    lines = [f"  lr = {result.lr:.6g}"] if result.lr is not None else []
    return "".join(f"\n{line}" for line in lines + [f"  note: {note}" for note in result.notes])


def _indexed_explanation(args: argparse.Namespace, program: Any, x0: dict[str, float]) -> str:
    """The gradient of an indexed sum, one entry per vector (∂f/∂x[j] over the windows that read x[j]),
    and, when the sizes are small, the chain-rule graph of the sums written out."""
    from symgd import gradient
    from symgd.calculus.indexed import unroll
    from symgd.optim.vector import vector_lengths
    from symgd.report.mathtext import expression_printer
    from symgd.report.writeup import solve_explanation
    show = expression_printer(args.plain)
    problem = _indexed(program)
    lines = []
    for v, g in zip(problem.variables, gradient(program.expr)):
        if isinstance(g, sympy.Lambda):
            lines.append(f"∂f/∂{v.name}[{g.variables[0]}] = {show(g.expr)}")
        else:
            lines.append(f"∂f/∂{v.name} = {show(g)}")
    sizes = parse_sizes(args.size) if args.size else {}
    lengths = vector_lengths(program.expr, sizes)
    if len(lengths) == len(problem.vectors) and sum(lengths.values()) <= UNROLL_LIMIT:
        expr, variables = unroll(program.expr, sizes)
        start = _entries(x0, variables)
        lines += ["", "written out for " + ", ".join(f"{k} = {v}" for k, v in sizes.items()) + ":",
                  solve_explanation(expr, start, fmt="text", plain=args.plain)]
    else:
        lines.append(f"(the chain-rule graph is shown with the sums written out, for at most {UNROLL_LIMIT} "
                     f"vector entries: give e.g. --size n=4)")
    return "\n".join(lines)


def _json(program: Any, x0: dict[str, float], result: Any) -> dict[str, Any]:
    from symgd import gradient
    from symgd.parse import echo_dict
    indexed = _indexed(program)
    variables = indexed.variables if indexed else program.variables
    out = {
        "expression": str(program.expr), "variables": [v.name for v in variables],
        # the notes stand once, at the top, as in every command's JSON
        "echo": {key: value for key, value in echo_dict(program).items() if key != "notes"},
        "gradient": [str(g) for g in (gradient(program.expr) if indexed else gradient(program.expr, variables))],
        "start": x0, "x": result.x, "value": result.fun, "grad_norm": result.grad_norm,
        "steps": result.nit, "converged": result.converged, "message": result.message,
        "optimizer": result.optimizer, "backend": result.backend,
        "history": [{"step": r.step, "x": r.x, "value": r.value, "grad_norm": r.grad_norm}
                    for r in result.history],
    }
    if result.minima:
        out["minima"] = [{"x": m.x, "value": m.fun, "count": m.count} for m in result.minima]
    if result.suggested_lr:
        out["suggested_lr"] = result.suggested_lr
    out["lr"], out["choices"] = result.lr, list(result.notes)
    return out
