"""Compile a LaTeX document with pdflatex (skips when it is not installed): the test of a LaTeX write-up."""
import shutil
import subprocess

import pytest


def assert_compiles(tex: str, folder) -> None:
    """``tex`` compiles with pdflatex in ``folder`` (halting on the first error) into a non-empty PDF."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    (folder / "w.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "w.tex"], cwd=folder,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]
    assert (folder / "w.pdf").stat().st_size > 1000
