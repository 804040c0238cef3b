"""FitResult: fitted parameters with standard errors, correlations, goodness of fit and warnings."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from symgd.fit.linear import ClosedForm
from symgd.fit.reduce import Objective
from symgd.fit.stopping import FitOutcome

AT_BOUND_RTOL = 1e-10
HIGH_CORRELATION = 0.999


@dataclass(frozen=True)
class FitResult:
    """The outcome of ``symgd.fit``; ``.report(fmt)`` renders it as text, Markdown or JSON.

    ``stderr`` are sqrt(diag((JᵀJ)⁻¹) · rss/(n-p)) from the residual Jacobian at the solution (NaN when
    the Jacobian is singular or n <= p); ``correlation`` is the matching correlation matrix.
    """

    model: str
    target: str
    method: str
    loss: str
    names: tuple[str, ...]
    params: dict[str, float]
    stderr: dict[str, float]
    init: dict[str, float]
    rss: float
    r2: float
    loss_value: float
    n: int
    nit: int
    nfev: int
    njev: int
    converged: bool
    message: str
    covariance: np.ndarray | None = None
    correlation: np.ndarray | None = None
    warnings: tuple[str, ...] = ()
    closed_form: dict[str, float] | None = None
    closed_form_rss: float | None = None
    history: tuple[float, ...] = field(default=(), repr=False)

    @property
    def x(self) -> np.ndarray:
        """The parameters as an array in ``names`` order."""
        return np.array([self.params[k] for k in self.names])

    @property
    def dof(self) -> int:
        return self.n - len(self.names)

    @property
    def redchi(self) -> float:
        return self.rss / self.dof if self.dof > 0 else float("nan")

    @property
    def aic(self) -> float:
        return _info(self, 2.0)

    @property
    def bic(self) -> float:
        return _info(self, float(np.log(self.n)))

    def report(self, fmt: str = "text", precision: int = 8, min_correl: float = 0.1) -> str:
        """The fit report (lmfit's fit_report layout) as "text", "markdown" or "json"."""
        from symgd.report.fit import render
        return render(self, fmt, precision, min_correl)

    def to_dict(self) -> dict[str, Any]:
        from symgd.report.fit import as_dict
        return as_dict(self)


def _info(res: FitResult, per_param: float) -> float:
    if res.rss <= 0 or res.n == 0:
        return float("-inf")
    return float(res.n * np.log(res.rss / res.n) + per_param * len(res.names))


def _covariance(R: np.ndarray, rss: float, dof: int) -> tuple[np.ndarray | None, str | None]:
    p = R.shape[1]
    rank = np.linalg.matrix_rank(R)
    if rank < p:
        return None, f"singular Jacobian (rank {rank} of {p}): the parameters are not all determined " \
                     "by the data, so no standard errors"
    if dof <= 0:
        return None, f"{p} parameters for {p + dof} data points: no degrees of freedom left for standard errors"
    rinv = np.linalg.inv(R)
    return rinv @ rinv.T * (rss / dof), None


def _bound_warnings(names, theta, box) -> list[str]:
    if box is None:
        return []
    out = []
    for name, value, lo, hi in zip(names, theta, *box):
        for side, edge in (("lower", lo), ("upper", hi)):
            if np.isfinite(edge) and abs(value - edge) <= AT_BOUND_RTOL * max(1.0, abs(edge)):
                out.append(f"{name} is at its {side} bound {edge:g}: its standard error is not meaningful")
    return out


def summarize(obj: Objective, outcome: FitOutcome, method: str, theta0: np.ndarray, *, box=None,
              closed: ClosedForm | None = None, extra_warnings: tuple[str, ...] = ()) -> FitResult:
    """Statistics at ``outcome.theta``: one more Jacobian reduction over the data, then small p x p algebra."""
    names = obj.model.names
    theta = np.asarray(outcome.theta, dtype=float)
    pieces = obj.pieces(theta)
    moments = obj.target_moments()
    cov, singular = _covariance(pieces.R, pieces.rss, obj.n - len(names))
    warnings = list(extra_warnings) + list(outcome.warnings)
    if not outcome.converged:
        warnings.append(f"the fit did not converge: {outcome.message}")
    if singular:
        warnings.append(singular)
    warnings += _bound_warnings(names, theta, box)
    se = np.sqrt(np.abs(np.diag(cov))) if cov is not None else np.full(len(names), np.nan)
    corr = None
    if cov is not None:
        with np.errstate(all="ignore"):
            corr = cov / np.outer(se, se)
        for i in range(len(names)):
            for j in range(i):
                if abs(corr[i, j]) > HIGH_CORRELATION:
                    warnings.append(f"{names[j]} and {names[i]} are almost fully correlated "
                                    f"({corr[i, j]:+.4f}): the data hardly tell them apart")
    r2 = 1.0 - pieces.rss / moments.m2 if moments.m2 > 0 else float("nan")
    return FitResult(
        model=obj.model.text, target=str(obj.model.target), method=method, loss=obj.model.loss, names=names,
        params=_by_name(names, theta), stderr=_by_name(names, se), init=_by_name(names, theta0),
        rss=pieces.rss, r2=float(r2), loss_value=obj.loss(theta), n=obj.n, nit=outcome.nit,
        nfev=outcome.nfev, njev=outcome.njev, converged=outcome.converged, message=outcome.message,
        covariance=cov, correlation=corr, warnings=tuple(warnings),
        closed_form=_by_name(names, closed.theta) if closed is not None else None,
        closed_form_rss=closed.rss if closed is not None else None, history=outcome.history)


def _by_name(names, values) -> dict[str, float]:
    return {n: float(v) for n, v in zip(names, values)}

