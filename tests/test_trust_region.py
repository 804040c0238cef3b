"""Trust-region Newton (symgd.optim.trust_region, newton's default): the subproblem's solution satisfies the
Moré–Sorensen optimality conditions, steps are not capped on badly scaled problems, saddles are left along
negative curvature, and a start stops honestly where float64 cannot lower f any further."""
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
import sympy

import symgd
from symgd.optim import HyperParameterError, get_optimizer
from symgd.optim.trust_region import eigen, solve_subproblem


def _solve(hess: np.ndarray, grad: np.ndarray, radius: float) -> tuple[np.ndarray, float]:
    lam, vec, _ = eigen(hess[None])
    step = solve_subproblem(lam, vec, np.einsum("rji,rj->ri", vec, grad[None]), np.array([radius]))
    return step.p[0], float(step.predicted[0])


def _kkt(hess: np.ndarray, grad: np.ndarray, radius: float, p: np.ndarray) -> None:
    """The global minimiser of gᵀp + ½pᵀHp in ‖p‖ ≤ Δ: (H + μI)p = -g with μ ≥ 0, H + μI positive
    semidefinite and μ(Δ - ‖p‖) = 0 (Moré & Sorensen 1983; the solver stops within 1% of the boundary)."""
    n = len(grad)
    norm = np.linalg.norm(p)
    assert norm <= 1.01 * radius
    residual = -grad - hess @ p
    if norm < 0.99 * radius:  # interior: the Newton step of a positive semidefinite H
        assert np.linalg.norm(residual) <= 1e-8 * (1 + np.linalg.norm(grad))
        assert np.linalg.eigvalsh(hess).min() >= -1e-10
        return
    mu = float(residual @ p) / float(p @ p)  # the multiplier that best explains the step
    assert mu >= -1e-8
    assert np.linalg.norm(residual - mu * p) <= 1e-6 * (1 + np.linalg.norm(grad) + abs(mu) * norm)
    assert np.linalg.eigvalsh(hess + mu * np.eye(n)).min() >= -1e-8 * (1 + abs(mu))


def _model(hess, grad, p):
    return float(grad @ p + 0.5 * p @ hess @ p)


