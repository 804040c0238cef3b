"""Closed-form least squares for models linear in their parameters.

For such a model the residual is r(θ) = r(0) + J θ with a Jacobian J that does not depend on θ, so the
least-squares answer is θ = lstsq(J, -r(0)). It is computed from the same chunk-reduced QR pieces as
the iterative methods (R θ = -Qᵀr(0), solved with numpy.linalg.lstsq), so it works on any data source.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symgd.fit.reduce import Objective


@dataclass(frozen=True)
class ClosedForm:
    """The closed-form parameters, their RSS and the numerical rank of the design matrix."""

    theta: np.ndarray
    rss: float
    rank: int


def closed_form(obj: Objective) -> ClosedForm:
    """Solve a linear-in-parameters least-squares fit directly (the model must be linear; see FitModel)."""
    p = len(obj.model.params)
    pieces = obj.pieces(np.zeros(p))
    theta, _, rank, _ = np.linalg.lstsq(pieces.R, -pieces.qtr, rcond=None)
    return ClosedForm(theta, obj.rss(theta), int(rank))
