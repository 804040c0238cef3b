"""Per-sample expressions over data: compiled once, bound to data arrays, reduced numerically.

``compile_data(expr, params, data)`` prepares e(θ; data):
- data-only subexpressions (x², x³, exp(x) of data columns) are hoisted: computed once, at ``bind``;
- sums that are linear in the parameters with data-only coefficients (a + b·x + c·x² + d·x³ - y)
  become one matrix-vector product ℓ = F·θ + f₀ with the feature matrix F built at bind time, so the
  summed gradient through ℓ is the dot product Fᵀ·(∂e/∂ℓ) (J^T r for least squares);
- what remains goes through the one graph (reverse mode) and is printed as NumPy code that gives the
  value and the gradient in one pass.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy

from symgd.errors import DataError
from symgd.codegen import runtime
from symgd.codegen.data_printer import HELPERS, _hoist_source, _source
from symgd.codegen.data_buffered import summed_factory
from symgd.codegen.names import DATA_NAMES, mangle


@dataclass(frozen=True)
class Block:
    """A sum linear in parameters: ``symbol`` = F·θ[index] + offset, F's columns data-only."""

    symbol: sympy.Symbol
    index: tuple[int, ...]
    columns: tuple[sympy.Expr, ...]
    offset: sympy.Expr


@dataclass(frozen=True)
class DataProgram:
    """A per-sample expression e(θ; data) and its gradient in θ, compiled for NumPy."""

    expr: sympy.Expr
    params: tuple[sympy.Symbol, ...]
    data: tuple[sympy.Symbol, ...]
    hoisted: tuple[tuple[sympy.Symbol, sympy.Expr], ...]
    blocks: tuple[Block, ...]
    source: str
    _hoist: Callable[..., Any]
    _make: Callable[..., Any]
    #: c when the per-sample expression is c·ℓ² with ℓ = F·θ + f₀ linear in every parameter (least
    #: squares of a model linear in its parameters): then Σ is a quadratic form in θ (see ``BoundData.gram``)
    square_scale: float | None = None
    #: the expression the graph is built from (hoisted features and linear blocks as symbols)
    reduced: sympy.Expr | None = None
    #: what ``hoist`` returns: the hoisted features, then each block's columns and offset
    features: tuple[sympy.Expr, ...] = ()
    #: the data columns' names as the caller gave them (``data`` holds their mangled symbols)
    columns: tuple[str, ...] = ()

    def source_for(self, backend: str) -> str:
        """The generated ``hoist`` and ``make`` printed for ``backend`` ("numpy" is ``source``)."""
        if backend == "numpy":
            return self.source
        return (_hoist_source(self.data, self.features, backend) + "\n"
                + _source(self.reduced, self.params, self.data, self.hoisted, self.blocks, backend))

    def bind(self, arrays: Mapping[str, Any]) -> "BoundData":
        """Bind data columns (by name) once: hoisted features and feature matrices are built here."""
        cols = [np.asarray(a, dtype=float) for a in self.column_arrays(arrays)]
        n = int(np.broadcast_shapes(*(c.shape for c in cols))[0]) if cols and cols[0].ndim else 1
        full = [np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in self._hoist(*cols)]
        # Fᵀ tables k × n (rows contiguous) and offsets
        return BoundData(self, (*cols, *self.layout(full, lambda vs: np.ascontiguousarray(np.stack(vs)),
                                                     np.ascontiguousarray)), n)

    def column_arrays(self, arrays: Mapping[str, Any]) -> list:
        """The data columns from ``arrays`` (keyed by the caller's column names), in program order."""
        missing = [c for c in self.columns if c not in arrays]
        if missing:
            raise DataError(f"missing data column(s): {', '.join(map(repr, missing))}")
        return [arrays[c] for c in self.columns]

    def layout(self, full: list, stack: Callable, contiguous: Callable) -> list:
        """``hoist``'s outputs as the bound arrays after the columns: hoisted features, then per block
        its table (columns stacked) and offset. Shared with the torch binding."""
        k = len(self.hoisted)
        out, rest = list(full[:k]), full[k:]
        for block in self.blocks:
            width = len(block.columns)
            out += [stack(rest[:width]), contiguous(rest[width])]
            rest = rest[width + 1:]
        return out

    def is_table(self, k: int) -> bool:
        """Whether bound array ``k`` is a feature table (samples along axis 1)."""
        first = len(self.data) + len(self.hoisted)
        return k >= first and (k - first) % 2 == 0


