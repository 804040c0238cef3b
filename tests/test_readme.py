"""The README's two set-up commands: CI runs exactly the test command."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_quick_start_has_the_two_commands():
    blocks = _bash_blocks()
    assert 'symgd solve "sin(x**2+y**2)"' in blocks[0]
    assert "pytest" in blocks[1] and "torch==2.13.0" in blocks[1]


def test_ci_runs_the_readme_test_command():
    test_command = _bash_blocks()[1].strip()
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    # before it, only the step that installs the system programs the README names
    assert ci_lines == ["bash .ci/system-packages", test_command]
    named = (ROOT / ".ci" / "system-packages").read_text()
    readme = (ROOT / "README.md").read_text()
    assert all(pkg in named and pkg in readme for pkg in ("graphviz", "texlive-latex-base"))


def test_library_tour_descends_from_every_start(monkeypatch):
    """Every minimize call of the README's library tour starts away from its minimum and converges (an
    example that "converges after 0 steps" shows nothing)."""
    import symgd
    block = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)[0]
    results = []
    real = symgd.minimize

    def recording(*args, **kwargs):
        results.append(real(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(symgd, "minimize", recording)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # our own file, not user text
    assert len(results) >= 3
    for result in results:
        assert result.converged, result.message
        assert result.nit > 0, result.message
