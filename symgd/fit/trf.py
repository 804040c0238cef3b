"""Trust-region reflective least squares within bounds (the method of scipy.optimize.least_squares(method="trf")).

The bounds enter through Coleman and Li's scaling: v_i is the distance to the bound the anti-gradient
points at (1 where that side is open), and the trust-region problem is solved in the variables
x̂ = x / (√v · scale), where a parameter near its bound moves little. Each step is the best (by the quadratic
model) of three candidates kept strictly inside the box: the trust-region step cut at the bound (times θ ≈
0.995), its reflection off that bound, and the Cauchy step along the scaled anti-gradient. The subproblem
min ‖Ĵ p + Qᵀr‖² + pᵀ diag(ĝ·dv) p within ‖p‖ ≤ Δ is solved exactly by ``optim.trust_region`` on the SVD of
the augmented matrix. Works on the QR pieces (R, Qᵀr) the other least-squares methods reduce over the data,
so it fits data in chunks or on a cluster alike. Stopping follows scipy's: ``gtol`` on ‖v·g‖∞, ``ftol`` on the
relative cost reduction, ``xtol`` on the relative step. Hand-written because scipy's takes the residual
vector itself, which the chunked objectives never hold whole.
"""
from __future__ import annotations

import numpy as np

from symgd.fit.reduce import LstsqPieces, Objective
from symgd.fit.stopping import FitOutcome, Tolerances, check_start
from symgd.optim.trust_region import solve_subproblem


