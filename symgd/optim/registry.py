"""``get_optimizer(name, **hyper)``: every optimizer by name, hyper-parameters checked up front."""
from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from typing import Any

from symgd.optim.adagrad import adagrad
from symgd.optim.adam import adam, adamw
from symgd.optim.base import HyperParameterError, Optimizer
from symgd.optim.bfgs import bfgs
from symgd.optim.gd import gd
from symgd.optim.lbfgs import lbfgs
from symgd.optim.lbfgsb import lbfgsb
from symgd.optim.momentum import heavy_ball, nesterov
from symgd.optim.newton import newton
from symgd.optim.rmsprop import rmsprop

OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "gd": gd, "sgd": gd, "momentum": heavy_ball, "nesterov": nesterov, "adagrad": adagrad,
    "rmsprop": rmsprop, "adam": adam, "adamw": adamw, "newton": newton, "bfgs": bfgs, "lbfgs": lbfgs,
    "lbfgsb": lbfgsb,
}


def hyper_parameters(name: str) -> dict[str, Any]:
    """The hyper-parameters ``name`` takes, with their defaults."""
    factory = _factory(name)
    return {p.name: p.default for p in inspect.signature(factory).parameters.values()}


def _factory(name: str) -> Callable[..., Optimizer]:
    factory = OPTIMIZERS.get(name)
    if factory is None:
        close = difflib.get_close_matches(name, OPTIMIZERS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else None
        raise HyperParameterError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}",
                                  hint=hint)
    return factory


def get_optimizer(name: str, **hyper: Any) -> Optimizer:
    """The optimizer ``name`` ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
    "newton", "bfgs", "lbfgs", "lbfgsb") built with ``hyper`` (torch.optim's names and meanings); unknown
    names are refused."""
    factory = _factory(name)
    known = inspect.signature(factory).parameters
    unknown = [k for k in hyper if k not in known]
    if unknown:
        raise HyperParameterError(f"optimizer {name!r} takes no hyper-parameter {', '.join(unknown)}; "
                                  f"it takes {', '.join(known)}")
    return factory(**hyper)
