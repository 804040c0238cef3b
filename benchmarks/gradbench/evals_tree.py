"""kmeans and gmm (and llsq's vector form) as symgd strings with nested reductions over indices.

These compile to numba loops (``symgd.codegen.reduce_compile``): one compilation serves every shape
(sizes are read from the arrays), so ``define`` compiles and runs each function once on a tiny input
(numba compiles on the first call) and reports that as its prepare time.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import symgd
from backend import Backend, to_float, to_list
from protocol import Eval, Function

#: f(P, C) = Σ_i min_j Σ_l (P[i,l] − C[j,l])²  (evals/kmeans/README.md)
KMEANS = "sum(min(sum((P[i,l] - C[j,l])^2, l, 0, d-1), j, 0, k-1), i, 0, n-1)"

#: log posterior (evals/gmm/README.md, "Implementation"): the data term with Q's diagonal exp(q) and its
#: strictly lower part l filled column by column (packed index b*(2D-b-1)/2 + a-b-1 for row a, column b),
#: the Wishart prior, the constants. ``lgd`` = log Γ_D((D+m+1)/2), computed per call by scipy (a constant:
#: symgd has no log-gamma function yet).
GMM = ("sum(logsumexp(alpha[k] + sum(q[k,a], a, 0, D-1) - 0.5*sum((exp(q[k,a])*(x[i,a]-mu[k,a]) + "
       "sum(l[k, b*(2*D-b-1)/2 + a-b-1]*(x[i,b]-mu[k,b]), b, 0, a-1))^2, a, 0, D-1), k, 0, K-1), i, 0, N-1)"
       " - N*logsumexp(alpha[k], k, 0, K-1)"
       " + sum(sum(m*q[k,a] - 0.5*gamma^2*exp(2*q[k,a]), a, 0, D-1) - 0.5*gamma^2*sum(l[k,t]^2, t, 0, T-1),"
       " k, 0, K-1) - N*D/2*log(2*pi) + K*((D+m+1)*D*log(gamma/sqrt(2)) - lgd)")


def _loops(text: str, warm: tuple, backend: Backend, wrt: list[str] | None = None,
           grad: bool = True) -> Any:
    """Compile ``text`` to loops and call value (and grad, where the eval uses it) once on ``warm``
    (numba compiles each function on its first call). With ``wrt`` only those variables' adjoints are
    computed (data such as gmm's x gets none). Reductions compile to numba loops only: another
    --backend makes define fail (not a silent swap)."""
    if backend.pick("numba") != "numba":
        raise ValueError(f"symgd compiles reductions over indices to numba loops, not {backend.name}")
    compiled = symgd.compile(text, backend="numba", wrt=wrt)
    compiled.value(*warm)
    if grad:
        compiled.grad(*warm)
    return compiled


def _matrix(data: Any, name: str) -> np.ndarray:
    a = np.asarray(data, dtype=np.float64)
    if a.ndim != 2 or not a.size:
        raise ValueError(f"{name} must be a nonempty list of equal-length lists of numbers")
    return a


def kmeans(backend: Backend) -> Eval:
    """cost, and dir = J / diag(H) from symgd's Hessian-vector product H·1 (as PyTorch's vhp)."""
    holder: dict = {}

    def define() -> None:
        holder["c"] = _loops(KMEANS, (np.zeros((2, 2)), np.ones((3, 2))), backend, grad=False)  # cost only
        holder["h"] = symgd.hvp(KMEANS, backend="numba", wrt=["C"])
        holder["h"](np.zeros((2, 2)), np.ones((3, 2)), np.ones((2, 2)))  # numba's first-call compile

    def pre(data: dict) -> tuple:
        C, P = _matrix(data["centroids"], "centroids"), _matrix(data["points"], "points")
        if C.shape[1] != P.shape[1]:  # symgd reads d from one of them and would not notice
            raise ValueError(f"points have {P.shape[1]} coordinates, centroids {C.shape[1]}")
        return C, P

    def direction(C, P) -> np.ndarray:
        (J,), (H1,) = holder["h"](C, P, np.ones_like(C))  # H is diagonal, so H·1 is its diagonal
        return J / H1

    return Eval({"cost": Function(pre, lambda C, P: holder["c"].value(C, P), to_float),
                 "dir": Function(pre, direction, to_list)}, define, startup=backend.startup("numba"))


def gmm(backend: Backend) -> Eval:
    holder: dict = {}

    def define() -> None:
        d, k = 3, 2
        warm = (np.zeros(k), np.zeros((k, 3)), np.zeros((k, d)), np.zeros((k, d)), 1.0, 0.0, 0.0, np.ones((4, d)))
        holder["c"] = _loops(GMM, warm, backend, ["alpha", "l", "mu", "q"])  # then gamma, lgd, m, x

    def pre(data: dict) -> tuple:
        d, k = int(data["d"]), int(data["k"])
        arrays = [np.asarray(data[key], dtype=np.float64) for key in ("alpha", "l", "mu", "q", "x")]
        shapes = [(k,), (k, d * (d - 1) // 2), (k, d), (k, d), (int(data["n"]), d)]
        if [a.shape for a in arrays] != shapes or int(data["m"]) < 0 or float(data["gamma"]) <= 0:
            raise ValueError(f"gmm input shapes {[a.shape for a in arrays]}, expected {shapes}")
        return (*arrays, float(data["gamma"]), int(data["m"]), d)

    def objective(alpha, l, mu, q, x, gamma, m, d) -> float:
        return holder["c"].value(alpha, l, mu, q, gamma, _log_multigamma(m, d), float(m), x)

    def jacobian(alpha, l, mu, q, x, gamma, m, d) -> dict:
        g = holder["c"].grad(alpha, l, mu, q, gamma, _log_multigamma(m, d), float(m), x)
        return {"alpha": g[0], "mu": g[2], "q": g[3], "l": g[1]}

    return Eval({"objective": Function(pre, objective, to_float),
                 "jacobian": Function(pre, jacobian, lambda g: {key: to_list(v) for key, v in g.items()})},
                define, startup=backend.startup("numba"))


def _log_multigamma(m: int, d: int) -> float:
    from scipy.special import multigammaln
    return float(multigammaln(0.5 * (d + m + 1), d))


#: det(A), A an ell × ell matrix (the eval sends it flat, row-major). symgd's det: LAPACK's LU for the
#: value and Jacobi's formula (the cofactor matrix) for the gradient: O(ell³), where the eval's C++
#: expands by minors (ell! terms) as the issue asks.
DET = "det(A)"


def det(backend: Backend) -> Eval:
    holder: dict = {}

    def define() -> None:
        holder["c"] = _loops(DET, (np.eye(2),), backend)

    def pre(data: dict) -> tuple:
        a, ell = np.asarray(data["A"], dtype=np.float64), data["ell"]
        if not isinstance(ell, int) or ell < 1 or a.shape != (ell * ell,):
            raise ValueError("det takes A, ell*ell numbers (row-major), and ell, a whole number >= 1")
        return (a.reshape(ell, ell),)

    return Eval({"primal": Function(pre, lambda A: holder["c"].value(A), to_float),
                 "gradient": Function(pre, lambda A: holder["c"].grad(A)[0].reshape(-1), to_list)}, define,
                startup=backend.startup("numba"))