def scaling(x: np.ndarray, g: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coleman–Li's v (distance to the bound the anti-gradient points at, 1 if open) and dv = ∂v/∂x."""
    v, dv = np.ones_like(x), np.zeros_like(x)
    up = (g < 0) & np.isfinite(hi)
    down = (g > 0) & np.isfinite(lo)
    v[up], dv[up] = hi[up] - x[up], -1.0
    v[down], dv[down] = x[down] - lo[down], 1.0
    return v, dv


def strictly_inside(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``x`` clipped to the box and moved one ulp off any bound it sits on (the scaling needs v > 0)."""
    x = np.clip(x, lo, hi)
    x = np.where(x == lo, np.nextafter(lo, hi), x)
    return np.where(x == hi, np.nextafter(hi, lo), x)


def to_bound(x: np.ndarray, s: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[float, np.ndarray]:
    """The step length t ≥ 0 at which x + t·s first meets a bound, and which coordinates meet it then."""
    with np.errstate(all="ignore"):
        t = np.where(s > 0, (hi - x) / s, np.where(s < 0, (lo - x) / s, np.inf))
    t = np.where(np.isnan(t), np.inf, t)
    first = float(np.min(t))
    return first, (t == first) & np.isfinite(t)


def _to_radius(p: np.ndarray, s: np.ndarray, radius: float) -> float:
    """The t ≥ 0 with ‖p + t s‖ = radius (p inside the region)."""
    a, b, c = s @ s, p @ s, p @ p - radius ** 2
    if a == 0:
        return np.inf
    return float((-b + np.sqrt(max(b * b - a * c, 0.0))) / a)


class _Model:
    """q(p) = ½‖Ĵp‖² + ½pᵀ diag(h) p + ĝᵀp, the change of the cost the scaled linear model predicts."""

    def __init__(self, jh: np.ndarray, h: np.ndarray, gh: np.ndarray) -> None:
        self.jh, self.h, self.gh = jh, h, gh

    def __call__(self, p: np.ndarray) -> float:
        jp = self.jh @ p
        return float(0.5 * (jp @ jp + p @ (self.h * p)) + self.gh @ p)

    def best_on_line(self, start: np.ndarray, s: np.ndarray, t_lo: float, t_hi: float) -> tuple[float, float]:
        """The t in [t_lo, t_hi] minimising q(start + t s), and that value."""
        js, j0 = self.jh @ s, self.jh @ start
        a = 0.5 * (js @ js + s @ (self.h * s))
        b = self.gh @ s + js @ j0 + s @ (self.h * start)
        ts = [t_lo, t_hi] + ([-b / (2 * a)] if a > 0 and t_lo < -b / (2 * a) < t_hi else [])
        values = [self(start + t * s) for t in ts]
        k = int(np.argmin(values))
        return ts[k], values[k]


def _select(x, model: _Model, p_h, d, radius, lo, hi, theta) -> tuple[np.ndarray, np.ndarray, float]:
    """The step (x-space and scaled), and the decrease its model predicts: the trust-region step if it stays
    inside the box, else the best of that step cut short of the bound, its reflection, and the Cauchy step."""
    p = d * p_h
    if np.all(x + p >= lo) and np.all(x + p <= hi):
        return p, p_h, -model(p_h)
    stride, hits = to_bound(x, p, lo, hi)
    r_h = np.where(hits, -p_h, p_h)
    cut_h = stride * p_h
    bound_t = to_bound(x + stride * p, d * r_h, lo, hi)[0]
    radius_t = _to_radius(cut_h, r_h, radius)
    reach = min(bound_t, radius_t)
    candidates = []
    if reach > 0:
        t_lo, t_hi = (1 - theta) * stride / reach, (theta * bound_t if reach == bound_t else radius_t)
        if t_lo <= t_hi:
            t, value = model.best_on_line(cut_h, r_h, t_lo, t_hi)
            candidates.append((value, cut_h + t * r_h))
    candidates.append((model(theta * cut_h), theta * cut_h))
    down_h = -model.gh
    down_bound = to_bound(x, d * down_h, lo, hi)[0]
    down_radius = radius / np.linalg.norm(down_h) if np.linalg.norm(down_h) > 0 else 0.0
    t_max = theta * down_bound if down_bound < down_radius else down_radius
    t, value = model.best_on_line(np.zeros_like(p_h), down_h, 0.0, t_max)
    candidates.append((value, t * down_h))
    value, step_h = min(candidates, key=lambda c: c[0])
    return d * step_h, step_h, -value


def _subproblem(r: np.ndarray, qtr: np.ndarray, d: np.ndarray, h: np.ndarray):
    """The scaled model's pieces: Ĵ = R·diag(d), and the eigen form (λ ascending, V, Vᵀ∇) of
    ½‖[Ĵ; diag(√h)] p + [Qᵀr; 0]‖² from one SVD, as ``optim.trust_region.solve_subproblem`` takes it."""
    jh = r * d
    a = np.vstack([jh, np.diag(np.sqrt(np.maximum(h, 0.0)))])
    b = np.concatenate([qtr, np.zeros(len(d))])
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return jh, (s ** 2)[::-1], vt.T[:, ::-1], (s * (u.T @ b))[::-1]


def _radius_update(radius, actual, predicted, step_norm, on_edge) -> tuple[float, float]:
    """scipy's: ratio = actual/predicted; shrink to ¼ of the step below ¼, double above ¾ on the edge."""
    if predicted > 0:
        ratio = actual / predicted
    else:
        ratio = 1.0 if predicted == actual == 0 else 0.0
    if ratio < 0.25:
        return 0.25 * step_norm, ratio
    return (2.0 * radius if ratio > 0.75 and on_edge else radius), ratio


def _column_scale(pieces: LstsqPieces, previous: np.ndarray | None) -> np.ndarray:
    """The columns' norms, never shrinking (MINPACK's and scipy's x_scale='jac')."""
    norms = np.linalg.norm(pieces.R, axis=0)
    norms = norms if previous is None else np.maximum(norms, previous)
    return np.where(norms > 0, norms, 1.0)


def _termination(actual, cost, step_norm, x_norm, ratio, tol: Tolerances) -> str | None:
    if actual < tol.ftol * cost and ratio > 0.25:
        return f"the relative reduction of the RSS is below ftol={tol.ftol:g}"
    if step_norm < tol.xtol * (tol.xtol + x_norm):
        return f"the relative step size is below xtol={tol.xtol:g}"
    return None


class _State:
    """The iterate and what the next step needs: its pieces, the cost ½·RSS, the gradient Jᵀr, the scale."""

    def __init__(self, obj: Objective, x: np.ndarray, scale_inv: np.ndarray | None = None) -> None:
        self.x, self.pieces = x, obj.pieces(x)
        self.cost = 0.5 * self.pieces.rss
        self.g = self.pieces.R.T @ self.pieces.qtr
        self.scale_inv = _column_scale(self.pieces, scale_inv)


def _iterate(obj: Objective, st: _State, lo, hi, radius: float, tol: Tolerances, counts: dict):
    """One outer iteration: trials until the cost falls (or the budget ends). Returns (new state or None,
    radius, stop message or None)."""
    v, dv = scaling(st.x, st.g, lo, hi)
    v = np.where(dv != 0, v * st.scale_inv, v)
    d = np.sqrt(v) / st.scale_inv
    h = st.g * dv / st.scale_inv
    jh, lam, vec, a = _subproblem(st.pieces.R, st.pieces.qtr, d, h)
    model = _Model(jh, h, d * st.g)
    theta = max(0.995, 1 - float(np.max(np.abs(st.g * scaling(st.x, st.g, lo, hi)[0]), initial=0.0)))
    while counts["nfev"] < counts["budget"]:
        p_h = solve_subproblem(lam[None], vec[None], a[None], np.array([radius])).p[0]
        step, step_h, predicted = _select(st.x, model, p_h, d, radius, lo, hi, theta)
        x_new = strictly_inside(st.x + step, lo, hi)
        rss_new = obj.rss(x_new)
        counts["nfev"] += 1
        step_h_norm = float(np.linalg.norm(step_h))
        if not np.isfinite(rss_new):
            radius = 0.25 * step_h_norm
            continue
        actual = st.cost - 0.5 * rss_new
        new_radius, ratio = _radius_update(radius, actual, predicted, step_h_norm, step_h_norm > 0.95 * radius)
        stop = _termination(actual, st.cost, float(np.linalg.norm(step)), float(np.linalg.norm(st.x)), ratio, tol)
        if actual > 0 or stop:
            return (_State(obj, x_new, st.scale_inv) if actual > 0 else None), new_radius, stop
        radius = new_radius
    return None, radius, None


def trust_region_reflective(obj: Objective, theta0, tol: Tolerances = Tolerances(), box=None,
                            callback=None) -> FitOutcome:
    """Minimise the RSS of ``obj`` from ``theta0`` within ``box`` (lower, upper arrays; ±inf where open, None:
    no bounds); returns a ``FitOutcome``. A start outside the box is moved onto it first."""
    n = len(theta0)
    lo, hi = box if box is not None else (np.full(n, -np.inf), np.full(n, np.inf))
    st = _State(obj, strictly_inside(np.asarray(theta0, dtype=float), lo, hi))
    check_start(st.pieces.rss)
    counts = {"nfev": 1, "njev": 1, "budget": tol.budget(n)}
    v = scaling(st.x, st.g, lo, hi)[0]
    radius = float(np.linalg.norm(st.x * st.scale_inv / np.sqrt(v))) or 1.0
    history, nit = [st.pieces.rss], 0
    done = lambda ok, msg: FitOutcome(st.x, nit, counts["nfev"], counts["njev"], ok, msg, tuple(history))  # noqa: E731
    while True:
        optimality = float(np.max(np.abs(st.g * scaling(st.x, st.g, lo, hi)[0]), initial=0.0))
        if st.pieces.rss == 0.0:
            return done(True, "exact fit: the residuals are all zero")
        if optimality < tol.gtol:
            return done(True, f"first-order optimality ‖v·g‖∞ = {optimality:.3g} is below gtol={tol.gtol:g}")
        if counts["nfev"] >= counts["budget"]:
            return done(False, f"stopped after {counts['nfev']} evaluations without converging (max_nfev)")
        nit += 1
        new, radius, stop = _iterate(obj, st, lo, hi, radius, tol, counts)
        if new is not None:
            st, counts["njev"] = new, counts["njev"] + 1
            history.append(st.pieces.rss)
            if callback is not None and callback(nit, st.x, st.pieces.rss):
                return done(True, "stopped by the callback")
        if stop:
            return done(True, stop)
