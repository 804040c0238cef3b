"""Solving the systems of critical points and Lagrange multipliers: sympy within a budget, else numerically.

SymPy has no timeout, and a polynomial system of high degree can keep ``solve`` busy for hours. Two
limits stand before it: a size budget (unknowns, the Bézout bound of a polynomial system, operations)
checked up front, and a time limit: ``solve`` runs in a forked child process that is ended when the
limit passes (signals only work on the main thread, and a thread cannot be stopped). Where fork is not
available only the size budget applies. What sympy cannot do is done numerically from many starts
(scipy.optimize.root), and the caller says so.
"""
from __future__ import annotations

import math
import multiprocessing
import random
from collections.abc import Sequence
from queue import Empty

import numpy as np
import sympy

#: Unknowns of a system given to sympy.solve, and the most solutions a polynomial system may have.
MAX_UNKNOWNS = 6
MAX_BEZOUT = 64
MAX_OPS = 400
#: Seconds sympy.solve may take (in the child process).
SOLVE_SECONDS = 8.0
_REAL_TOL = 1e-12


def _degree_bound(eqs: Sequence[sympy.Expr], unknowns: Sequence[sympy.Symbol]) -> int | None:
    """The Bézout bound (product of total degrees) of the numerators; None when not polynomial."""
    bound = 1
    for e in eqs:
        num = sympy.numer(sympy.together(e))
        if not num.is_polynomial(*unknowns):
            return None
        bound *= max(1, sympy.Poly(num, *unknowns).total_degree())
    return bound


def within_budget(eqs: Sequence[sympy.Expr], unknowns: Sequence[sympy.Symbol]) -> str | None:
    """None when sympy.solve may try ``eqs``; else why not (a sentence)."""
    if len(unknowns) > MAX_UNKNOWNS:
        return f"{len(unknowns)} unknowns (sympy is tried up to {MAX_UNKNOWNS})"
    ops = sum(sympy.count_ops(e) for e in eqs)
    if ops > MAX_OPS:
        return f"the system has {ops} operations (sympy is tried up to {MAX_OPS})"
    bound = _degree_bound(eqs, unknowns)
    if bound is not None and bound > MAX_BEZOUT:
        return f"the polynomial system may have {bound} solutions (sympy is tried up to {MAX_BEZOUT})"
    return None


def _solve(eqs, unknowns, queue) -> None:
    try:
        queue.put(("ok", sympy.solve(list(eqs), list(unknowns), dict=True)))
    except (NotImplementedError, ValueError, TypeError, sympy.PolynomialError) as exc:
        queue.put(("no", f"{type(exc).__name__}: {str(exc)[:80]}"))


def solve_in_time(eqs: Sequence[sympy.Expr], unknowns: Sequence[sympy.Symbol],
                  seconds: float = SOLVE_SECONDS) -> tuple[list[dict] | None, str]:
    """(solutions, "") from sympy.solve, or (None, why) when it failed or ran past ``seconds``."""
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork (Windows, macOS default): the size budget alone bounds the work
        queue: list = []
        _solve(eqs, unknowns, type("Q", (), {"put": queue.append})())
        kind, value = queue[0]
        return (value, "") if kind == "ok" else (None, f"sympy could not solve it ({value})")
    queue = ctx.Queue()
    child = ctx.Process(target=_solve, args=(tuple(eqs), tuple(unknowns), queue), daemon=True)
    child.start()
    try:
        kind, value = queue.get(timeout=seconds)
    except Empty:  # the time limit passed
        kind, value = "time", None
    finally:
        if child.is_alive():
            child.kill()
        child.join(1)
    if kind == "ok":
        return value, ""
    if kind == "time":
        return None, f"sympy did not solve it within {seconds:g} s"
    return None, f"sympy could not solve it ({value})"


def real_solutions(solutions: list[dict], unknowns: Sequence[sympy.Symbol]
                   ) -> tuple[list[tuple[sympy.Expr, ...]], list[dict]]:
    """(real isolated points as tuples in ``unknowns`` order, solutions with free parameters)."""
    points, families = [], []
    for sol in solutions:
        if any(u not in sol for u in unknowns) or any(sol[u].free_symbols for u in unknowns):
            families.append(sol)
            continue
        values = []
        for u in unknowns:
            v = sol[u]
            if v.is_real is False:
                break
            if v.is_real is None:
                z = complex(v.evalf(30))
                if abs(z.imag) > _REAL_TOL * max(1.0, abs(z)):
                    break
                v = sympy.re(v) if not v.has(sympy.CRootOf) else v
            values.append(v)
        else:
            points.append(tuple(values))
    return points, families