@dataclass(frozen=True)
class BoundData:
    """A ``DataProgram`` with its data bound: per-sample values, Jacobian and summed value/gradient."""

    program: DataProgram
    arrays: tuple[np.ndarray, ...]
    n: int

    #: sums through ``bound_inplace`` (buffers made once per binding and thread): a temporary of
    #: 200,000 floats is mapped afresh by malloc on each call, and first touching its pages cost more
    #: than the arithmetic here (a·exp(−b·x) at N = 200,000: 11.6 ms allocating, see docs/performance.md)
    _in_place = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fns", self.program._make(self.n, *self.arrays))
        object.__setattr__(self, "_local", threading.local())

    def _in_place_sum(self, with_value: bool) -> Callable[[np.ndarray], Any] | None:
        """This thread's in-place summed (value and) gradient, made on first use; None if none applies."""
        if not self._in_place:
            return None
        name = "svg" if with_value else "grad"
        fn = getattr(self._local, name, None)
        if fn is None:
            make = summed_factory(self.program, with_value)
            if make is None:
                return None
            fn = make(self.n, *self.arrays)
            setattr(self._local, name, fn)
        return fn

    def gram(self) -> tuple[np.ndarray, np.ndarray, float] | None:
        """(H, b, c0) with Σ_i e_i(θ) = ½ θᵀHθ + bᵀθ + c0 and gradient Hθ + b (exact algebra for
        c·(Fθ + f₀)²: H = 2c·FFᵀ, b = 2c·F f₀, c0 = c·f₀·f₀), computed once per binding; None when the
        expression is not of that form."""
        c = self.program.square_scale
        if c is None:
            return None
        cached = self.__dict__.get("_gram")
        if cached is None:
            table, offset = self.arrays[-2], np.broadcast_to(self.arrays[-1], (self.n,))
            cached = (2 * c * (table @ table.T), 2 * c * (table @ offset), float(c * (offset @ offset)))
            object.__setattr__(self, "_gram", cached)
        return cached

    def theta(self, theta: Sequence[float]) -> np.ndarray:
        """``theta`` as the array type the generated functions take."""
        return np.asarray(theta, dtype=float)

    def sample_values(self, theta: Sequence[float]) -> np.ndarray:
        """e(θ; data_i) for every sample i (length n)."""
        return self._fns[0](self.theta(theta))

    def sample_jacobian(self, theta: Sequence[float]) -> np.ndarray:
        """∂e(θ; data_i)/∂θ_j as an n × p array."""
        return self._fns[2](self.theta(theta))

    def sum_value_and_grad(self, theta: Sequence[float]) -> tuple[float, np.ndarray]:
        """Σ_i e_i and its gradient, from one pass (dot products where the structure allows)."""
        fn = self._in_place_sum(True)
        if fn is None:
            return self._fns[1](self.theta(theta))
        value, grad = fn(self.theta(theta))
        return float(value), grad.copy()

    def sum_grad(self, theta: Sequence[float]) -> np.ndarray:
        """The gradient of Σ_i e_i alone (the value's own lines are not run)."""
        fn = self._in_place_sum(False)
        return self._fns[3](self.theta(theta)) if fn is None else fn(self.theta(theta)).copy()

    def jtj_and_jtr(self, theta: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """JᵀJ and Jᵀr summed over the samples (r = e(θ), J its Jacobian): Gauss-Newton / LM pieces."""
        theta = self.theta(theta)
        jac, r = self._fns[2](theta), self._fns[0](theta)
        return jac.T @ jac, jac.T @ r

    def subset(self, index: Any) -> "BoundData":
        """The same program bound to the samples ``index`` selects (a mini-batch)."""
        arrays = [np.ascontiguousarray(a[:, index]) if self.program.is_table(k) else a[index] if np.ndim(a) else a
                  for k, a in enumerate(self.arrays)]
        return BoundData(self.program, tuple(arrays), len(np.arange(self.n)[index]))


def _hoist(expr, params, data, hoisted: dict) -> sympy.Expr:
    """Replace maximal data-only subexpressions (not bare columns) by symbols h0, h1, ..."""
    found = {}
    walk = sympy.preorder_traversal(expr)
    for sub in walk:
        free = sub.free_symbols
        if free and free <= data and not isinstance(sub, sympy.logic.boolalg.Boolean):  # a where's
            # condition stays a comparison (a hoisted feature is a float column); its sides may hoist
            if not sub.is_Atom:
                found[sub] = hoisted.setdefault(sub, sympy.Symbol(f"h{len(hoisted)}"))
            walk.skip()
    return expr.xreplace(found) if found else expr


def _linear(sub, params) -> dict | None:
    """{param or 1: coefficient} when ``sub`` is a sum linear in params with param-free coefficients."""
    if not sub.is_Add:
        return None
    coeffs: dict = {}
    for term in sub.args:
        indep, dep = term.as_independent(*params, as_Add=False)
        if dep != 1 and dep not in params:
            return None
        coeffs[dep] = coeffs.get(dep, 0) + indep
    return coeffs if sum(1 for k in coeffs if k != 1) >= 2 else None


def _blocks(expr, params) -> tuple[sympy.Expr, list[Block]]:
    order = {p: i for i, p in enumerate(params)}
    blocks, found = [], {}
    walk = sympy.preorder_traversal(expr)
    for sub in walk:
        coeffs = _linear(sub, set(params))
        if coeffs is None:
            continue
        walk.skip()
        if sub in found:
            continue
        used = sorted((p for p in coeffs if p != 1), key=order.__getitem__)
        sym = sympy.Symbol(f"l{len(blocks)}")
        blocks.append(Block(sym, tuple(order[p] for p in used), tuple(coeffs[p] for p in used),
                            coeffs.get(1, sympy.S.Zero)))
        found[sub] = sym
    return (expr.xreplace(found) if found else expr), blocks


def compile_data(expr: sympy.Expr, params: Sequence[sympy.Symbol], data: Sequence[sympy.Symbol],
                 backend: str = "numpy") -> DataProgram:
    """Compile a per-sample expression with parameters ``params`` and data symbols ``data``."""
    expr = sympy.sympify(expr)
    params, data = tuple(params), tuple(data)
    unknown = expr.free_symbols - set(params) - set(data)
    if unknown:
        raise DataError(f"{', '.join(sorted(s.name for s in unknown))} is neither a parameter nor a data column")
    # the one mangling step: parameter and column names (a file's header) never reach the code as written
    columns, rename = tuple(d.name for d in data), mangle((*params, *data), runtime.RESERVED | DATA_NAMES)
    if rename:
        expr = expr.xreplace(rename)
        params, data = tuple(rename.get(q, q) for q in params), tuple(rename.get(d, d) for d in data)
    hoisted: dict = {}
    reduced = _hoist(expr, set(params), set(data), hoisted)
    reduced, blocks = _blocks(reduced, params)
    pairs = tuple((sym, e) for e, sym in hoisted.items())
    back = {sym: e for sym, e in pairs}
    features = [e for _, e in pairs]
    for b in blocks:
        features += [c.xreplace(back) for c in b.columns] + [b.offset.xreplace(back)]
    source = _hoist_source(data, features, "numpy") + "\n" + _source(reduced, params, data, pairs, blocks)
    ns = runtime.load(source, "numpy", extra=HELPERS)
    return DataProgram(expr, params, data, pairs, tuple(blocks), source, ns["hoist"], ns["make"],
                       _square_scale(reduced, params, blocks), reduced, tuple(features), columns)


def _square_scale(reduced: sympy.Expr, params, blocks) -> float | None:
    """c when ``reduced`` is c·l0² and block l0 reads every parameter, in order."""
    if len(blocks) != 1 or blocks[0].index != tuple(range(len(params))):
        return None
    c, rest = reduced.as_coeff_Mul()
    if rest == blocks[0].symbol ** 2 and c.is_Number:
        return float(c)
    return None
