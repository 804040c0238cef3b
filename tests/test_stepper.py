"""The shared descent driver on f(x) = ½·s·x², whose gradient descent iterates are known in closed form:
x_k = (1 - lr·s)^k · x_0 (the oracle)."""
import math

import numpy as np
import pytest

from symgd.loops.driver import run_steps


def _run(x0, lr, s=1.0, **loop):
    calls = {"value": 0}

    def value(snap, g):
        calls["value"] += 1
        return 0.5 * s * float(snap @ snap)
    out = run_steps(np.array(x0, dtype=float), grad=lambda x: s * x, update=lambda x, g, k: x - lr * g,
                    norm2=lambda g: g @ g, snapshot=np.copy, finite=lambda snap: bool(np.isfinite(snap).all()),
                    value=value, **loop)
    return out, calls["value"]


def test_max_steps_and_record_alignment():
    # rows every 3 steps (0, 3, 6, 9) and the end (10); the checks in between leave no rows
    out, values = _run([1.0, -2.0], lr=0.1, steps=10, check_every=4, record_every=3)
    assert out.status == "budget" and out.nit == 10
    np.testing.assert_allclose(out.x, 0.9**10 * np.array([1.0, -2.0]), rtol=1e-14)
    assert [row[0] for row in out.history] == [0, 3, 6, 9, 10]
    for k, snap, v, gn in out.history:
        np.testing.assert_allclose(snap, 0.9**k * np.array([1.0, -2.0]), rtol=1e-14)
        assert v == pytest.approx(0.5 * 5.0 * 0.81**k, rel=1e-13)
        assert gn == pytest.approx(math.sqrt(5.0) * 0.9**k, rel=1e-13)
    assert out.value == out.history[-1][2] and values == 5  # one value per row, none recomputed at the end


def test_converged_at_step_zero():
    out, _ = _run([0.0], lr=0.1, steps=100, tol=1e-12, check_every=7, record_every=5)
    assert out.status == "gradient" and out.nit == 0 and out.grad_norm == 0.0 and out.value == 0.0
    assert [row[0] for row in out.history] == [0]


def test_converges_on_the_first_check_below_tol():
    # |g_k| = 0.5^k·|x0|: below 1e-3 first at k = 10, but checked only at multiples of 4 -> stops at 12
    out, _ = _run([1.0], lr=0.5, steps=1000, tol=1e-3, check_every=4)
    assert out.status == "gradient" and out.nit == 12
    assert out.grad_norm == pytest.approx(0.5**12, rel=1e-14) and out.history == []


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_divergence_keeps_the_last_finite_check():
    # lr·s = 1e70: x_k = (1 - 1e70)^k; checked every 2 steps, |g|² = x_4² overflows -> back to step 2
    out, _ = _run([1.0], lr=1e70, steps=50, check_every=2, record_every=0)
    assert out.status == "diverged" and out.nit == 2
    np.testing.assert_allclose(out.x, [(1 - 1e70) ** 2], rtol=1e-14)
    assert out.value == pytest.approx(0.5 * (1 - 1e70) ** 4, rel=1e-12)
    assert out.grad_norm == pytest.approx((1 - 1e70) ** 2, rel=1e-14)


def test_nonfinite_start():
    out, values = _run([math.nan], lr=0.1, steps=5, record_every=1)
    assert out.status == "diverged" and out.nit == 0 and math.isnan(out.value) and math.isnan(out.grad_norm)
    # the row's value was computed once and found non-finite; the end row marks the start, unchecked
    assert values == 1 and len(out.history) == 1 and out.history[0][0] == 0 and math.isnan(out.history[0][2])
