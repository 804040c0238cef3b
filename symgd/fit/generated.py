"""Generated data: ``"x = linspace(-pi, pi, 2000); y = sin(x) + normal(0, 0.1)"`` as columns.

Each statement is ``NAME = generator(...)`` or ``NAME = formula`` of the columns before it. Numbers and
formulas are read with the same safe parser as models, and the few generators are called by name from a
table, never ``eval``. Every point count is checked against the memory budget
(``symgd.parse.budget.MEMORY_LIMIT``) before numpy allocates, and every argument in numpy's own terms
(a zero step, a negative standard deviation, low above high, a negative seed), so numpy never raises at
the user.
"""
from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable

import numpy as np
import sympy

from symgd.errors import DataError
from symgd.fit.columns import listing, shown
from symgd.parse import budget


def _linspace(start: float, stop: float, num: float = 50) -> np.ndarray:
    return np.linspace(start, stop, _count(num, "linspace"))


def _arange(*args: float) -> np.ndarray:
    if not 1 <= len(args) <= 3:
        raise DataError(f"arange takes 1 to 3 numbers (stop / start, stop / start, stop, step), got {len(args)}")
    start, stop, step = (0.0, args[0], 1.0) if len(args) == 1 else (*args, 1.0)[:3]
    if step == 0:
        raise DataError("arange's step is 0: it would never reach its stop")
    span = (stop - start) / step
    if not math.isfinite(span):
        raise DataError(f"arange({start:g}, {stop:g}, {step:g}) has more points than any computer can hold")
    count = math.ceil(span)
    if count < 1:
        raise DataError(f"arange({start:g}, {stop:g}, {step:g}) has no points", hint="the step goes the wrong way?")
    _budget(count, "arange")
    return np.arange(start, stop, step)


def _normal(mean: float = 0.0, sd: float = 1.0, n: float | None = None, seed: float = 0) -> np.ndarray:
    if sd < 0:
        raise DataError(f"normal's standard deviation must be at least 0, got {sd:g}")
    return np.random.default_rng(_seed(seed)).normal(mean, sd, _count(n, "normal"))


def _uniform(low: float = 0.0, high: float = 1.0, n: float | None = None, seed: float = 0) -> np.ndarray:
    if low > high:
        raise DataError(f"uniform's low end {low:g} is above its high end {high:g}")
    return np.random.default_rng(_seed(seed)).uniform(low, high, _count(n, "uniform"))


def _count(n: float | None, name: str) -> int:
    if n is None or n != int(n) or n < 1:
        raise DataError(f"a generator needs a whole, positive number of points, got {n}")
    _budget(int(n), name)
    return int(n)


def _budget(count: int, name: str) -> None:
    budget.check_memory(count * budget.FLOAT_BYTES, f"{name} of {budget.format_count(count)} points",
                        "for one data column")


def _seed(seed: float) -> int:
    if seed != int(seed) or seed < 0:
        raise DataError(f"a seed is a whole number of at least 0, got {seed:g}")
    return int(seed)


#: The generator functions a data formula may call, as a whole right-hand side (numpy's meanings;
#: ``normal``/``uniform`` take ``n`` (default: the length of the columns before) and ``seed`` (default 0)).
GENERATORS: dict[str, Callable[..., np.ndarray]] = {
    "linspace": _linspace, "arange": _arange, "normal": _normal, "uniform": _uniform,
}
_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$", re.S)
_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S)


def _number(text: str, where: str) -> float:
    from symgd.parse import parse
    value = parse(text)
    if value.free_symbols:
        raise DataError(f"{where}: {shown(text.strip())} is not a number")
    number = complex(sympy.N(value))
    if number.imag or not math.isfinite(number.real):
        raise DataError(f"{where}: {shown(text.strip())} is not a finite real number")
    return number.real


def _call(name: str, argtext: str, n: int | None, where: str) -> np.ndarray:
    args, kwargs = [], {}
    for part in filter(None, (p.strip() for p in argtext.split(","))):
        key, sep, value = part.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_]\w*", key.strip()):
            kwargs[key.strip()] = _number(value, where)
        else:
            args.append(_number(part, where))
    if name in ("normal", "uniform") and "n" not in kwargs and len(args) < 3:
        kwargs["n"] = n
    try:
        values = GENERATORS[name](*args, **kwargs)
    except TypeError as exc:  # a keyword the generator does not take, too many numbers
        takes = ", ".join(inspect.signature(GENERATORS[name]).parameters)
        raise DataError(f"{where}: bad arguments to {name}, which takes ({takes})") from exc
    except DataError as exc:
        raise DataError(f"{where}: {exc.message}", hint=exc.hint) from exc
    return np.asarray(values, dtype=float)


def _formula(text: str, cols: dict[str, np.ndarray], where: str) -> np.ndarray:
    from symgd.parse import parse
    expr = parse(text)
    unknown = sorted(s.name for s in expr.free_symbols if s.name not in cols)
    if unknown:
        raise DataError(f"{where}: {listing(unknown)} not defined before", hint="define columns left to right")
    args = sorted(expr.free_symbols, key=lambda s: s.name)
    fn = sympy.lambdify(args, expr, modules="numpy")  # our parsed expression, not user text
    n = len(next(iter(cols.values()))) if cols else 1
    with np.errstate(all="ignore"):
        values = np.asarray(fn(*(cols[s.name] for s in args)))
    if values.dtype.kind == "c":
        raise DataError(f"{where}: complex values (a root or log of a negative number?)")
    return np.broadcast_to(values.astype(float), (n,)).copy()


def generate(text: str) -> dict[str, np.ndarray]:
    """Columns from statements ``name = generator(...)`` or ``name = formula`` separated by ';' or newlines.

    >>> cols = generate("x = linspace(0, 1, 3); y = 2*x + 1")
    >>> cols["y"].tolist()
    [1.0, 2.0, 3.0]
    """
    cols: dict[str, np.ndarray] = {}
    for stmt in (s for s in re.split(r"[;\n]", text) if s.strip()):
        m = _ASSIGN.match(stmt)
        if not m:
            raise DataError(f"data statement {shown(stmt.strip())} is not NAME = VALUE",
                            hint='for example "x=linspace(-pi,pi,2000); y=sin(x)"')
        name, rhs = m.group(1), m.group(2)
        where = f"data column {name}"
        call = _CALL.match(rhs)
        n = len(next(iter(cols.values()))) if cols else None
        column = _call(call.group(1), call.group(2), n, where) if call and call.group(1) in GENERATORS \
            else _formula(rhs, cols, where)
        if n is not None and len(column) != n:
            raise DataError(f"{where}: {len(column)} rows, but the columns before it have {n}")
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            raise DataError(f"{where}: a non-finite value in row {bad[0] + 1} ({column[bad[0]]})")
        cols[name] = column
    return cols
