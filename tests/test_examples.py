"""Every example script runs and reproduces the classic tutorial figures (issue 6).

The cubic fits are checked step by step against the same loop run with torch.optim (float64) from the
same start on the same data.
"""
import math
import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(name):
    return runpy.run_path(str(EXAMPLES / f"{name}.py"))["main"]()


def test_every_example_is_tested():
    tested = {"linear_regression", "cubic_sin", "legendre", "single_weight", "matrix_fit", "quickstart",
              "legendre_autograd"}
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested


def test_linear_regression_reaches_1_2_3(capsys):
    res = run("linear_regression")
    np.testing.assert_allclose([res.params["w1"], res.params["w2"], res.params["b"]], [1, 2, 3], atol=1e-5)
    assert "w1, w2, b" in capsys.readouterr().out


def _torch_cubic(start, optimizer, steps):
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(np.linspace(-math.pi, math.pi, 2000))
    y = torch.sin(x)
    x2, x3 = x ** 2, x ** 3  # the tutorial's features, computed once
    params = [torch.tensor(float(start[k]), dtype=torch.float64, requires_grad=True) for k in "abcd"]
    opt = optimizer(params)
    losses = []
    for _ in range(steps):
        a, b, c, d = params
        loss = (a + b * x + c * x2 + d * x3 - y).pow(2).sum()
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return np.array(losses), np.array([p.item() for p in params])


def test_cubic_sin_gd_and_rmsprop_match_torch_optim(capsys):
    torch = pytest.importorskip("torch")
    out = run("cubic_sin")
    gd, rms = out["gd"], out["rmsprop"]
    losses, final = _torch_cubic(out["start"], lambda p: torch.optim.SGD(p, lr=1e-6), 2000)
    np.testing.assert_allclose(gd.history[:2000], losses, rtol=1e-8)
    np.testing.assert_allclose(gd.x, final, rtol=1e-8, atol=1e-12)
    # RMSprop divides by sqrt(v): near a = c = 0 it amplifies rounding chaotically. torch against itself with
    # the start perturbed by 1e-15 (relative) parts by more than 1e-8 at step 726, so the iterates are
    # compared over the first 700 steps and the final losses to 1e-3.
    losses, _ = _torch_cubic(out["start"], lambda p: torch.optim.RMSprop(p, lr=1e-3), 700)
    np.testing.assert_allclose(rms.history[:700], losses, rtol=1e-8)
    assert rms.history[-1] < 9
    assert rms.history[-1] == pytest.approx(8.9068, rel=1e-3)  # torch.optim.RMSprop's loss after 2000 steps
    assert "RMSprop: loss" in capsys.readouterr().out


def test_legendre_definition_model():
    res = run("legendre")
    assert res.names == ("a", "b", "c", "d")
    assert res.history[-1] < 9
    assert len(res.history) == 2001


def test_single_weight_fits():
    out = run("single_weight")
    assert out["W"].params["W"] == pytest.approx(1.0, abs=1e-4)
    assert out["W"].nit == 10
    assert out["Wb"].params["W"] == pytest.approx(1.0, abs=0.01)
    assert out["Wb"].params["b"] == pytest.approx(0.0, abs=0.02)


def test_matrix_fit_until_loss_below_1e5():
    out = run("matrix_fit")
    res = out["result"]
    assert res.history[-1] < 1e-5 <= res.history[-2]
    assert np.mean((out["W"] - out["T"]) ** 2) < 1e-5


def test_quickstart():
    out = run("quickstart")
    assert out["exp"].converged
    assert out["exp"].params["A"] == pytest.approx(2.5, abs=0.05)
    assert out["line"].params["b"] == pytest.approx(3.0, rel=1e-12)


def _tutorial_legendre3():
    """The PyTorch tutorial's hand-written LegendrePolynomial3 autograd Function."""
    torch = pytest.importorskip("torch")

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def test_legendre_autograd_matches_the_hand_written_function(capsys):
    hand = _tutorial_legendre3()
    ns = runpy.run_path(str(EXAMPLES / "legendre_autograd.py"))
    losses, params = ns["main"]()
    want_losses, want_params = ns["train"](hand)
    assert len(losses) == 2000
    np.testing.assert_allclose(losses, want_losses, rtol=1e-10)
    np.testing.assert_allclose(params, want_params, rtol=1e-9, atol=1e-12)
    # the tutorial's published result: y = -6.7e-10 - 2.2085 P3(1.2e-10 + 0.2555 x)
    assert params[1] == pytest.approx(-2.208527, abs=1e-5) and params[3] == pytest.approx(0.255486, abs=1e-5)
    assert "P3(" in capsys.readouterr().out
