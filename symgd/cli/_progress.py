"""A rich progress bar for long descents and fits, shown only to a person at a terminal."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(label: str, total: int | None, *, enabled: bool = True
                 ) -> Iterator[Callable[[int, float], None] | None]:
    """Yield ``update(step, value)`` that moves a transient bar, or None when output is piped or not text.

    The bar pulses, with the time elapsed, until the first update: a compiled (fused) loop reports only
    at its end, and a bar frozen at "0/200000 loss nan" for the whole run looked like a hang."""
    if not enabled or not sys.stdout.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    bar = Progress(TextColumn(label), BarColumn(), TextColumn("{task.fields[status]}"), TimeElapsedColumn(),
                   transient=True)
    steps = f" {total} steps" if total else ""
    task = bar.add_task(label, total=None, status=f"running{steps}…")

    def update(step: int, value: float) -> None:
        bar.update(task, total=total, completed=step, status=f"{step}/{total} loss {value:.6g}")

    with bar:
        yield update
