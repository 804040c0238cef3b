"""The progress bar: shown at a terminal, silent when piped or with JSON output."""
import io

from symgd.cli import _progress
from symgd.cli._progress import progress_bar


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_piped_output_gets_no_bar():
    with progress_bar("descent", 10) as update:  # pytest captures stdout: not a terminal
        assert update is None


def test_disabled_for_machine_formats_even_at_a_terminal(monkeypatch):
    monkeypatch.setattr(_progress.sys, "stdout", _Terminal())
    with progress_bar("descent", 10, enabled=False) as update:
        assert update is None


def test_terminal_gets_a_bar_that_counts(monkeypatch):
    from rich import progress as rich_progress
    seen = {}
    real = rich_progress.Progress

    class Recording(real):
        def update(self, task_id, **fields):
            seen.update(fields)
            return super().update(task_id, **fields)

    monkeypatch.setattr(rich_progress, "Progress", Recording)
    monkeypatch.setattr(_progress.sys, "stdout", _Terminal())
    with progress_bar("descent", 10) as update:
        update(7, 0.25)
    assert seen == {"total": 10, "completed": 7, "status": "7/10 loss 0.25"}


def test_bar_pulses_until_the_first_update(monkeypatch):
    """A fused loop reports only at its end: until then the bar has no total (rich pulses it) and says the
    run is going, instead of a frozen "0/200000 loss nan"."""
    from rich import progress as rich_progress
    tasks = []
    real = rich_progress.Progress

    class Recording(real):
        def add_task(self, description, **fields):
            tasks.append(fields)
            return super().add_task(description, **fields)

    monkeypatch.setattr(rich_progress, "Progress", Recording)
    monkeypatch.setattr(_progress.sys, "stdout", _Terminal())
    with progress_bar("descent", 200000):
        pass
    assert tasks == [{"total": None, "status": "running 200000 steps…"}]
