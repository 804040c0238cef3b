"""The descent table and the result of ``minimize`` as terminal text (rich tables rendered to a string)."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table


#: About how many rows a summarised descent table shows (first rows, every k-th, last rows).
SUMMARY_ROWS = 25
_HEAD, _TAIL = 5, 5


@dataclass(frozen=True)
class Gap:
    """A "…" row of a summarised table: ``left_out`` recorded rows are not shown here; ``every``: the
    stride of the rows that follow (1: consecutive), ``total``: the rows left out in the whole table."""

    left_out: int
    every: int = 1
    total: int = 0

    def label(self) -> str:
        text = f"… {self.left_out} row{'' if self.left_out == 1 else 's'} left out"
        if self.every > 1:
            text += f", then one row in {self.every}"
        if self.total:
            text += f" ({self.total} left out in all; --full-table shows every row)"
        return text


def summary_indices(n: int, limit: int | None = SUMMARY_ROWS) -> list[int | Gap]:
    """Which of ``n`` recorded rows a table shows: all when they fit in ``limit`` (None: no limit),
    else the first few, every k-th (a whole stride, so the rows shown are exactly every k-th recorded
    one and none is skipped), and the last few, with a Gap row where the stride starts and ends."""
    if limit is None or n <= limit:
        return list(range(n))
    head = tail = max(1, min(_HEAD, limit // 4))
    every = max(2, -(-(n - head - tail) // max(1, limit - head - tail - 2)))
    middle = [i for i in range(head, n - tail) if i % every == 0]
    shown = [*range(head), *middle, *range(n - tail, n)]
    total = n - len(shown)
    out: list[int | Gap] = list(range(head))
    first = middle[0] if middle else n - tail
    if first > head:
        out.append(Gap(first - head, every if middle else 1, total))
    out += middle
    last = middle[-1] if middle else head - 1
    if n - tail - last > 1 and middle:
        out.append(Gap(n - tail - last - 1))
    return out + list(range(n - tail, n))


def _rows(history: Sequence[Any], max_rows: int | None) -> list[Any]:
    """The records (and Gap markers) a table of at most about ``max_rows`` rows shows."""
    return [item if isinstance(item, Gap) else history[item] for item in summary_indices(len(history), max_rows)]


def tex_number(value: float, precision: int = 6) -> str:
    """A number for LaTeX math: ``3.67 \\times 10^{-8}``, never ``3.67e-08`` (which math typesets
    as "e − 08"); inf and nan as words."""
    text = f"{value:.{precision}g}"
    if "inf" in text or "nan" in text:
        return {"inf": "\\infty", "-inf": "-\\infty"}.get(text, "\\text{nan}")
    mantissa, _, exponent = text.partition("e")
    if not exponent:
        return text
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else f"{mantissa} \\times {power}"


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


def format_descent_table(history: Sequence[Any], names: Sequence[str], *, max_rows: int | None = SUMMARY_ROWS,
                         precision: int = 6, width: int = 100) -> str:
    """The recorded iterates (step, point, value, gradient norm) as a table, summarised to about
    ``max_rows`` rows (None: every row)."""
    table = Table(title="descent", title_justify="left")
    table.add_column("step", justify="right")
    for name in names:
        table.add_column(name, justify="right")
    table.add_column("f", justify="right")
    table.add_column("|∇f|", justify="right")
    rows = _rows(history, max_rows)
    gaps = [r for r in rows if isinstance(r, Gap)]
    if gaps:  # the words go under the table, so the "…" rows stay as narrow as the numbers
        table.caption, table.caption_justify = gaps[0].label().lstrip("… "), "left"
    for record in rows:
        if isinstance(record, Gap):
            table.add_row("…", f"{record.left_out} rows", *[""] * (len(names) + 1))
            continue
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
