"""The one descent driver behind the array loops (NumPy, torch, vector variables).

``run_steps`` owns what every loop repeats: the gradient each step, the stopping test every
``check_every`` steps (and at the last step and every record point), a history row every
``record_every`` steps, the status (gradient, budget, diverged: ``loops.outcome``, which states the
stopping rule every loop follows) and the last finite iterate. The
loop itself is given as callables, so the same driver runs on NumPy arrays, torch tensors on a device
(the only host reads are ``norm2`` and ``snapshot``, called at check points) or lists of vectors.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from symgd.loops.outcome import BUDGET, DIVERGED, GRADIENT, Outcome


def run_steps(state: Any, *, grad: Callable[[Any], Any], update: Callable[[Any, Any, int], Any],
              norm2: Callable[[Any], float], snapshot: Callable[[Any], Any], finite: Callable[[Any], bool],
              value: Callable[[Any, Any], float], steps: int, tol: float = 0.0, check_every: int = 1,
              record_every: int = 0, stop: Callable[[int, Any, Any], str | None] | None = None) -> Outcome:
    """Descend from ``state``: ``g = grad(state)``, ``state = update(state, g, k)`` for k = 1..steps.

    At step k (0 included) the test runs when k % check_every == 0, k == steps or a row is due:
    ``norm2(g)`` (a float), ``snapshot(state)`` (a host copy), ``finite(snapshot)``; a non-finite norm
    or iterate (or value, where a row is recorded) stops with "diverged" and keeps the previous check;
    ``norm2 <= tol²`` stops with "gradient"; the Outcome's ``x`` is the last finite check's snapshot
    and its ``bad_x`` the snapshot that failed the test.
    ``value(snapshot, g)`` (g: what ``grad`` returned at that iterate, so a grad that also computes the
    value can hand it over) is called for rows and at the end.
    ``stop(k, snapshot, g)``, where given, adds a caller's own tests after the finiteness test: a status
    it returns ends the run there, keeping this iterate.
    """
    # A diverging run overflows on its way out of the finite numbers; the finiteness test below turns
    # that into the "diverged" status and message, so NumPy's own overflow warnings would only repeat it
    # as noise on the user's terminal.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _run(state, grad, update, norm2, snapshot, finite, value, steps, tol, check_every, record_every,
                    stop)


def _run(state, grad, update, norm2, snapshot, finite, value, steps, tol, check_every, record_every, stop
         ) -> Outcome:
    """``run_steps``'s loop (its arguments, in order)."""
    history: list = []
    status, k = BUDGET, 0
    last = None  # (snapshot, step, squared grad norm, grad) of the last finite check
    bad = None  # the snapshot the failing check saw (the diagnosis of a diverged run)
    while True:
        g = grad(state)
        row = record_every > 0 and k % record_every == 0
        if row or k % check_every == 0 or k == steps:
            gn2 = float(norm2(g))
            snap = snapshot(state)
            v = value(snap, g) if row else None
            if not (math.isfinite(gn2) and finite(snap) and (v is None or math.isfinite(v))):
                status, bad = DIVERGED, snap
                last = last or (snap, 0, math.nan, None)  # step 0 itself: the start, no norm
                break
            last = (snap, k, gn2, g)
            if row:
                history.append((k, snap, v, math.sqrt(gn2)))
            why = stop(k, snap, g) if stop is not None else None
            if why is not None:
                status = why
                break
            if gn2 <= tol * tol:
                status = GRADIENT
                break
        if k >= steps:
            break
        k += 1
        state = update(state, g, k)
    snap, k_done, gn2, g = last
    if history and history[-1][0] == k_done:
        end = history[-1][2]
    else:
        end = math.nan if g is None else float(value(snap, g))
    if record_every > 0 and (not history or history[-1][0] != k_done):
        history.append((k_done, snap, end, math.sqrt(gn2)))
    return Outcome(snap, end, math.sqrt(gn2), k_done, status, history, bad)
