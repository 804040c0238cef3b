"""The one mangling step: every user symbol gets a safe Python name before any code is printed.

Names reach generated code from untrusted places: variables of an expression, a fit's parameters,
data column and target names read from a file's header. ``mangle`` keeps a name that is plainly safe
(an ASCII identifier that is no keyword, builtin, name the generated module uses, or name of a family
the generators make for themselves) and renames every other one to a fresh ASCII identifier. Every code
generator receives only mangled symbols (``mangle_expr`` at the compile entry points, ``code_names`` in
``codegen``), so no user text is ever printed into code as written.

The checks are hand-written: Python offers ``str.isidentifier`` and ``keyword``, but no list of the names
symgd's own generated modules rely on.
"""
from __future__ import annotations

import builtins
import itertools
import keyword
import re
import unicodedata
from collections.abc import Iterable, Mapping

import sympy

#: Fixed names every generated module may define or call; each generator adds its own (``DATA_NAMES``,
#: ``LOOP_NAMES``) where it calls ``mangle``.
RESERVED = frozenset({"math", "numpy", "torch", "scipy", "functools", "numba", "value", "grad",
                      "value_and_grad", "grad_ref", "update"})
#: The data programs' factory and its arguments (``bound_codegen``, ``bound_inplace``).
DATA_NAMES = frozenset({"make", "hoist", "theta", "n", "values", "sum_value_and_grad", "jacobian", "sum_grad"})
#: The fused loops' function and arguments (``fused``).
LOOP_NAMES = frozenset({"loop", "steps", "tol2", "check_every", "record_every", "hist"})
#: Families of names the generators make for themselves: _anything, adjoints d_<node>, hoisted data
#: features h0, linear blocks l0 and their tables F0/f0.
_GENERATED = re.compile(r"_|d_|[hlFf]\d+$")
_BUILTINS = frozenset(dir(builtins))
_LONGEST = 40  # a kept or derived name is at most this long (a 10 kB column name stays out of the code)


def is_safe(name: str, reserved: Iterable[str] = ()) -> bool:
    """True when ``name`` may stand in generated code as written."""
    return (name.isascii() and name.isidentifier() and len(name) <= _LONGEST
            and not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
            and name not in _BUILTINS and name not in RESERVED and name not in reserved
            and not _GENERATED.match(name) and "__" not in name)


def _stem(name: str) -> str:
    """The ASCII letters, digits and underscores of ``name`` (accents dropped), as an identifier stem."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    # cut, then strip: a cut that ends on "_" would make every candidate "<stem>_<k>" hold "__", which is
    # never safe, and the search for a free name would not end
    stem = re.sub(r"_+", "_", re.sub(r"\W", "", ascii_text))[:_LONGEST - 8].strip("_")
    return stem if stem and not stem[0].isdigit() else f"v{stem}"


def mangle(symbols: Iterable[sympy.Symbol], reserved: Iterable[str] = ()) -> dict[sympy.Symbol, sympy.Symbol]:
    """Safe symbols for ``symbols`` (same assumptions), only for those whose names are not safe.

    A renamed symbol becomes ``<stem>_<k>`` (or ``v_<stem>_<k>`` where the stem looks generated), unique
    among every name given and ``reserved``."""
    symbols = list(dict.fromkeys(symbols))
    reserved = set(reserved)
    taken = reserved | {s.name for s in symbols}
    out = {}
    for sym in symbols:
        if is_safe(sym.name, reserved):
            continue
        stem = _stem(sym.name)
        for k in itertools.count(1):
            name = next((c for c in (f"{stem}_{k}", f"v_{stem}_{k}") if is_safe(c, reserved) and c not in taken),
                        None)
            if name is not None:
                break
        taken.add(name)
        out[sym] = sympy.Symbol(name, **sym.assumptions0)
    return out


def prefixed(prefix: str, name: str) -> str:
    """``prefix`` + ``name`` without a '__' at the seam (generated names may start with '_')."""
    return prefix + name.lstrip("_") if prefix.endswith("_") else prefix + name


def user_symbols(expr: sympy.Basic) -> list[sympy.Symbol]:
    """The symbols of ``expr`` that come from the user: free symbols, vector labels and summation
    indices (bound symbols are printed too), in a fixed order."""
    found = set(expr.free_symbols) | {b.label for b in expr.atoms(sympy.IndexedBase)}
    found |= {s for s in expr.atoms(sympy.Symbol)}
    return sorted((s for s in found if isinstance(s, sympy.Symbol) and not isinstance(s, sympy.Dummy)),
                  key=lambda s: s.name)


def mangle_expr(expr: sympy.Expr, reserved: Iterable[str] = ()) -> tuple[sympy.Expr, dict]:
    """``expr`` over safe symbols, and the renaming applied (user symbol -> safe symbol)."""
    rename = mangle(user_symbols(expr), reserved)
    return (expr.xreplace(rename) if rename else expr), rename


def rename_keys(mapping: Mapping[str, object] | None, rename: Mapping[sympy.Symbol, sympy.Symbol]):
    """``mapping`` (by user name) keyed by the mangled names."""
    if not mapping:
        return mapping
    by_name = {s.name: r.name for s, r in rename.items()}
    return {by_name.get(k, k): v for k, v in mapping.items()}