def numeric_roots(eqs: Sequence[sympy.Expr], unknowns: Sequence[sympy.Symbol],
                  box: Sequence[tuple[float, float]], starts: int = 200, seed: int = 0,
                  free: int = 0) -> list[tuple[float, ...]]:
    """Distinct roots of ``eqs`` inside ``box`` found by scipy.optimize.root from ``starts`` starts
    (a grid for one or two unknowns, random otherwise); each kept only where |eqs| < 1e-10 (relative).
    The last ``free`` unknowns (Lagrange multipliers) start in the box but may end anywhere."""
    from scipy.optimize import root
    f = sympy.lambdify([list(unknowns)], list(eqs), "numpy")
    jac = sympy.lambdify([list(unknowns)], sympy.Matrix(eqs).jacobian(list(unknowns)).tolist(), "numpy")
    rng = random.Random(seed)
    per = max(2, int(round(starts ** (1 / len(unknowns))))) if len(unknowns) <= 2 else 0
    grid = ([np.array(p) for p in np.array(np.meshgrid(*[np.linspace(lo, hi, per) for lo, hi in box]))
             .reshape(len(unknowns), -1).T] if per else
            [np.array([rng.uniform(lo, hi) for lo, hi in box]) for _ in range(starts)])
    found: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        for x0 in grid:
            try:
                sol = root(lambda v: np.asarray(f(v), dtype=float),
                           x0, jac=lambda v: np.asarray(jac(v), dtype=float), method="hybr")
            except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                continue
            x = _polish(f, jac, sol.x)
            if not np.all(np.isfinite(x)) or not _converged(f, jac, x):
                continue
            if not all(lo - 1e-9 <= xi <= hi + 1e-9 for xi, (lo, hi) in zip(x[:len(x) - free], box)):
                continue
            if all(np.max(np.abs(x - y)) > 1e-6 * max(1.0, float(np.max(np.abs(y)))) for y in found):
                found.append(x)
    return [tuple(float(v) for v in x) for x in sorted(found, key=lambda v: tuple(v))]


def _polish(f, jac, x: np.ndarray, steps: int = 3) -> np.ndarray:
    """A few Newton steps from hybr's root: its own stopping leaves about 1e-10 of relative error."""
    for _ in range(steps):
        try:
            dx = np.linalg.lstsq(np.asarray(jac(x), dtype=float), np.asarray(f(x), dtype=float), rcond=None)[0]
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            return x
        if not np.all(np.isfinite(dx)):
            return x
        x = x - dx
    return x


def _converged(f, jac, x: np.ndarray) -> bool:
    """|eqs(x)| below 1e-10 relative to the size of the terms near x (|J|·|x|): large coefficients of a
    high-degree system leave residuals of 1e-8 at a root that is exact to the last digit."""
    residual = np.max(np.abs(np.asarray(f(x), dtype=float)))
    scale = max(1.0, float(np.max(np.abs(np.asarray(jac(x), dtype=float)))) * max(1.0, float(np.max(np.abs(x)))))
    return bool(residual <= 1e-10 * scale)


def near_zero(expr: sympy.Expr, at: dict) -> bool:
    """Whether ``expr`` at the numeric point ``at`` is 0 to 1e-9 of the size of its terms there (a sum of
    large terms that cancel at a root found in floating point leaves a residual of that relative size)."""
    terms = [complex(t.xreplace(at).evalf(30)) for t in sympy.Add.make_args(expr)]
    return abs(sum(terms)) <= 1e-9 * max(1.0, sum(abs(t) for t in terms))


def exact_guess(values: Sequence[float], eqs: Sequence[sympy.Expr], unknowns: Sequence[sympy.Symbol]
                ) -> tuple[sympy.Expr, ...] | None:
    """The numbers ``values`` as exact ones (integers, fractions, multiples of pi, square roots) when
    that point solves ``eqs`` exactly; None otherwise."""
    guess = []
    for v in values:
        g = sympy.S.Zero if abs(v) < 1e-12 else sympy.nsimplify(v, [sympy.pi], tolerance=1e-10, rational=False)
        if abs(float(g) - v) > 1e-9 * max(1.0, abs(v)) or sympy.count_ops(g) > 12:
            return None
        guess.append(g)
    point = dict(zip(unknowns, guess))
    values = [e.xreplace(point) for e in eqs]
    # 50 digits first: a wrong guess is cheap to refute, and sympy.simplify costs up to a second each
    if any(abs(complex(v.evalf(50))) > 1e-40 for v in values):
        return None
    if any(sympy.count_ops(v) > 200 or sympy.simplify(v) != 0 for v in values):
        return None
    return tuple(guess)


def _on_family(root: Sequence[float], families: Sequence[dict], unknowns: Sequence[sympy.Symbol]) -> bool:
    """Whether ``root`` lies on one of the solution ``families`` (dicts with free parameters)."""
    at = {u: sympy.Float(v, 20) for u, v in zip(unknowns, root)}
    for sol in families:
        values = [complex(sol[u].xreplace(at).evalf(20)) if u in sol else None for u in unknowns]
        if all(v is None or abs(v - r) < 1e-6 * max(1.0, abs(r)) for v, r in zip(values, root)):
            return True
    return False


def missed(points: Sequence[Sequence[sympy.Expr]], roots: Sequence[Sequence[float]],
           families: Sequence[dict] = (), unknowns: Sequence[sympy.Symbol] = ()) -> list[tuple[float, ...]]:
    """The numeric ``roots`` that are none of the exact ``points`` and on none of the ``families``
    (sympy.solve may return too few solutions, even none, without a word)."""
    known = [np.array([float(sympy.re(v.evalf(20))) for v in p]) for p in points]
    return [tuple(r) for r in roots
            if all(np.max(np.abs(np.array(r) - k)) > 1e-6 * max(1.0, float(np.max(np.abs(k)))) for k in known)
            and not _on_family(r, families, unknowns)]


def in_box(point: Sequence[sympy.Expr], box: Sequence[tuple[float, float]] | None) -> bool:
    if box is None:
        return True
    return all(lo - 1e-12 <= float(v) <= hi + 1e-12 for v, (lo, hi) in zip(point, box))


def finite(values: Sequence[float]) -> bool:
    return all(math.isfinite(v) for v in values)
