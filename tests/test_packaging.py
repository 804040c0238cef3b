"""The wheel ships the grammar; installed into a fresh virtual environment, `symgd solve` works."""
import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True)
    (path,) = out.glob("symgd-*.whl")
    return path


def test_wheel_contains_the_grammar(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "symgd/grammar/symgd.lark" in names
    # the web page's templates and script travel in the wheel (symgd serve works from an install)
    assert {"symgd/web/templates/page.html", "symgd/web/static/page.js", "symgd/web/static/page.css"} <= set(names)
    assert "symgd/cli/__init__.py" in names


def test_wheel_in_a_fresh_venv_solves(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True)
    # Run from an empty folder so the source tree cannot be imported by accident.
    probe = ("import symgd; from importlib import resources; "
             "g = resources.files('symgd') / 'grammar' / 'symgd.lark'; "
             "print(symgd.__file__, g.is_file(), symgd.parse('2x^2'))")
    where = subprocess.run([str(py), "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                           check=True).stdout.split()
    assert str(env_dir) in where[0]  # the installed copy, not the source tree
    assert where[1:] == ["True", "2*x**2"]  # the grammar shipped inside the wheel is the one used
    done = subprocess.run([str(env_dir / "bin" / "symgd"), "solve", "(x-3)^2 + 2*(y+1)^2", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert abs(result["x"]["x"] - 3) < 1e-6 and abs(result["x"]["y"] + 1) < 1e-6
