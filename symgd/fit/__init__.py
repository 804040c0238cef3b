"""Stage 4b: fitting model strings to data — least squares (LM, Gauss–Newton, closed form), any optimizer,
mini-batch SGD — with a report of standard errors, correlations and warnings.

>>> from symgd.fit import fit
>>> round(fit("a*x", {"x": [1, 2, 3], "y": [2, 4, 6]}).params["a"], 12)
2.0
"""
from __future__ import annotations

from symgd.fit.api import fit
from symgd.fit.result import FitResult

__all__ = ["FitResult", "fit"]
