"""Pictures of a fit (matplotlib, the ``plot`` extra): the loss curve, and for a one-input model the data
with the fitted curve and the residuals beneath. Writes a file; returns its path."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from symgd.errors import BackendUnavailableError
from symgd.fit.data import as_source
from symgd.fit.model import build_model
from symgd.fit.result import FitResult
from symgd.numeric.bound import compile_data


def _pyplot() -> Any:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise BackendUnavailableError("plots need matplotlib: pip install 'symgd[plot]'") from exc
    return plt


def _curve(res: FitResult, data: Any) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(input name, x, target, prediction at x, a fine grid's (x, prediction)) for a one-input model."""
    source = as_source(data)
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
    return inputs[0].name, x, target, fitted, np.vstack([grid, smooth])


def plot_fit(res: FitResult, data: Any, path: str | Path) -> Path:
    """Save the fit's picture to ``path`` (format from the suffix): loss curve always; data, fitted
    curve and residuals when the model has one input column."""
    plt = _pyplot()
    curve = _curve(res, data)
    rows = 3 if curve else 1
    fig, axes = plt.subplots(rows, 1, figsize=(7, 3.2 * rows), squeeze=False)
    ax = axes[0, 0]
    history = np.asarray(res.history, dtype=float)
    ax.semilogy(np.arange(len(history)), np.where(history > 0, history, np.nan), color="C0")
    ax.set_xlabel("iteration" if res.method in ("lm", "gauss-newton") else "step")
    ax.set_ylabel("RSS" if res.method in ("lm", "gauss-newton", "linear") else f"loss ({res.loss})")
    ax.set_title(f"{res.target} ~ {res.model}  [{res.method}]")
    if curve:
        name, x, y, fitted, (grid, smooth) = curve
        order = np.argsort(x)
        axes[1, 0].plot(x, y, ".", ms=3, color="C0", label="data")
        axes[1, 0].plot(grid, smooth, "-", color="C1", label="fit")
        axes[1, 0].set_ylabel(res.target)
        axes[1, 0].legend()
        axes[2, 0].plot(x[order], (y - fitted)[order], ".", ms=3, color="C2")
        axes[2, 0].axhline(0.0, color="0.5", lw=0.8)
        axes[2, 0].set_xlabel(name)
        axes[2, 0].set_ylabel("residual")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
