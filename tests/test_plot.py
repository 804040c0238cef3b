"""Plots render to real PNG files of the expected size (matplotlib, the plot extra)."""
import struct
import sys

import numpy as np
import pytest
import sympy

pytest.importorskip("matplotlib")

from symgd.errors import BackendUnavailableError  # noqa: E402
from symgd.optim.minimize import minimize  # noqa: E402
from symgd.report import plot  # noqa: E402

x, y = sympy.symbols("x y")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    """Width and height from the PNG header (IHDR), read independently of matplotlib."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _check(path, width, height):
    assert path.exists() and path.stat().st_size > 10_000  # a drawing, not an empty canvas
    assert _png_size(path) == (width, height)


def test_two_variable_descent_draws_contour_and_loss(tmp_path):
    r = minimize((x - 1) ** 2 + 3 * (y + 2) ** 2 + x * y, [3.0, 2.0], lr=0.05, steps=500, record_every=1)
    out = plot.plot_minimize(r, tmp_path / "descent.png")
    _check(out, int(2 * plot.PANEL[0] * plot.DPI), int(plot.PANEL[1] * plot.DPI))


def test_multistart_draws_every_path(tmp_path):
    himmelblau = (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2
    r = minimize(himmelblau, starts=8, seed=0, lr=0.01, steps=500)
    out = plot.plot_minimize(r, tmp_path / "many.png")
    _check(out, int(2 * plot.PANEL[0] * plot.DPI), int(plot.PANEL[1] * plot.DPI))


def test_one_variable_and_negative_values_draw_the_loss_alone(tmp_path):
    r = minimize(sympy.sin(x), [1.0], lr=0.1, steps=300)  # values reach -1: drawn as f - min f
    out = plot.plot_minimize(r, tmp_path / "loss.png")
    _check(out, int(plot.PANEL[0] * plot.DPI), int(plot.PANEL[1] * plot.DPI))


def test_fit_curve_with_residuals_and_loss(tmp_path):
    t = np.linspace(-np.pi, np.pi, 300)
    fitted = t - t ** 3 / 6
    out = plot.plot_fit_curve(tmp_path / "fit.png", x=t, y=np.sin(t), fitted=fitted,
                              losses=np.geomspace(50, 0.1, 40), input_name="x", target_name="y")
    _check(out, int(plot.PANEL[0] * 1.4 * plot.DPI), int(plot.PANEL[1] * 0.8 * 3 * plot.DPI))
    out = plot.plot_fit_curve(tmp_path / "fit2.png", x=t, y=np.sin(t), fitted=fitted,
                              grid=np.linspace(-4, 4, 50), fitted_grid=np.linspace(-4, 4, 50))
    _check(out, int(plot.PANEL[0] * 1.4 * plot.DPI), int(plot.PANEL[1] * 0.8 * 2 * plot.DPI))


def test_missing_matplotlib_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    with pytest.raises(BackendUnavailableError, match="symgd\\[plot\\]"):
        plot.plot_descent(tmp_path / "x.png", losses=[1.0, 0.5])
