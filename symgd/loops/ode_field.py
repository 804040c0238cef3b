"""An ODE's vector field y'[i] = f, a symgd string, compiled once as the pairing F(v, y, p) = Σ_i v[i]·f.

The field value f(y) = ∂F/∂v (F is linear in v) and the vector-Jacobian product wᵀ(∂f/∂y, ∂f/∂p) =
∂F/∂(y, p) at v = w are both symgd gradients of that one string: no derivative of the field is written
by hand. Before compiling, ``split_index_conditions`` splits the sum at ``where`` conditions on the
index, so a branch such as ``y[i-1]`` is never read where it does not hold (at i = 0). On numba the raw
loops (``codegen.indexed_loops.jit_loops``) are called with gradient buffers bound once and reused
(a fresh 800 kB buffer per call costs more in page faults than the loop itself at n = 10⁵).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from symgd.calculus.index_split import check_reads, split_index_conditions
from symgd.calculus.indexed import IndexedProblem, analyse
from symgd.calculus.reduce_tree import needs_tree
from symgd.codegen.backends import ode_loop
from symgd.errors import CompileError
from symgd.parse import parse


@dataclass(frozen=True)
class OdeField:
    """A compiled field: ``arrays`` (parameter name -> number of indices), ``scalars`` (scalar parameter
    names), ``time`` (the time's name when the field reads it), ``order`` (the kernel's argument names)."""

    expr: sympy.Expr
    state: str
    size: str
    time: str | None
    arrays: Mapping[str, int]
    scalars: tuple[str, ...]
    pairing: sympy.Expr
    cotangent: str
    backend: str
    order: tuple[str, ...]
    vectors: tuple[bool, ...]  # order's entries that are arrays
    kernel: Any  # the raw numba ``_grad`` loop, or a ``Compiled`` (numpy, reduction loops)
    problem: IndexedProblem | None  # the pairing's sums and reads; None for reduction loops (several-index
    # arrays, nested sums), which check their own reads

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(sorted([*self.arrays, *self.scalars]))


def _fresh(name: str, taken: set[str]) -> str:
    k = 0
    while (candidate := name if k == 0 else f"{name}{k}") in taken:
        k += 1
    return candidate


def compile_field(field: str | sympy.Expr, state: str = "y", index: str = "i", *, size: str = "n",
                  time: str | None = "t", backend: str = "auto") -> OdeField:
    """Parse and compile ``field`` (y'[index] over the state array ``state`` of length ``size``); every
    other name is a parameter (arrays read with indices, scalars), except ``time`` where it is read."""
    backend = ode_loop(backend)
    expr = parse(field)
    i, n = sympy.Symbol(index), sympy.Symbol(size)
    bases = {ind.base.label.name: len(ind.indices) for ind in expr.atoms(sympy.Indexed)}
    plain = {s.name for s in expr.free_symbols if isinstance(s, sympy.Symbol)} - set(bases) - {index, size}
    if state in plain:
        raise CompileError(f"the state {state!r} is read without an index; write {state}[{index}]")
    if bases.get(state, 1) != 1:
        raise CompileError(f"the state {state!r} is a vector: read it with one index, {state}[{index}]")
    if index in bases or size in bases:
        raise CompileError(f"{index!r} and {size!r} are the component index and the state's length, not arrays")
    used_time = time if time in plain else None
    arrays = {b: k for b, k in bases.items() if b != state}
    scalars = tuple(sorted(plain - {used_time}))
    v = _fresh("v", set(bases) | plain | {index, size, state})
    pairing = split_index_conditions(sympy.Sum(sympy.Indexed(sympy.IndexedBase(v), i) * expr, (i, 0, n - 1)))
    tree = needs_tree(pairing)
    problem = None if tree else analyse(pairing)
    if tree:
        from symgd.codegen.reduce_compile import compile_reductions
        kernel = compile_reductions(pairing, "numba" if backend == "numba" else "python")
        order = tuple(s.name for s in kernel.variables)
    elif backend == "numba":
        from symgd.codegen.indexed import mangled_problem
        from symgd.codegen.indexed_loops import jit_loops
        problem, user, _ = mangled_problem(pairing, None)
        kernel = jit_loops(problem)[1]["_grad"]
        order = tuple(s.name for s in user)
    else:
        from symgd.codegen.api import compile
        kernel = compile(pairing, backend="numpy")
        order = tuple(s.name for s in kernel.variables)
    vectors = tuple(name in bases or name == v for name in order)
    return OdeField(expr, state, size, used_time, arrays, scalars, pairing, v, backend, order, vectors,
                    kernel, problem)


class BoundField:
    """The field at one state length and parameter values: ``f`` into a given buffer and ``vjp``
    with the parameters' gradients summed over calls (``grads``); buffers allocated once."""

    def __init__(self, field: OdeField, n: int, params: Mapping[str, Any]) -> None:
        self.field, self.n = field, n
        self.args: list[Any] = [params.get(name) for name in field.order]
        self.at = {name: k for k, name in enumerate(field.order)}
        if field.problem is not None:
            lengths = {name: len(params[name]) for name in field.arrays}
            check_reads(field.problem, {**lengths, field.state: n, field.cotangent: n}, {field.size: n})
        self.ones = np.ones(n)
        self.grads = {name: (np.zeros_like(self.args[self.at[name]]) if name in field.arrays else 0.0)
                      for name in field.params}
        self.fast = field.backend == "numba" and field.problem is not None
        if self.fast:  # the raw loop adds into one buffer per vector argument, in argument order
            vec = [name for name, is_vec in zip(field.order, field.vectors) if is_vec]
            scratch = [np.zeros(len(self.args[self.at[name]]) if name in field.arrays else n) for name in vec]
            self.slot = {name: k for k, name in enumerate(vec)}
            self.fbufs = list(scratch)  # f: the cotangent's slot is the caller's out
            # vjp: parameter arrays add straight into their summed gradients (zeroed by reset only)
            self.vbufs = [self.grads.get(name, b) for name, b in zip(vec, scratch)]
            self.scalars = [name for name, is_vec in zip(field.order, field.vectors) if not is_vec]

    def reset(self) -> None:
        """Zero the summed parameter gradients."""
        for name, g in self.grads.items():
            if isinstance(g, np.ndarray):
                g.fill(0.0)
            else:
                self.grads[name] = 0.0

    def _set(self, y: np.ndarray, t: float, v: np.ndarray) -> list[Any]:
        f, args, at = self.field, self.args, self.at
        for name, value in ((f.cotangent, v), (f.state, y), (f.time, t)):
            if name in at:
                args[at[name]] = value
        return args

    def f(self, y: np.ndarray, t: float, out: np.ndarray) -> None:
        """out = f(y) at time t."""
        args, field = self._set(y, t, self.ones), self.field
        if not self.fast:
            np.copyto(out, dict(zip(field.order, field.kernel.grad(*args)))[field.cotangent])
            return
        out.fill(0.0)  # the other buffers' sums are never read, so they are not zeroed
        self.fbufs[self.slot[field.cotangent]] = out
        field.kernel(*args, *self.fbufs)

    def vjp(self, y: np.ndarray, t: float, w: np.ndarray) -> np.ndarray | None:
        """wᵀ ∂f/∂y at (y, t) (a buffer valid until the next call; None when f does not read y); adds
        wᵀ ∂f/∂p into ``grads``."""
        args, field = self._set(y, t, w), self.field
        if not self.fast:
            g = dict(zip(field.order, field.kernel.grad(*args)))
            for name in self.grads:
                self.grads[name] += g[name]
            return g.get(field.state)
        y_bar = self.vbufs[self.slot[field.state]] if field.state in self.slot else None
        if y_bar is not None:
            y_bar.fill(0.0)
        scalars = field.kernel(*args, *self.vbufs)
        for name, g in zip(self.scalars, scalars if isinstance(scalars, tuple) else ()):
            if name in self.grads:
                self.grads[name] += g
        return y_bar
