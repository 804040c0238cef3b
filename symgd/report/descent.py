"""The descent table and the result of ``minimize`` as terminal text (rich tables rendered to a string)."""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


def _rows(history: Sequence[Any], max_rows: int) -> list[Any]:
    """At most ``max_rows`` records, always keeping the first and the last."""
    if len(history) <= max_rows:
        return list(history)
    stride = (len(history) - 1) / (max_rows - 1)
    picked = sorted({round(i * stride) for i in range(max_rows)})
    return [history[i] for i in picked]


def format_value(value: Any, precision: int = 6) -> str:
    """A number, or a vector (from indexed sums) as its first and last entries and its length."""
    if isinstance(value, (list, tuple)):
        shown = [f"{v:.{precision}g}" for v in value]
        if len(shown) > 4:
            shown = [*shown[:2], "…", shown[-1]]
        return f"[{', '.join(shown)}]" + (f" (n={len(value)})" if len(value) > 4 else "")
    return f"{value:.{precision}g}"


def _render(table: Table, width: int) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, legacy_windows=False).print(table)
    return buffer.getvalue().rstrip("\n")


def format_descent_table(history: Sequence[Any], names: Sequence[str], *, max_rows: int = 12,
                         precision: int = 6, width: int = 100) -> str:
    """The recorded iterates (step, point, value, gradient norm) as a table, thinned to ``max_rows``."""
    table = Table(title="descent", title_justify="left")
    table.add_column("step", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("f", justify="right")
    table.add_column("|∇f|", justify="right")
    for record in _rows(history, max_rows):
        table.add_row(str(record.step), *(format_value(record.x[n], precision) for n in names),
                      f"{record.value:.{precision}g}", f"{record.grad_norm:.3g}")
    return _render(table, width)


def format_result(result: Any, *, precision: int = 10) -> str:
    """Where the descent ended, the value there, the gradient norm, and why it stopped."""
    point = ", ".join(f"{n} = {format_value(v, precision)}" for n, v in result.x.items())
    lines = [f"result: {point}",
             f"  f = {result.fun:.{precision}g}   |∇f| = {result.grad_norm:.3g}   steps = {result.nit}",
             f"  {result.message}"]
    if getattr(result, "suggested_lr", None):
        lines.append(f"  a safe learning rate here is about {result.suggested_lr:.3g}")
    return "\n".join(lines)


def format_minima(result: Any, *, precision: int = 8, width: int = 100) -> str:
    """The distinct minima of a multi-start run, best first, with how many starts reached each."""
    names = list(result.x)
    table = Table(title=f"minima found ({len(result.minima)})", title_justify="left")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("f", justify="right")
    table.add_column("starts", justify="right")
    for m in result.minima:
        table.add_row(*(f"{m.x[n]:.{precision}g}" for n in names), f"{m.fun:.{precision}g}", str(m.count))
    return _render(table, width)
