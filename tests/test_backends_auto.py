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
