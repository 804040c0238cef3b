"""``symgd.fit``: fit a model string to data by least squares, any optimizer, or mini-batch SGD."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from symgd.errors import VariableError
from symgd.fit.columns import check_constant_names
from symgd.fit.data import as_source, describe
from symgd.fit.descent import descend
from symgd.fit.gauss_newton import gauss_newton
from symgd.fit.linear import closed_form
from symgd.fit.lm import levenberg_marquardt
from symgd.fit.minibatch import minibatch_descent
from symgd.fit.model import build_model, start_vector
from symgd.fit.options import LEAST_SQUARES, check_fit_options
from symgd.fit.outofcore import open_objective, streaming_minibatch
from symgd.fit.reduce import Objective
from symgd.fit.result import FitResult, summarize
from symgd.fit.stopping import FitOutcome, Tolerances, bounds_arrays
from symgd.fit.trf import trust_region_reflective

DEFAULT_STEPS = 1000
DEFAULT_BATCH = 32


def fit(model: str | sympy.Expr, data: Any, target: str = "y", x0: Mapping[str, float] | Sequence[float] | None = None,
        method: str = "lm", loss: str = "sse", *, batch_size: int | None = None, epochs: int | None = None,
        steps: int | None = None, seed: int | None = 0, lr: float | None = None, tol: float = 1e-8,
        ftol: float = 1e-14, xtol: float = 1e-14, gtol: float = 1e-14, max_nfev: int | None = None,
        bounds: Mapping[str, tuple[float, float]] | None = None, params: Sequence[str] | None = None,
        columns: Sequence[str] | None = None, chunk_size: int | None = None, huber_delta: float = 1.0,
        callback: Callable[[int, np.ndarray, float], bool] | None = None, engine: str = "local",
        scheduler: str | None = None, client: Any = None, **hyper: Any) -> FitResult:
    """Fit ``model`` (a string; its names that are not data columns are the parameters) to ``data``.

    ``data``: a dict of arrays, a DataFrame, a CSV path (header, or ``columns=``) or a formula such as
    ``"x=linspace(-pi,pi,2000); y=sin(x)"``. ``target`` is a column or a formula of columns (``"log(y)"``).
    ``method``: "lm" (Levenberg–Marquardt, the default), "trf" (trust-region reflective, as scipy's
    least_squares; what "lm" becomes when ``bounds`` are given), "gauss-newton", "linear" (closed form; the model
    must be linear in its parameters), any optimizer of ``symgd.optim`` ("gd", "adam", "rmsprop", ...;
    full batch for ``steps``, or mini-batches when ``batch_size`` is given, for ``epochs``), or "sgd"
    (mini-batch gradient descent). ``loss``: "sse", "mse", "mae", "huber" or a formula in ``r`` (the residual
    target - model); the least-squares methods minimise the SSE. ``ftol``/``xtol``/``gtol``/``max_nfev`` stop
    the least-squares methods (MINPACK's meanings), ``tol`` (gradient norm) and ``steps``/``epochs`` the
    optimizers; ``callback(step, theta, loss)`` returning True stops any method. ``bounds``:
    ``{"a": (lo, hi)}``, either side None (or ±inf) for open; the least-squares methods keep to them
    (lm, gauss-newton and linear by switching to trf; the report says so), the gradient methods project
    every step onto them.
    Extra keyword arguments are the optimizer's hyper-parameters (``momentum``, ``betas``, ...).
    Options are checked before any data is read (``symgd.fit.options``: counts, seeds, tolerances, unknown
    hyper-parameters, options the method does not read); data is read strictly (``symgd.fit.columns``,
    ``symgd.fit.files``): distinct printable column names, plain decimal numbers, at least one row.

    >>> res = fit("a + b*x", {"x": [0, 1, 2, 3], "y": [1, 3, 5, 7]})
    >>> round(res.params["a"], 10), round(res.params["b"], 10), res.converged
    (1.0, 2.0, True)
    """
    options = dict(batch_size=batch_size, epochs=epochs, steps=steps, seed=seed, lr=lr, tol=tol, ftol=ftol,
                   xtol=xtol, gtol=gtol, max_nfev=max_nfev, chunk_size=chunk_size, huber_delta=huber_delta,
                   engine=engine, scheduler=scheduler, client=client)
    method = check_fit_options(method, options, hyper)  # before any data is read
    source = as_source(data, columns=columns, chunk_size=chunk_size)
    check_constant_names(source.names, target, describe(source))  # here, where the file can be named
    fm = build_model(model, source.names, target, loss, params, huber_delta)
    theta0 = np.array(start_vector(fm, x0))
    box = bounds_arrays(fm.names, bounds)
    descent = dict(batch_size=batch_size, epochs=epochs, steps=steps, seed=seed, lr=lr, tol=tol, hyper=hyper)
    # The objective reduces over the data wherever it lives: in memory, chunk by chunk, or on a cluster.
    with open_objective(fm, source, engine, client=client, scheduler=scheduler) as obj:
        return _fit(fm, obj, theta0, box, method, Tolerances(ftol, xtol, gtol, max_nfev), descent, callback)


def _fit(fm, obj, theta0: np.ndarray, box, method: str, tolerances: Tolerances, descent: dict,
         callback) -> FitResult:
    linear = fm.is_linear()
    closed = closed_form(obj) if linear and fm.loss in ("sse", "mse") else None
    notes: tuple[str, ...] = ()
    if method in LEAST_SQUARES:
        kind = LEAST_SQUARES[method]
        if fm.loss not in ("sse", "mse"):
            notes = (f"{kind} minimises the sum of squared residuals; the {fm.loss!r} loss is reported "
                     "but was not what was minimised",)
        if kind != "trf" and box is not None:  # only trust-region reflective keeps to bounds exactly
            names = {"lm": "Levenberg–Marquardt", "gauss-newton": "Gauss–Newton", "linear": "the closed form"}
            notes += (f"bounds given: fitted by trust-region reflective (trf, as scipy's least_squares) "
                      f"instead of {names[kind]}, which cannot keep to bounds",)
            kind = "trf"
        outcome = _least_squares(kind, obj, theta0, closed, tolerances, box, callback)
        method = kind
    else:
        outcome = _descent(method, obj, theta0, box=box, callback=callback, **descent)
    return summarize(obj, outcome, method, theta0, box=box, closed=closed if method != "linear" else None,
                     extra_warnings=notes)


def _least_squares(kind: str, obj: Objective, theta0: np.ndarray, closed, tol: Tolerances, box, callback
                   ) -> FitOutcome:
    if kind == "lm":
        return levenberg_marquardt(obj, theta0, tol, box, callback=callback)
    if kind == "trf":
        return trust_region_reflective(obj, theta0, tol, box, callback=callback)
    if kind == "gauss-newton":
        return gauss_newton(obj, theta0, tol, box, callback=callback)
    if closed is None:
        raise VariableError(f"method 'linear' needs a model linear in its parameters "
                            f"({', '.join(obj.model.names)}); {obj.model.text!r} is not",
                            hint="use method='lm'")
    p = len(theta0)
    full = closed.rank == p
    why = "closed-form least squares (numpy.linalg.lstsq)" + ("" if full else
                                                              f"; rank-deficient design matrix ({closed.rank} of {p})")
    return FitOutcome(closed.theta, 0, 2, 1, full, why, (closed.rss,))


def _descent(method: str, obj: Objective, theta0: np.ndarray, *, batch_size, epochs, steps, seed, lr, tol, box,
             callback, hyper) -> FitOutcome:
    from symgd.optim import get_optimizer
    name = "gd" if method == "sgd" else method
    if lr is not None:
        hyper["lr"] = lr
    optimizer = get_optimizer(name, **hyper)
    if method == "sgd" and batch_size is None:
        batch_size = DEFAULT_BATCH
    if batch_size is not None:
        count = epochs if epochs is not None else (steps if steps is not None else DEFAULT_STEPS)
        run = minibatch_descent if obj.source.in_memory and isinstance(obj, Objective) else streaming_minibatch
        return run(obj, theta0, optimizer, count, batch_size, seed, box, callback)
    count = steps if steps is not None else (epochs if epochs is not None else DEFAULT_STEPS)
    return descend(obj, theta0, optimizer, count, tol, box, callback)
