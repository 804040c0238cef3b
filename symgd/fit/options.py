"""The fit's options checked before any data is read: counts, seeds, tolerances, the method, its
hyper-parameters, and options that contradict the method.

One check serves the library and the command line: ``flag`` spells an option the caller's way
(``epochs=`` for ``symgd.fit``, ``--epochs`` for ``symgd fit``), so every message names what was typed.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

from symgd.errors import HyperParameterError
from symgd.fit.columns import cut, listing, shown

LEAST_SQUARES = {"lm": "lm", "levenberg-marquardt": "lm", "gauss-newton": "gauss-newton",
                 "gn": "gauss-newton", "linear": "linear", "trf": "trf", "trust-region-reflective": "trf"}
ENGINES = ("local", "dask")
COUNTS = ("steps", "epochs", "batch_size", "chunk_size", "max_nfev")
TOLERANCES = ("tol", "ftol", "xtol", "gtol")
POSITIVE = ("lr", "huber_delta")
#: Options only the gradient methods read, and the one only least squares reads.
_DESCENT_ONLY = ("steps", "epochs", "batch_size", "lr")
_LSQ_ONLY = ("max_nfev",)

Flag = Callable[..., str]


def library_flag(name: str, value: Any = None) -> str:
    """``epochs=`` / ``engine='dask'``: an option as ``symgd.fit`` spells it (a hyper-parameter: ``beta=``)."""
    if name == "hyper":
        return f"{cut(value, 40)}="
    return f"{name}=" if value is None else f"{name}={cut(repr(value), 40)}"


def cli_flag(name: str, value: Any = None) -> str:
    """``--epochs`` / ``--engine dask``: an option as ``symgd fit`` spells it."""
    flag = "--" + name.replace("_", "-")
    return flag if value is None else f"{flag} {cut(value, 40)}"


def check_fit_options(method: Any, options: Mapping[str, Any], hyper: Mapping[str, Any],
                      flag: Flag = library_flag) -> str:
    """The method's name, lower-cased, once every option is valid and fits it; else a ``HyperParameterError``.

    ``options`` holds the fit's keyword arguments by their library names (None: not given).
    """
    _check_values(options, flag)
    name = _method(method, flag)
    given = [k for k in _DESCENT_ONLY if options.get(k) is not None]
    if name in LEAST_SQUARES:
        if given or hyper:
            what = flag(given[0]) if given else flag("hyper", next(iter(hyper)))
            raise HyperParameterError(f"{what} is for the gradient methods; {LEAST_SQUARES[name]} stops by "
                                      f"{flag('max_nfev')}, {flag('ftol')}, {flag('xtol')} and {flag('gtol')}",
                                      hint=f"choose a gradient method, e.g. {flag('method', 'adam')}")
    else:
        if options.get("max_nfev") is not None:
            raise HyperParameterError(f"{flag('max_nfev')} is for lm and gauss-newton; {name} stops by "
                                      f"{flag('steps')} (or {flag('epochs')}) and {flag('tol')}")
        _check_hyper(name, hyper, flag)
    if options.get("steps") is not None and options.get("epochs") is not None:
        raise HyperParameterError(f"give {flag('steps')} (full-batch steps) or {flag('epochs')} (passes of "
                                  "mini-batches), not both")
    _check_engine(options, flag)
    return name


def _check_values(options: Mapping[str, Any], flag: Flag) -> None:
    for key in COUNTS:
        value = options.get(key)
        if value is not None and (not _integer(value) or value < 1):
            raise HyperParameterError(f"{flag(key)} must be a whole number of at least 1, got {shown(value)}")
    seed = options.get("seed")
    if seed is not None and (not _integer(seed) or seed < 0):
        raise HyperParameterError(f"{flag('seed')} must be a whole number of at least 0, got {shown(seed)}")
    for key in TOLERANCES + POSITIVE:
        value = options.get(key)
        if value is None:
            continue
        if not _real(value) or not math.isfinite(value) or (value <= 0 if key in POSITIVE else value < 0):
            least = "greater than 0" if key in POSITIVE else "at least 0"
            raise HyperParameterError(f"{flag(key)} must be a finite number {least}, got {shown(value)}")


def _integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _method(method: Any, flag: Flag) -> str:
    from symgd.optim.registry import OPTIMIZERS
    name = method.lower() if isinstance(method, str) else None
    if name not in LEAST_SQUARES and name not in OPTIMIZERS:
        raise HyperParameterError(f"unknown method {shown(method)} ({flag('method')}); choose one of "
                                  f"{', '.join(list(LEAST_SQUARES) + list(OPTIMIZERS))}")
    return name


def _check_hyper(method: str, hyper: Mapping[str, Any], flag: Flag) -> None:
    from symgd.optim.registry import hyper_parameters
    known = [k for k in hyper_parameters("gd" if method == "sgd" else method) if k != "lr"]
    for key in hyper:
        if key not in known:
            raise HyperParameterError(f"{flag('hyper', key)}: the optimizer {method} takes no hyper-parameter "
                                      f"{shown(key)}; it takes {listing(known) or 'none'} (and {flag('lr')})")


def _check_engine(options: Mapping[str, Any], flag: Flag) -> None:
    engine = options.get("engine", "local")
    if engine not in ENGINES:
        raise HyperParameterError(f"unknown engine {shown(engine)} ({flag('engine')}); choose one of "
                                  f"{', '.join(ENGINES)}")
    for key in ("scheduler", "client"):
        if options.get(key) is not None and engine != "dask":
            raise HyperParameterError(f"{flag(key)} needs {flag('engine', 'dask')}")
