"""The records a descent returns: its history, and the result of ``minimize``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np


class HistoryRecord(NamedTuple):
    """One recorded iterate: step number, point (name -> value), value, gradient norm."""

    step: int
    x: dict[str, float]
    value: float
    grad_norm: float


@dataclass(frozen=True)
class MinimizeResult:
    """The outcome of a descent.

    ``status`` says why it stopped in one word: "gradient" or "value change" (converged), "budget",
    "diverged", "domain" (an iterate left the expression's domain), "stalled" (a line search found no
    step that lowers f, so the iterate stopped moving) or "callback". ``message`` says it
    in a sentence. For multi-start runs ``minima`` lists the distinct minima found, best first, each
    with ``count`` (how many starts reached it); ``x``/``fun`` are then the best. ``paths`` holds each
    start's recorded iterates as a ``(records, n)`` array (for plots); ``suggested_lr`` is set when a
    gradient descent diverged and the Hessian gives a safe rate. ``lr`` is the learning rate a first-order
    method ran with (given or derived; None for the line-search and trust-region methods) and ``notes``
    say what minimize chose on the caller's behalf (the derived lr, auto's method, a projected start).
    """

    x: dict[str, float]
    fun: float
    grad_norm: float
    nit: int
    converged: bool
    message: str
    status: str = ""
    history: tuple[HistoryRecord, ...] = ()
    minima: tuple["MinimizeResult", ...] = ()
    count: int = 1
    x0: dict[str, float] = field(default_factory=dict)
    optimizer: str = "gd"
    backend: str = "numpy"
    suggested_lr: float | None = None
    paths: tuple[np.ndarray, ...] = ()
    variables: tuple[str, ...] = ()
    expression: Any = None
    lr: float | None = None
    notes: tuple[str, ...] = ()

    @property
    def losses(self) -> np.ndarray:
        """The recorded values of ``history``, for a loss curve."""
        return np.array([r.value for r in self.history], dtype=float)
