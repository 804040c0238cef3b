"""The fitted curve of a one-input model, as arrays for a picture (drawn by ``symgd.report.plot``)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symgd.fit.data import as_source
from symgd.fit.model import build_model
from symgd.fit.result import FitResult
from symgd.codegen.data import compile_data


@dataclass(frozen=True)
class FitCurve:
    """The data of a one-input fit: input name, x, target, prediction at x, and on a fine grid."""

    input_name: str
    x: np.ndarray
    y: np.ndarray
    fitted: np.ndarray
    grid: np.ndarray
    fitted_grid: np.ndarray


def fitted_curve(res: FitResult, data: Any, columns: Sequence[str] | None = None) -> FitCurve | None:
    """The fitted curve over the data for a model with one input column held in memory; else None."""
    source = as_source(data, columns=columns)
    model = build_model(res.model, source.names, res.target, params=res.names)
    inputs = [d for d in model.prediction.free_symbols if d not in model.params]
    if len(inputs) != 1 or not source.in_memory:
        return None
    cols = source.arrays()
    x = cols[inputs[0].name]
    theta = res.x
    pred = compile_data(model.prediction, model.params, (inputs[0],))
    target = compile_data(model.target, model.params, model.data).bind(cols).sample_values(theta)
    grid = np.linspace(x.min(), x.max(), 400)
    with np.errstate(all="ignore"):
        fitted = pred.bind({inputs[0].name: x}).sample_values(theta)
        smooth = pred.bind({inputs[0].name: grid}).sample_values(theta)
    return FitCurve(inputs[0].name, x, target, fitted, grid, smooth)
