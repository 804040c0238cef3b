"""codegen.backends: the one table of auto choices."""
import numpy as np
import pytest

from symgd.codegen import backends


def test_per_call_choice():
    assert backends.for_call((1.0, 2)) == "python"
    assert backends.for_call((np.float64(1.0),)) == "python"
    assert backends.for_call((np.ones(3), 1.0)) == "numpy"
    torch = pytest.importorskip("torch")
    assert backends.for_call((torch.ones(3), 1.0)) == "torch"


def test_loop_choices(monkeypatch):
    monkeypatch.setattr(backends, "has_numba", lambda: True)
    assert backends.for_fused_loop(10, 100) == "python"          # 60 µs of Python: not worth a compile
    assert backends.for_fused_loop(10, 10_000_000) == "numba"
    assert backends.for_vector_loop(1999) == "numpy" and backends.for_vector_loop(2000) == "numba"
    assert backends.for_data_loop(200_000, 10_000, False) == "numba"
    assert backends.for_data_loop(200_000, 10_000, True) == "numpy"  # per-sample exp: NumPy's is faster
    monkeypatch.setattr(backends, "has_numba", lambda: False)
    assert backends.for_fused_loop(10, 10_000_000) == "python" and backends.for_vector_loop(10**6) == "numpy"


def test_which_loop_runs(monkeypatch):
    """The loop decisions every caller asks for: an explicit backend is obeyed, auto follows the table."""
    monkeypatch.setattr(backends, "has_numba", lambda: True)
    assert backends.array_library("torch") == "torch"
    assert [backends.array_library(b) for b in ("auto", "numpy", "python", "numba")] == ["numpy"] * 4
    assert backends.fused_loop("numpy", 10, 10) is None and backends.fused_loop("torch", 10, 10) is None
    assert backends.fused_loop("python", 10, 10**9) == "python"
    assert backends.fused_loop("auto", 10, 10_000_000) == "numba"
    assert backends.vector_loop("numba", 1) == "numba" and backends.vector_loop("torch", 1) == "numpy"
    data = dict(on_torch=False, quadratic=False, numba_pays=True)
    assert backends.data_loop("auto", **data) == "numba"
    assert backends.data_loop("auto", **{**data, "numba_pays": False}) == "numpy"
    assert backends.data_loop("auto", **{**data, "quadratic": True}) == "fused"
    assert backends.data_loop("numpy", **{**data, "quadratic": True}) == "numpy"
    assert backends.data_loop("auto", **{**data, "on_torch": True}) == "torch"


@pytest.mark.parametrize("bad", ["cuda", "", "NUMPY", "numpy; import os"])
def test_an_unknown_backend_is_refused(bad):
    from symgd.errors import CompileError
    with pytest.raises(CompileError, match="unknown backend"):
        backends.array_library(bad)
