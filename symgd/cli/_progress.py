"""A rich progress bar for long descents and fits, shown only to a person at a terminal."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(label: str, total: int | None, *, enabled: bool = True
                 ) -> Iterator[Callable[[int, float], None] | None]:
    """Yield ``update(step, value)`` that moves a transient bar, or None when output is piped or not text."""
    if not enabled or not sys.stdout.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn
    bar = Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                   TextColumn("loss {task.fields[value]:.6g}"), transient=True)
    task = bar.add_task(label, total=total, value=float("nan"))
    with bar:
        yield lambda step, value: bar.update(task, completed=step, value=value)
