"""``symgd fit``: fit a model string to data (a CSV file or a formula) and print the fit report."""
from __future__ import annotations

import argparse
from typing import Any

from symgd.cli._notes import reading_notes, with_notes
from symgd.cli._options import add_format_argument, add_plain_argument
from symgd.parse.points import parse_bounds, parse_point
from symgd.cli._progress import progress_bar
from symgd.errors import HyperParameterError

METHODS = "lm, trf, gauss-newton, linear, gd, momentum, nesterov, adagrad, rmsprop, adam, adamw, newton, sgd"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit", help="fit a model string to data and report parameters with standard errors",
        description="Fit MODEL to data. The model's names that are not data columns are its parameters. "
                    "Least squares by Levenberg–Marquardt (default) or Gauss–Newton with the exact symbolic "
                    "Jacobian; a model linear in its parameters is also solved in closed form. Exit status 1 "
                    "when the fit does not converge.")
    p.add_argument("model", metavar="MODEL", help='e.g. "b1*(1-exp(-b2*x))" or "a + b*x + c*x^2"')
    p.add_argument("--data", required=True,
                   help='a CSV or Parquet file, a folder or a glob of them (UTF-8, header row or --columns; regular '
                        "files of at most 256 GiB, lines of at most 1 MiB; a path that exists wins), or a formula: "
                        '"x=linspace(-pi,pi,2000); y=sin(x)" (generators: linspace, arange, normal, uniform)')
    p.add_argument("--columns", help="column names for a CSV without a header, e.g. x,y")
    p.add_argument("--target", default="y", help="the target column or a formula of columns (default: y)")
    p.add_argument("--at", help="start values, e.g. b1=500,b2=1e-4 (default: every parameter = 1)")
    p.add_argument("--method", default="lm", help=f"one of {METHODS} (default: lm)")
    p.add_argument("--loss", default="sse", help="sse (default), mse, mae, huber, or a formula in r (the residual)")
    p.add_argument("--huber-delta", type=float, default=1.0, help="the Huber loss threshold (default: 1)")
    p.add_argument("--lr", type=float, help="learning rate of a gradient method")
    p.add_argument("--steps", type=int, help="full-batch steps of a gradient method (default: 1000)")
    p.add_argument("--epochs", type=int, help="epochs of mini-batch descent (default: 1000)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (gradient methods; sgd defaults to 32)")
    p.add_argument("--seed", type=int, default=0, help="shuffling seed for mini-batches (default: 0)")
    p.add_argument("--hyper", help="optimizer hyper-parameters, e.g. momentum=0.9,alpha=0.9")
    p.add_argument("--tol", type=float, default=1e-8, help="gradient-norm tolerance of gradient methods")
    p.add_argument("--ftol", type=float, default=1e-14, help="LM/Gauss–Newton: relative RSS reduction tolerance")
    p.add_argument("--xtol", type=float, default=1e-14, help="LM/Gauss–Newton: relative step tolerance")
    p.add_argument("--gtol", type=float, default=1e-14, help="LM/Gauss–Newton: gradient orthogonality tolerance")
    p.add_argument("--max-nfev", type=int, help="LM/Gauss–Newton: evaluation budget (default 200*(p+1))")
    p.add_argument("--box", "--bounds", dest="bounds",
                   help="bounds on parameters, either side optional, e.g. b1=0:1000,b2=0: (lm then fits by "
                        "trust-region reflective, trf)")
    p.add_argument("--plot", metavar="FILE", help="save the loss curve (and data, fit, residuals) to FILE")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local (this process; Parquet/CSV files and globs are read chunk by chunk) or dask "
                        "(a cluster: --scheduler ADDRESS, or a LocalCluster of 2 worker processes)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--chunk-size", type=int, help="rows per chunk when streaming files (default 1000000)")
    add_format_argument(p, ("text", "markdown", "json"))
    add_plain_argument(p)
    p.set_defaults(run=run)


def _hyper(args: argparse.Namespace) -> dict:
    """``--hyper`` as keyword arguments; ``lr`` there is ``--lr`` (given once, one way or the other)."""
    hyper = parse_point(args.hyper, "--hyper") if args.hyper else {}
    if "lr" in hyper:
        if args.lr is not None:
            raise HyperParameterError("the learning rate is given twice, by --lr and by --hyper lr")
        args.lr = hyper.pop("lr")
    return {k: (int(v) if k in ("nesterov", "centered", "amsgrad", "maximize") else v) for k, v in hyper.items()}


def _options(args: argparse.Namespace, hyper: dict) -> str:
    """The method's name once every option is valid, named as typed (``--epochs``, ``--hyper foo``)."""
    from symgd.fit.options import check_fit_options, cli_flag
    options = {k: getattr(args, k) for k in ("batch_size", "epochs", "steps", "seed", "lr", "tol", "ftol", "xtol",
                                             "gtol", "max_nfev", "chunk_size", "huber_delta", "engine",
                                             "scheduler")}
    return check_fit_options(args.method, options, hyper, cli_flag)


def run(args: argparse.Namespace) -> int:
    from symgd.fit import fit
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    hyper = _hyper(args)
    _options(args, hyper)  # before the progress bar and before any data is read
    with progress_bar(f"fit ({args.method})", args.steps or args.epochs,
                      enabled=args.format != "json") as update:
        callback = None if update is None else (lambda step, theta, loss: update(step, loss))
        result = fit(args.model, args.data, target=args.target, x0=parse_point(args.at) if args.at else None,
                     method=args.method, loss=args.loss, batch_size=args.batch_size, epochs=args.epochs,
                     steps=args.steps, seed=args.seed, lr=args.lr, tol=args.tol, ftol=args.ftol, xtol=args.xtol,
                     gtol=args.gtol, max_nfev=args.max_nfev, bounds=parse_bounds(args.bounds, "--box")
                     if args.bounds else None, columns=columns, huber_delta=args.huber_delta,
                     engine=args.engine, scheduler=args.scheduler, chunk_size=args.chunk_size,
                     callback=callback, **hyper)
    from symgd.report.fit import render
    report = render(result, args.format, plain=args.plain)
    print(with_notes(report, reading_notes(args.model), args.format, args.plain))
    if args.plot:
        path = _plot(result, args.data, columns, args.plot)
        if args.format != "json":
            print(f"plot written to {path}")
    return 0 if result.converged else 1


def _plot(result: Any, data: str, columns: list[str] | None, file: str) -> Any:
    """The loss curve; for a one-input model also the data, the fitted curve and the residuals."""
    from symgd.fit.curve import fitted_curve
    from symgd.report.plot import plot_descent, plot_fit_curve
    curve = fitted_curve(result, data, columns)
    title = f"{result.target} ~ {result.model}  [{result.method}]"
    if curve is None:
        return plot_descent(file, losses=result.history, title=title)
    return plot_fit_curve(file, x=curve.x, y=curve.y, fitted=curve.fitted, grid=curve.grid,
                          fitted_grid=curve.fitted_grid, losses=result.history,
                          input_name=curve.input_name, target_name=result.target, title=title)
