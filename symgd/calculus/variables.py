"""The variables of an expression, in the one order every later stage uses."""
from __future__ import annotations

from collections.abc import Iterable

import sympy

from symgd.errors import VariableError


def _name(item: sympy.Symbol | str) -> str:
    return item if isinstance(item, str) else item.name


def ordered_variables(expr: sympy.Expr, wrt: Iterable[sympy.Symbol | str] | sympy.Symbol | str | None = None
                      ) -> tuple[sympy.Symbol, ...]:
    """Return the variables of ``expr``: its free symbols sorted by name, or ``wrt`` in the caller's order.

    ``wrt`` may be a comma-separated string ("x,y"), one symbol, names or symbols; each must occur in ``expr``.
    Sorting once here means gradient component i always belongs to argument i downstream.
    """
    free = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    free.update({b.label.name: b.label for b in expr.atoms(sympy.IndexedBase)})
    if wrt is None:
        return tuple(free[name] for name in sorted(free))
    if isinstance(wrt, sympy.Symbol):
        wrt = [wrt]
    names = [n.strip() for n in wrt.split(",")] if isinstance(wrt, str) else [_name(w) for w in wrt]
    names = [n for n in names if n]
    if not names:
        raise VariableError("no variables given to differentiate with respect to")
    if len(set(names)) != len(names):
        raise VariableError(f"a variable is named twice in wrt: {', '.join(names)}")
    missing = [n for n in names if n not in free]
    if missing:
        have = sorted(free)
        shown = ", ".join(have[:10]) + (f", ... ({len(have):,} in all)" if len(have) > 10 else "") or "none"
        wanted = ", ".join(missing[:10]) + (f", ... ({len(missing):,} in all)" if len(missing) > 10 else "")
        raise VariableError(f"variable {wanted} does not occur in the expression (its variables: {shown})")
    return tuple(free[n] for n in names)
