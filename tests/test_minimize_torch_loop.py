"""minimize(backend="torch"): one start runs as a device loop (gradient and rule on the device, the host
reads only at check points); its iterates are the NumPy array loop's, and a failure reports its own
diagnosis (tests/test_fused_diagnosis.py)."""
import pytest

torch = pytest.importorskip("torch")

import symgd  # noqa: E402
from symgd.loops import driver as stepper  # noqa: E402

CASES = [("sin(x**2+y**2)", {"x": 1.5, "y": 1.0}), ("(1-x)^2 + 100*(y-x^2)^2", {"x": -1.2, "y": 1.0})]


@pytest.mark.parametrize("f, x0", CASES)
@pytest.mark.parametrize("optimizer, lr", [("gd", 1e-3), ("momentum", 1e-3), ("adam", 1e-2), ("rmsprop", 1e-3)])
def test_torch_loop_iterates_equal_numpy_loop(f, x0, optimizer, lr):
    kw = dict(optimizer=optimizer, lr=lr, steps=300, tol=0.0, record_every=50)
    t = symgd.minimize(f, x0, backend="torch", **kw)
    n = symgd.minimize(f, x0, backend="numpy", **kw)
    assert t.backend == "torch" and t.nit == n.nit == 300
    assert list(t.x.values()) == pytest.approx(list(n.x.values()), rel=1e-10, abs=1e-12)
    assert t.fun == pytest.approx(n.fun, rel=1e-10, abs=1e-14)
    assert [h.step for h in t.history] == [h.step for h in n.history] == list(range(0, 301, 50))
    assert [h.value for h in t.history] == pytest.approx([h.value for h in n.history], rel=1e-10)


def test_host_reads_only_at_check_points(monkeypatch):
    """The driver's norm2 (the host read of the gradient) runs every check interval, not every step."""
    reads = []
    real = stepper.run_steps

    def counting(state, *, norm2, **kw):
        return real(state, norm2=lambda g: reads.append(1) or norm2(g), **kw)
    monkeypatch.setattr(stepper, "run_steps", counting)
    r = symgd.minimize("x^2 + 3*y^2", {"x": 1.0, "y": 1.0}, backend="torch", lr=1e-3, steps=1000, tol=0.0,
                       record_every=100)
    assert r.backend == "torch" and r.nit == 1000
    assert len(reads) == 11  # steps 0, 100, ..., 1000
    assert r.x["x"] == pytest.approx(0.998**1000, rel=1e-12) and r.x["y"] == pytest.approx(0.994**1000, rel=1e-12)


def test_torch_loop_float32_and_device():
    r = symgd.minimize("(x-3)^2 + (y+1)^2", {"x": 0.0, "y": 0.0}, backend="torch", device="cpu",
                       dtype=torch.float32, lr=0.1, steps=500, tol=1e-4)
    assert r.converged and r.backend == "torch"
    assert r.x["x"] == pytest.approx(3.0, abs=1e-4) and r.x["y"] == pytest.approx(-1.0, abs=1e-4)


def test_divergence_on_the_device_loop_says_what_the_array_loop_says():
    t = symgd.minimize("x^4", {"x": 3.0}, backend="torch", lr=1.0, steps=100)
    n = symgd.minimize("x^4", {"x": 3.0}, backend="numpy", lr=1.0, steps=100)
    assert not t.converged and t.status == n.status == "diverged"
    assert t.message == n.message and t.nit == n.nit
