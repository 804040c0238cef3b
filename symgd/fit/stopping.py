"""Stopping rules and bounds shared by the least-squares methods (MINPACK lmder's meanings).

- ``ftol``: both the actual and the predicted relative reduction of the RSS in a step are below it;
- ``xtol``: the scaled step is below ``xtol`` times the scaled parameter vector;
- ``gtol``: the residual vector is orthogonal to every Jacobian column to within ``gtol`` (cosine);
- a budget of residual evaluations ``max_nfev``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from symgd.errors import DomainError, VariableError


@dataclass(frozen=True)
class FitOutcome:
    """What a fitting method returns: the final parameters and how it got there (a sentence, and the
    evaluation counts MINPACK reports). The descent loops' own record is ``loops.outcome.Outcome``;
    ``fit.descent`` and ``fit.minibatch`` turn it into this one."""

    theta: np.ndarray
    nit: int
    nfev: int
    njev: int
    converged: bool
    message: str
    history: tuple[float, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Tolerances:
    ftol: float = 1e-14
    xtol: float = 1e-14
    gtol: float = 1e-14
    max_nfev: int | None = None

    def budget(self, p: int) -> int:
        return self.max_nfev if self.max_nfev is not None else 200 * (p + 1)


def gradient_cosine(R: np.ndarray, qtr: np.ndarray, rss: float) -> float:
    """max_j |J_jᵀ r| / (|J_j| |r|): 0 at a stationary point whatever the parameters' scales."""
    if rss <= 0:
        return 0.0
    norms = np.linalg.norm(R, axis=0)
    jtr = np.abs(R.T @ qtr)
    with np.errstate(all="ignore"):
        cos = np.where(norms > 0, jtr / (norms * np.sqrt(rss)), 0.0)
    return float(np.max(cos, initial=0.0))


def small_step(step: np.ndarray, theta: np.ndarray, scale: np.ndarray, xtol: float) -> bool:
    return float(np.linalg.norm(scale * step)) <= xtol * (float(np.linalg.norm(scale * theta)) + xtol)


def _side(name: str, value, default: float) -> float:
    """One side of a bound: a real number, ±inf, or None (open: ``default``); NaN and text are refused."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or value != value:
        raise VariableError(f"the bound of {name} must be a number or None (open), got {value!r}")
    return float(value)


def bounds_arrays(names: Sequence[str], bounds: Mapping[str, tuple[float | None, float | None]] | None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """Lower and upper bound vectors in parameter order (±inf where a parameter or a side is open), or
    None when nothing is bounded. Each bound is a pair (low, high); None or ±inf leaves that side open."""
    if not bounds:
        return None
    if not isinstance(bounds, Mapping):
        raise VariableError(f"bounds must map parameter names to (low, high) pairs, got {type(bounds).__name__}")
    unknown = sorted(set(map(str, bounds)) - set(names))
    if unknown:
        raise VariableError(f"bounds for {', '.join(unknown)}, which are not parameters ({', '.join(names)})")
    pairs = {}
    for name, pair in bounds.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise VariableError(f"the bounds of {name} must be a pair (low, high), got {pair!r}")
        pairs[str(name)] = (_side(name, pair[0], -np.inf), _side(name, pair[1], np.inf))
    lo = np.array([pairs.get(n, (-np.inf, np.inf))[0] for n in names])
    hi = np.array([pairs.get(n, (-np.inf, np.inf))[1] for n in names])
    if np.any(lo >= hi):
        bad = next(n for n, a, b in zip(names, lo, hi) if a >= b)
        raise VariableError(f"the bounds of {bad} need low < high, got {pairs[bad]}")
    if np.isneginf(lo).all() and np.isposinf(hi).all():
        return None
    return lo, hi


def project(theta: np.ndarray, box: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    return theta if box is None else np.clip(theta, box[0], box[1])


def check_start(rss: float, where: str = "the start point") -> None:
    if not np.isfinite(rss):
        raise DomainError(f"the model is not defined at {where}: a residual is not a finite number",
                          hint="choose start values inside the model's domain (log, sqrt, division ...)")
