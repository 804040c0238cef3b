"""Stage 4b: fitting model strings to data — least squares (LM, Gauss–Newton, closed form), any optimizer,
mini-batch SGD — with a report of standard errors, correlations and warnings.

>>> from symgd.fit import fit
>>> round(fit("a*x", {"x": [1, 2, 3], "y": [2, 4, 6]}).params["a"], 12)
2.0
"""
from __future__ import annotations

import sys
import types
from typing import Any

from symgd.fit.api import fit
from symgd.fit.result import FitResult

__all__ = ["FitResult", "fit"]


class _CallablePackage(types.ModuleType):
    """``symgd.fit`` is both this package and the public function: once the package is imported, Python
    binds the attribute ``symgd.fit`` to the package, so the package forwards calls to ``fit``."""

    def __call__(self, *args: Any, **kwargs: Any) -> FitResult:
        return fit(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
