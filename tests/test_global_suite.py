"""scipy's global-optimization benchmark functions (tests/suites/global_functions.py, issue 16): every
record is right (the value at its point is its minimum, inside its box), and symgd's default multi-start
(64 starts, bounds, the default method "auto": one setting for all) finds at least as many global minima as scipy's
L-BFGS-B from the same 64 starts with finite differences, in the same run, the edge minima included."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy
from scipy.optimize import minimize as scipy_minimize

from symgd.optim.minimize import minimize
from symgd.parse import parse
from suites.global_functions import EDGE, FUNCTIONS, TOL

STARTS, SEED = 64, 0


def _symbols(f):
    return [sympy.Symbol(f"x{i + 1}") for i in range(f.dim)]


def test_the_suite_holds_forty_functions_five_with_the_minimum_on_the_edge():
    assert len(FUNCTIONS) >= 40 and len({f.name for f in FUNCTIONS}) == len(FUNCTIONS)
    assert len(EDGE) >= 4 and all(2 <= f.dim <= 4 for f in FUNCTIONS)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.name)
def test_each_record_is_its_minimum_inside_its_box(f):
    expr = parse(f.expr)
    assert expr.free_symbols == set(_symbols(f))
    point = dict(zip(_symbols(f), f.xmin))
    value = float(expr.evalf(30, subs=point))  # sympy's arbitrary precision: not symgd's compiled code
    assert abs(value - f.fmin) <= TOL * max(1.0, abs(f.fmin))
    assert all(lo <= v <= hi for v, (lo, hi) in zip(f.xmin, f.bounds.values()))


def _box(f):
    return np.array([f.bounds[s.name] for s in _symbols(f)], dtype=float)


def _scipy_best(f, starts):
    """scipy's L-BFGS-B from every start, gradients by finite differences: the best value."""
    fn = sympy.lambdify(_symbols(f), parse(f.expr), "math")
    box = _box(f)
    best = np.inf
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for x0 in starts:
            r = scipy_minimize(lambda p: _safe(fn, p), x0, method="L-BFGS-B", bounds=box)
            best = min(best, float(r.fun))
    return best


def _safe(fn, p):
    try:
        return fn(*p)
    except (OverflowError, ValueError, ZeroDivisionError):
        return np.inf


@pytest.mark.slow
def test_symgd_finds_as_many_global_minima_as_scipy_lbfgsb():
    rows, symgd_hits, scipy_hits = [], set(), set()
    for f in FUNCTIONS:
        box = _box(f)
        starts = np.random.default_rng(SEED).uniform(box[:, 0], box[:, 1], size=(STARTS, f.dim))
        r = minimize(f.expr, starts=STARTS, seed=SEED, bounds=f.bounds)  # the defaults; no function raises
        ours, theirs = float(r.fun), _scipy_best(f, starts)
        if f.found(ours):
            symgd_hits.add(f.name)
        if f.found(theirs):
            scipy_hits.add(f.name)
        rows.append(f"{f.name}: symgd {ours:.8g}, scipy {theirs:.8g}, known {f.fmin:.8g}")
        assert all(np.all(box[:, 0] <= list(m.x.values())) and np.all(list(m.x.values()) <= box[:, 1])
                   for m in r.minima), f"{f.name}: a minimum outside the box"
    table = "\n".join(rows)
    assert len(symgd_hits) >= len(scipy_hits), table
    assert len(symgd_hits & set(EDGE)) >= len(scipy_hits & set(EDGE)), table