@pytest.mark.parametrize("seed", range(40))
def test_the_subproblem_step_is_the_global_minimiser_of_the_model(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    a = rng.normal(size=(n, n))
    hess = (a + a.T) / 2 if seed % 2 else a @ a.T + 0.1 * np.eye(n)  # indefinite or positive definite
    grad = rng.normal(size=n) * 10.0 ** rng.integers(-3, 3)
    radius = float(10.0 ** rng.uniform(-2, 2))
    p, predicted = _solve(hess, grad, radius)
    _kkt(hess, grad, radius, p)
    assert predicted == pytest.approx(-_model(hess, grad, p), rel=1e-9, abs=1e-12)
    # no point of the ball does better (scipy's SLSQP from many starts as the second oracle)
    ball = {"type": "ineq", "fun": lambda q: radius ** 2 - q @ q}
    for k in range(3):
        q0 = rng.normal(size=n)
        q0 *= 0.9 * radius / np.linalg.norm(q0)
        other = scipy.optimize.minimize(lambda q: _model(hess, grad, q), q0, constraints=[ball], method="SLSQP")
        if np.linalg.norm(other.x) <= radius * (1 + 1e-9):
            assert _model(hess, grad, p) <= other.fun + 1e-6 * (1 + abs(other.fun))


def test_the_hard_case_reaches_the_boundary_along_the_lowest_eigenvector():
    hess = np.diag([-2.0, 1.0, 3.0])
    grad = np.array([0.0, 1.0, 1.0])  # nothing along the negative-curvature direction
    p, _ = _solve(hess, grad, 2.0)
    assert np.linalg.norm(p) == pytest.approx(2.0, rel=1e-12)
    _kkt(hess, grad, 2.0, p)
    assert abs(p[0]) > 1.0


def test_a_long_newton_step_is_taken_whole():
    """The eigenvalue floor shortened steps on badly scaled problems; the trust region takes H⁻¹g whole."""
    hess = np.diag([1e-8, 1.0])
    grad = np.array([-1e-2, 1.0])
    p, _ = _solve(hess, grad, 1e9)
    np.testing.assert_allclose(p, -np.linalg.solve(hess, grad), rtol=1e-12)


BADLY_SCALED = [
    ("Brown badly scaled", "(x - 10^6)^2 + (y - 2*10^(-6))^2 + (x*y - 2)^2", {"x": 1, "y": 1}),
    ("Powell badly scaled", "(10^4*x*y - 1)^2 + (exp(-x) + exp(-y) - 1.0001)^2", {"x": 0, "y": 1}),
]


@pytest.mark.parametrize("name, f, x0", BADLY_SCALED, ids=[b[0] for b in BADLY_SCALED])
def test_badly_scaled_problems_reach_their_minimum(name, f, x0):
    """Brown's x crept ~200 per step toward 1e6 under the eigenvalue floor; now a few dozen steps."""
    r = symgd.minimize(f, x0, optimizer="newton", steps=300)
    x, y = sympy.symbols("x y")
    value = float(symgd.parse(f).subs({x: r.x["x"], y: r.x["y"]}))
    assert value <= 1e-20 and r.nit < 150
    exact = scipy.optimize.least_squares  # the residuals' own minimiser as the oracle for the point
    if name.startswith("Brown"):
        assert r.x["x"] == pytest.approx(1e6, rel=1e-12) and r.x["y"] == pytest.approx(2e-6, rel=1e-9)
    else:
        res = exact(lambda v: [1e4 * v[0] * v[1] - 1, np.exp(-v[0]) + np.exp(-v[1]) - 1.0001], [0, 1],
                    method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15)
        assert (r.x["x"], r.x["y"]) == pytest.approx(tuple(res.x), rel=1e-6)


def test_a_saddle_with_zero_gradient_is_left_along_negative_curvature():
    f = "x^2 - y^2 + y^4"
    r = symgd.minimize(f, {"x": 1, "y": 0}, optimizer="newton", steps=100)  # ∂f/∂y = 0 all along y = 0
    x, y = sympy.symbols("x y")
    expr = symgd.parse(f)
    minima = [s for s in sympy.solve([expr.diff(x), expr.diff(y)], [x, y], dict=True)
              if sympy.hessian(expr, (x, y)).subs(s).is_positive_definite]
    assert r.converged
    assert any(abs(r.x["x"] - float(m[x])) < 1e-9 and abs(r.x["y"] - float(m[y])) < 1e-9 for m in minima)


def _mgh(number: int, n: int):
    sys.path.insert(0, str(Path(__file__).parent))
    from suites.mgh import PROBLEMS, reached
    return next(p for p in PROBLEMS if p.number == number and p.n == n), reached


def test_an_unreachable_tolerance_stops_early_and_says_so():
    """Meyer's Hessian spans 16 decades at its minimum: no float64 step gets the gradient to 1e-8. Newton
    stops (stalled) a few steps after reaching the minimum, not at the budget, and says which tol failed."""
    p, reached = _mgh(10, 3)
    r = symgd.minimize(p.objective, p.start, optimizer="newton", steps=10_000)
    assert r.status == "stalled" and not r.converged and r.nit < 400
    value = float(np.sum([float(symgd.parse(res).subs({sympy.Symbol(k): v for k, v in r.x.items()})) ** 2
                          for res in p.residuals]))
    assert reached(value, p)
    assert "tol=1e-08" in r.message and "float64" in r.message and "larger tol" in r.message


def test_chebyquad_converges_in_a_few_steps():
    """It once spent 40 s chasing tol: the short last Newton steps are now judged by the gradient."""
    p, reached = _mgh(35, 8)
    r = symgd.minimize(p.objective, p.start, optimizer="newton", steps=10_000)
    assert r.converged and r.nit < 50 and reached(r.fun, p)


def test_steps_below_the_values_rounding_are_judged_by_the_gradient():
    """1e10·(eˣ - 2x): values tell x from ln 2 only to ~1e-13; the gradient takes it to the last bit."""
    r = symgd.minimize("1e10*(exp(x) - 2*x) + (y + 1)^2", {"x": 0, "y": 0}, optimizer="newton", steps=100)
    assert r.converged and r.x["x"] == pytest.approx(float(sympy.log(2)), rel=4e-16)


def test_many_starts_run_batched_and_agree_with_single_runs():
    f = "(x^2 - 1)^2 + (y - x)^2"
    starts = np.array([[2.0, 0.5], [-1.5, 1.0], [0.3, -2.0], [5.0, 5.0]])
    batched = symgd.minimize(f, starts=starts, optimizer="newton", steps=200)
    ends = {(round(m.x["x"], 9), round(m.x["y"], 9)) for m in batched.minima}
    for start in starts:
        single = symgd.minimize(f, {"x": start[0], "y": start[1]}, optimizer="newton", steps=200)
        assert (round(single.x["x"], 9), round(single.x["y"], 9)) in ends
    assert ends <= {(1.0, 1.0), (-1.0, -1.0), (0.0, 0.0)}


def test_the_line_search_newton_is_still_there():
    r = symgd.minimize("(x-1)^2 + 100*(y-x^2)^2", {"x": -1.2, "y": 1}, optimizer="newton", linesearch="armijo",
                       steps=200)
    assert r.converged and r.x["x"] == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize("hyper", [{"radius": 0}, {"radius": -1.0}, {"radius": float("nan")}, {"xtol": 0},
                                   {"damping": 1e-6}, {"linesearch": "armijo", "radius": 1.0},
                                   {"lr": 0.5}, {"linesearch": "wolfe"}])
def test_bad_trust_region_settings_are_refused(hyper):
    with pytest.raises(HyperParameterError):
        get_optimizer("newton", **hyper)


def test_the_state_is_not_changed_in_place():
    opt = get_optimizer("newton")
    from symgd.optim.problem import Problem
    x, y = sympy.symbols("x y")
    problem = Problem((x - 1) ** 2 + 10 * (y - x ** 2) ** 2, (x, y))
    x0 = np.array([[-1.0, 2.0]])
    state = opt.init(x0)
    before = np.array(state.slots[0], copy=True)
    value, grad = problem.value_and_grad(x0)
    new_x, new_state = opt.update(grad, state, x0, problem, value)
    np.testing.assert_array_equal(state.slots[0], before)
    assert new_state.step == 1 and problem.value(new_x)[0] < value[0]
