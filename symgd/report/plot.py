"""Pictures of a descent or a fit (matplotlib, the ``plot`` extra; Agg backend, files only).

- ``plot_descent``: for two variables the contour plot with the descent path(s); the loss curve (log
  scale) always. ``plot_minimize(result, file)`` draws it for a ``MinimizeResult``.
- ``plot_fit_curve``: for a one-input fit, the data with the fitted curve, the residuals, and the loss
  curve when given.
Functions take plain arrays, write the file (format from its suffix) and return its path; the file is
written whole or not at all (``symgd.report.files``), and ``check_plot_file`` refuses an unknown format
or a missing folder before a long run.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from symgd.errors import BackendUnavailableError, OutputError
from symgd.report.files import atomic_path, check_writable

#: Every figure's resolution; a panel is PANEL inches square-ish.
DPI = 100
PANEL = (5.0, 4.0)


def _pyplot() -> Any:
    try:
        import matplotlib
        matplotlib.use("Agg")  # files only: never open a window, work without a display
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise BackendUnavailableError("plots need matplotlib: pip install 'symgd[plot]'") from exc
    return plt


def _loss_panel(ax: Any, losses: np.ndarray, steps: np.ndarray | None,
                grad_norms: np.ndarray | None) -> None:
    """The loss on a log scale; values that reach 0 or below are drawn as f - min f."""
    steps = np.arange(len(losses)) if steps is None else np.asarray(steps)
    finite = losses[np.isfinite(losses)]
    shift = finite.min() if finite.size and finite.min() <= 0 else 0.0
    shown = losses - shift
    floor = max(np.abs(finite).max() * 1e-16, 1e-300) if finite.size else 1e-300
    label = "f" if shift == 0 else f"f - min f (min f = {shift:.6g})"
    ax.semilogy(steps, np.where(shown > 0, shown, floor), color="C0", label=label)
    if grad_norms is not None:
        norms = np.asarray(grad_norms, dtype=float)
        ax.semilogy(steps, np.where(norms > 0, norms, np.nan), color="C3", ls="--", label="|grad f|")
    ax.set_xlabel("step")
    ax.set_title("loss (log scale)")
    ax.legend(loc="best", fontsize="small")


def _box(paths: Sequence[np.ndarray], pad: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    points = np.concatenate([np.asarray(p, dtype=float).reshape(-1, 2) for p in paths])
    points = points[np.isfinite(points).all(axis=1)]
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 1e-3 * np.maximum(1.0, np.abs(hi)))
    return lo - pad * span, hi + pad * span


def _contour_panel(ax: Any, value_fn: Callable[[np.ndarray, np.ndarray], Any], names: Sequence[str],
                   paths: Sequence[np.ndarray], levels: int) -> None:
    """Filled contours of ``value_fn`` over the box the paths span, each path from o (start) to * (end)."""
    lo, hi = _box(paths)
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    with np.errstate(all="ignore"):
        z = np.broadcast_to(np.asarray(value_fn(gx, gy), dtype=float), gx.shape)
    z = np.where(np.isfinite(z), z, np.nan)
    ax.contourf(gx, gy, z, levels=levels, cmap="viridis", alpha=0.85)
    ax.contour(gx, gy, z, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
    for i, path in enumerate(paths):
        p = np.asarray(path, dtype=float).reshape(-1, 2)
        color = "C1" if i == 0 else "w"
        ax.plot(p[:, 0], p[:, 1], "-", color=color, lw=1.4 if i == 0 else 0.7, alpha=1 if i == 0 else 0.7)
        ax.plot(p[0, 0], p[0, 1], "o", color=color, ms=4)
        ax.plot(p[-1, 0], p[-1, 1], "*", color="r" if i == 0 else color, ms=9 if i == 0 else 5)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title("descent path" + ("s" if len(paths) > 1 else ""))


def check_plot_file(file: str | Path) -> tuple[Path, str]:
    """``file``'s path and image format (its suffix, else matplotlib's default), or an OutputError when
    matplotlib cannot write that format or the folder does not exist."""
    plt = _pyplot()
    from matplotlib.backend_bases import FigureCanvasBase
    path = check_writable(file)
    fmt = path.suffix[1:].lower() or str(plt.rcParams["savefig.format"])
    formats = FigureCanvasBase.get_supported_filetypes()
    if fmt not in formats:
        raise OutputError(f"cannot write {file}: matplotlib does not write {fmt!r} images; use one of "
                          f"{', '.join(sorted(formats))}")
    return path, fmt


def _save(fig: Any, plt: Any, file: str | Path) -> Path:
    try:
        path, fmt = check_plot_file(file)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=DPI, format=fmt)
    finally:
        plt.close(fig)
    return path


def plot_descent(file: str | Path, *, losses: Sequence[float], steps: Sequence[int] | None = None,
                 grad_norms: Sequence[float] | None = None, names: Sequence[str] = (),
                 paths: Sequence[np.ndarray] = (), value_fn: Callable[..., Any] | None = None,
                 title: str | None = None, levels: int = 30) -> Path:
    """Write the descent picture: contour + path(s) beside the loss curve when there are two variables
    (``names``), ``paths`` (``(k, 2)`` arrays, the first drawn highlighted) and ``value_fn(X, Y)``
    (vectorised over grids); else the loss curve alone."""
    plt = _pyplot()
    contour = len(names) == 2 and len(paths) > 0 and value_fn is not None
    cols = 2 if contour else 1
    fig, axes = plt.subplots(1, cols, figsize=(PANEL[0] * cols, PANEL[1]), squeeze=False)
    if contour:
        _contour_panel(axes[0, 0], value_fn, names, paths, levels)
    _loss_panel(axes[0, -1], np.asarray(losses, dtype=float), None if steps is None else np.asarray(steps),
                None if grad_norms is None else np.asarray(grad_norms))
    if title:
        fig.suptitle(title)
    return _save(fig, plt, file)


def plot_minimize(result: Any, file: str | Path, *, max_paths: int = 50) -> Path:
    """``plot_descent`` for a ``MinimizeResult`` (the best start's path first, then up to ``max_paths``)."""
    from symgd.codegen.api import compile as compile_expr
    names = list(result.variables)
    value_fn = None
    if len(names) == 2 and result.expression is not None:
        value_fn = compile_expr(result.expression, names, backend="numpy").value
    best = result.paths[0] if len(result.minima) == 0 else _best_path(result)
    others = [p for p in result.paths if p is not best][: max(0, max_paths - 1)]
    history = result.history
    return plot_descent(file, losses=[h.value for h in history], steps=[h.step for h in history],
                        grad_norms=[h.grad_norm for h in history], names=names, paths=[best, *others],
                        value_fn=value_fn, title=_title(result))


def _title(result: Any) -> str:
    """The optimizer and the first clause of the result's message."""
    first = result.message.split(". Best:")[0].split(";")[0]
    return f"{result.optimizer}: {first}" if len(first) < 100 else f"{result.optimizer}: {first[:97]}..."


def _best_path(result: Any) -> np.ndarray:
    """The path that ends at the best minimum (the result's own history)."""
    end = np.array([result.x[n] for n in result.variables])
    return min(result.paths, key=lambda p: float(np.abs(np.asarray(p)[-1] - end).sum()))


def plot_fit_curve(file: str | Path, *, x: Sequence[float], y: Sequence[float], fitted: Sequence[float],
                   grid: Sequence[float] | None = None, fitted_grid: Sequence[float] | None = None,
                   losses: Sequence[float] | None = None, input_name: str = "x", target_name: str = "y",
                   title: str | None = None) -> Path:
    """Write a one-input fit's picture: data with the fitted curve (``fitted_grid`` over ``grid`` when
    given, else ``fitted`` at ``x``), residuals y - fitted beneath, and the loss curve when given."""
    plt = _pyplot()
    x, y, fitted = (np.asarray(a, dtype=float) for a in (x, y, fitted))
    rows = 3 if losses is not None else 2
    fig, axes = plt.subplots(rows, 1, figsize=(PANEL[0] * 1.4, PANEL[1] * 0.8 * rows), squeeze=False)
    order = np.argsort(x)
    data_ax, resid_ax = axes[0, 0], axes[1, 0]
    data_ax.plot(x, y, ".", ms=3, color="C0", label="data")
    curve_x, curve_y = (x[order], fitted[order]) if grid is None else (np.asarray(grid), np.asarray(fitted_grid))
    data_ax.plot(curve_x, curve_y, "-", color="C1", label="fit")
    data_ax.set_ylabel(target_name)
    data_ax.legend(loc="best", fontsize="small")
    resid_ax.plot(x[order], (y - fitted)[order], ".", ms=3, color="C2")
    resid_ax.axhline(0.0, color="0.5", lw=0.8)
    resid_ax.set_xlabel(input_name)
    resid_ax.set_ylabel("residual")
    if losses is not None:
        _loss_panel(axes[2, 0], np.asarray(losses, dtype=float), None, None)
    if title:
        fig.suptitle(title)
    return _save(fig, plt, file)
