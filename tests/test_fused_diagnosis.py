"""A failed fused (or torch device) run words its own diagnosis: the array loop never runs again."""
import math

import pytest
import sympy

import symgd.optim.minimize as minimize_module
from symgd.optim.minimize import minimize

x, y = sympy.symbols("x y", real=True)

CASES = [  # (expression, start, lr, steps): each stops a different way under gd
    (x ** 2 + 2 * y ** 2, [1.0, 1.0], 0.6, 1000),  # iterates grow: diverged, safe rate from the Hessian
    (sympy.log(x), [1.0], 0.5, 10),  # 1 -> 0.5 -> -0.5: leaves the domain of log
    (sympy.exp(x) + sympy.exp(-x), [20.0], 1.0, 100),  # the value overflows
    (x ** 4, [3.0], 1.0, 100),  # the value grows past GROWTH before it overflows
]


def _array_loop(expr, start, lr, steps):
    return minimize(expr, start, lr=lr, steps=steps, backend="numpy")


def _forbid_array_loop(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the array loop ran again")
    monkeypatch.setattr(minimize_module, "descend", refuse)
    monkeypatch.setattr(minimize_module, "Problem", refuse)


@pytest.mark.parametrize("backend", ["python", "numba", "torch"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_a_failed_fused_run_says_what_the_array_loop_says_without_running_it(monkeypatch, backend, case):
    if backend != "python":
        pytest.importorskip(backend)
    expr, start, lr, steps = CASES[case]
    expected = _array_loop(expr, start, lr, steps)  # the independent path: numpy arrays, a test every step
    assert expected.status in ("diverged", "domain") and expected.backend == "numpy"
    _forbid_array_loop(monkeypatch)
    got = minimize(expr, start, lr=lr, steps=steps, backend=backend)
    assert got.backend == backend
    assert (got.status, got.nit, got.message) == (expected.status, expected.nit, expected.message)
    assert got.x == pytest.approx(expected.x) and got.suggested_lr == expected.suggested_lr
    assert got.fun == pytest.approx(expected.fun) and not got.converged


def test_the_diagnosis_names_the_closed_form_iterate(monkeypatch):
    """gd on x² + 2y² is x_k = (1 - 2 lr)^k, y_k = (1 - 4 lr)^k: the fused run returns iterate nit."""
    _forbid_array_loop(monkeypatch)
    r = minimize(x ** 2 + 2 * y ** 2, [1.0, 1.0], lr=0.6, steps=1000, backend="python")
    assert r.status == "diverged" and math.isfinite(r.fun)
    assert r.x["x"] == pytest.approx((1 - 1.2) ** r.nit) and r.x["y"] == pytest.approx((1 - 2.4) ** r.nit)
    curvature = max(abs(float(v)) for v in sympy.hessian(x ** 2 + 2 * y ** 2, (x, y)).eigenvals())
    assert r.suggested_lr == pytest.approx(1 / curvature)
