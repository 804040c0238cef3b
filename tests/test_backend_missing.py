"""Optional backends asked for without their package: a clear message, never an ImportError traceback."""
import sys

import pytest

import symgd
from symgd.cli import main
from symgd.errors import BackendUnavailableError


@pytest.fixture
def without(monkeypatch):
    """Make `import NAME` fail as it does where the package is not installed."""
    def hide(name):
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            monkeypatch.delitem(sys.modules, module)
        monkeypatch.setitem(sys.modules, name, None)
    return hide


def test_torch_backend_without_torch_says_how_to_install(without):
    without("torch")
    with pytest.raises(BackendUnavailableError) as info:
        symgd.compile("x**2", backend="torch").grad(1.0)
    assert isinstance(info.value, ImportError)
    assert "PyTorch" in str(info.value) and "pip install 'symgd[torch]'" in str(info.value)


def test_numba_backend_without_numba_says_how_to_install(without):
    without("numba")
    with pytest.raises(BackendUnavailableError, match=r"symgd\[fast\]"):
        symgd.compile("x**2", backend="numba").grad(1.0)


def test_cli_torch_without_torch_is_a_message_not_a_traceback(without, capsys):
    without("torch")
    assert main(["compile", "sin(x)", "--backend", "torch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the torch backend needs PyTorch") and "Traceback" not in err


def test_numpy_backend_works_without_torch(without):
    without("torch")
    assert symgd.compile("x**3", backend="numpy").grad(2.0) == (12.0,)
