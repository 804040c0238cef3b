"""What every descent loop returns: ONE ``Outcome`` record and ONE status vocabulary.

The statuses are the words ``MinimizeResult.status`` shows the user, so no loop translates them:

- ``GRADIENT`` ("gradient"): the gradient norm is at most ``tol`` (converged);
- ``VALUE_CHANGE`` ("value change"): the value changed by at most ``ftol`` relative (converged);
- ``BUDGET`` ("budget"): the step budget ran out;
- ``DIVERGED`` ("diverged"): a value, gradient or iterate became non-finite (the loop keeps the last
  finite iterate checked), or the value grew without bound;
- ``DOMAIN`` ("domain"): an iterate (or the start) left the expression's domain;
- ``STALLED`` ("stalled"): a line search left the iterate where it was;
- ``CALLBACK`` ("callback"): the user's callback asked to stop.

The stopping rule, the same in every loop (``loops.driver.run_steps`` for array loops; the generated
loops of ``loops.fused`` and ``loops.data_numba`` through ``fused.check_block``; ``optim.loop.descend``
for many starts at once): at step k (the start, k = 0, included) the loop tests when
``k % check_every == 0``, at the last step, and wherever a history row is due (``k % record_every == 0``).
The test reads the squared gradient norm, the iterate and, where a row is due, the value: non-finite
(or a math error raised) → DIVERGED with the previous check's iterate and, as ``bad_x``, the one that
failed (the diagnosis ``optim.build`` words, so no loop is run again to explain a failure); ``|g|² <= tol²`` → GRADIENT. After ``steps`` steps → BUDGET. ``nit`` is the step of
the last finite check; ``history`` holds (step, x, value, grad norm) rows every ``record_every``
steps and one at ``nit``. The batched loop (``optim.loop``) tests every step (``check_every = 1``) and
adds the tests only it can make (value change, growth, stall, callback).
The generated loops return a status code: ``CODES[code]`` is its word.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GRADIENT = "gradient"
VALUE_CHANGE = "value change"
BUDGET = "budget"
DIVERGED = "diverged"
DOMAIN = "domain"
STALLED = "stalled"
CALLBACK = "callback"

#: The statuses that count as converged.
CONVERGED = (GRADIENT, VALUE_CHANGE)

#: The status codes of the generated loops (0, 1, 2), in their words.
CODES = (GRADIENT, DIVERGED, BUDGET)


@dataclass(frozen=True)
class Outcome:
    """The end of a descent: the final (last finite checked) iterate ``x``, its ``value`` and
    ``grad_norm``, the steps taken ``nit`` and the ``status`` (one of the words above).

    One run: ``x`` is a tuple of floats (scalar loops), an array or a dict by name (vector variables);
    ``history`` is a list of (step, x, value, grad norm) rows. Many starts at once (``optim.loop``): each
    field holds one entry per start, ``history`` is the run's ``Trace`` and ``bad_x`` holds the first
    non-finite or undefined iterate of each start that diverged (NaN rows elsewhere)."""

    x: Any
    value: Any
    grad_norm: Any
    nit: Any
    status: Any
    history: Any = ()
    bad_x: Any = None
