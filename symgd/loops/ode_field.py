"""An ODE's vector field y'[i] = f, a symgd string, compiled once as the pairing F(v, y, p) = Σ_i v[i]·f.

The field value f(y) = ∂F/∂v (F is linear in v) and the vector-Jacobian product wᵀ(∂f/∂y, ∂f/∂p) =
∂F/∂(y, p) at v = w are both symgd gradients of that one string: no derivative of the field is written
by hand. Before compiling, ``split_index_conditions`` splits the sum at ``where`` conditions on the
index, so a branch such as ``y[i-1]`` is never read where it does not hold (at i = 0). ``f`` evaluates
the field at a Runge-Kutta stage, y + a·k, rather than at y: on numba, where the pairing is one-index
sums (raw loops, ``codegen.indexed_loops``), its loop is ∂/∂v of the pairing with every read y[e]
replaced by y[e] + a·k[e], so a stage is one pass over the arrays instead of a pass forming the stage
state and another evaluating the field (the loops run at the memory's speed at n = 10⁵: passes are the
cost). ``f`` and ``vjp`` are small generated numba functions that call the loops with buffers held in
one tuple bound once (a fresh 800 kB buffer per call costs more in page faults than the loop itself at
n = 10⁵), so ``rk_steps`` compiles a whole solve around them; otherwise they are NumPy calls.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import sympy

from symgd.calculus.index_split import check_reads, split_index_conditions
from symgd.calculus.indexed import IndexedProblem, analyse
from symgd.calculus.reduce_tree import needs_tree
from symgd.codegen.backends import ode_loop
from symgd.errors import CompileError, VariableError
from symgd.loops import rk_steps
from symgd.loops.rk_steps import Ops
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
    kernel: Any  # the raw numba loop of ∂F/∂(y, p, t) at the stage state (``ops`` calls it), or a
    # ``Compiled`` (numpy, reduction loops)
    problem: IndexedProblem | None  # the pairing's sums and reads; None for reduction loops (several-index
    # arrays, nested sums), which check their own reads
    ops: Ops | None = None  # the numba f and vjp where the kernel is the raw loop, else None
    ends: tuple[tuple[str, int, int], ...] = ()  # ``read_ends`` of problem
    stage: tuple[str, ...] = ()  # the stage loop's argument names (``stage_pairing``), where ops is set
    stage_names: tuple[str, str, str] = ("", "", "")  # its (base state, slope, scale) names

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
        from symgd.codegen.indexed_loops import jit_grad
        # ``problem`` keeps the user's names (the bounds checks look arrays up by them); the loops run on
        # safe names, and take n from the cotangent's length (n always): inferred from the reads, it could
        # come from the state or a stage array read only up to y[n-2], giving n + 1 and reads past the end
        order = tuple(s.name for s in problem.variables)
        stage_names = tuple(_fresh(name, set(bases) | plain | {index, size, state, v}) for name in ("y0", "k", "a"))
        stage_problem, stage_user, _ = mangled_problem(stage_pairing(pairing, state, *stage_names), None)
        stage = tuple(s.name for s in stage_user)
        safe = {u: s.name for u, s in zip(stage, stage_problem.variables)}
        stage_problem = replace(stage_problem, length_from=safe[v])
        # f: ∂F/∂v only; vjp: ∂F/∂(y0, p, t), wᵀ∂f/∂(y, p, t) at y0 + a·k; each loop writes only those
        f_kernel = jit_grad(stage_problem, frozenset({safe[v]}))
        kernel = jit_grad(stage_problem, frozenset(safe.values()) - {safe[n] for n in (v, *stage_names[1:]) if n in safe})
    else:  # n from the cotangent's length, as above
        from symgd.codegen.indexed import compile_indexed
        kernel = compile_indexed(pairing, "numpy", length_from=v)
        order = tuple(s.name for s in kernel.variables)
    vectors = tuple(name in bases or name == v for name in order)
    field = OdeField(expr, state, size, used_time, arrays, scalars, pairing, v, backend, order, vectors,
                     kernel, problem, ends=read_ends(problem, size) if problem is not None else ())
    if backend != "numba" or tree:
        return field
    field = replace(field, stage=stage, stage_names=stage_names)
    return replace(field, ops=_numba_ops(field, f_kernel))


def stage_pairing(pairing: sympy.Expr, state: str, base: str, slope: str, scale: str) -> sympy.Expr:
    """``pairing`` with every read state[e] replaced by base[e] + scale·slope[e]: its ∂/∂v is the field
    at the stage state y + a·k, read in the same loop (the same positions, so the same bounds)."""
    y0, k, a = sympy.IndexedBase(base), sympy.IndexedBase(slope), sympy.Symbol(scale)
    return pairing.replace(lambda e: isinstance(e, sympy.Indexed) and e.base.label.name == state,
                           lambda e: y0[e.indices] + a * k[e.indices])


class Layout(NamedTuple):
    """Where the numba loops find the kernels' arguments in ``BoundField.ctx`` = (parameters, array
    gradients, scalar gradients, ones): the parameters in argument order, the vector arguments but the
    cotangent, the array and the scalar parameters' summed gradients, the scalars the kernel returns."""

    params: tuple[str, ...]
    vectors: tuple[str, ...]
    array_grads: tuple[str, ...]
    scalar_grads: tuple[str, ...]
    returned: tuple[str, ...]


def layout(field: OdeField) -> Layout:
    """The ``Layout`` of ``field``'s kernel arguments."""
    params = tuple(n for n in field.order if n not in (field.cotangent, field.state, field.time))
    vectors = tuple(n for n, is_vec in zip(field.order, field.vectors) if is_vec and n != field.cotangent)
    returned = tuple(n for n, is_vec in zip(field.order, field.vectors) if not is_vec)
    return Layout(params, vectors, tuple(n for n in vectors if n in field.arrays),
                  tuple(n for n in returned if n in field.scalars), returned)


def _ops_source(field: OdeField) -> str:
    """``_f(c, y, a, k, t, out)`` and ``_vjp(c, y, a, k, t, w, y_bar)`` (``rk_steps.Ops``) calling the
    raw stage loops (at y + a·k) with the arguments and buffers of the ctx tuple ``c``: positions only,
    no user name. ``_f`` calls the loop of ∂F/∂v (``_fkernel``), ``_vjp`` the loop of the other
    gradients (``_kernel``): each writes only what its caller reads (a third of the full gradient's
    memory traffic for ``_f``)."""
    lay = layout(field)
    base, slope, scale = field.stage_names
    staged = {base: "y", slope: "k", scale: "a", field.time: "t"}
    args = [staged.get(n) or f"c[0][{lay.params.index(n)}]" for n in field.stage if n != field.cotangent]
    at = field.stage.index(field.cotangent)
    f_args, vjp_args = [*args[:at], "c[3]", *args[at:]], [*args[:at], "w", *args[at:]]
    # the vjp loop's buffers: one per vector it differentiates (y0's is y_bar), in its argument order
    bufs = ["y_bar" if n == base else f"c[1][{lay.array_grads.index(n)}]" for n in field.stage
            if n == base or n in field.arrays]
    returned = [n for n in field.stage if n in field.scalars or n == field.time]  # its scalars, in order
    sums = [f"    c[2][{k}] += _r[{returned.index(n)}]" for k, n in enumerate(lay.scalar_grads)]
    return "\n".join(["def _f(c, y, a, k, t, out):", "    out[:] = 0.0",
                      f"    _fkernel({', '.join([*f_args, 'out'])})", "",
                      "def _vjp(c, y, a, k, t, w, y_bar):", "    y_bar[:] = 0.0",
                      f"    _r = _kernel({', '.join([*vjp_args, *bufs])})", *sums]) + "\n"


def _numba_ops(field: OdeField, f_kernel: Any) -> Ops:
    """The numba ``Ops`` of a raw-loop field: its ``f`` and ``vjp`` compiled here, once."""
    from symgd.codegen.runtime import load, require_numba
    njit = require_numba().njit(fastmath=False, error_model="numpy")
    fns = load(_ops_source(field), "python", extra={"_kernel": field.kernel, "_fkernel": f_kernel})
    _, _, stages, combine, finite = rk_steps.compiled()
    return Ops(njit(fns["_f"]), njit(fns["_vjp"]), combine, finite, stages)


def read_ends(problem: IndexedProblem, size: str) -> tuple[tuple[str, int, int], ...]:
    """(array, a, b) for each read whose last index depends on the size: it reaches a·n + b."""
    n = sympy.Symbol(size)
    ends = []
    for base in sorted(problem.vectors, key=lambda v: v.name):
        reads = [sympy.expand(w.step * t.upper + w.offset) for t in problem.sums for w in t.windows
                 if w.base == base] + [sympy.expand(idx) for _, b, idx in problem.elements if b == base]
        ends += [(base.name, int(r.coeff(n)), int(r.subs(n, 0))) for r in reads if n in r.free_symbols]
    return tuple(ends)


def check_lengths(field: OdeField, lengths: Mapping[str, int], n: int) -> None:
    """Refuse (VariableError) a parameter array whose length is not one past its last read at this n:
    the raw loops take n from the first such array's length (``indexed_sizes``), and read past the
    others'."""
    for name, length in lengths.items():
        last = max((a * n + b for base, a, b in field.ends if base == name), default=None)
        if last is not None and length != last + 1:
            raise VariableError(f"{name} has {length} entries; the field reads {name}[0] to {name}[{last}] "
                                f"at {field.size} = {n}: give it {last + 1}")


class BoundField:
    """The field at one state length and parameter values, with its parameters' gradients summed over
    ``vjp`` calls; buffers allocated once. ``ops`` and ``ctx`` are what ``rk_steps`` runs: the numba
    loops and a tuple of arrays (``layout``) where the field is a raw numba loop (``fast``), else this
    object's ``f`` and ``vjp`` over NumPy calls."""

    def __init__(self, field: OdeField, n: int, params: Mapping[str, Any]) -> None:
        self.field, self.n = field, n
        if field.problem is not None:  # before any loop reads an array: numba checks no bounds
            lengths = {name: len(params[name]) for name in field.arrays}
            check_reads(field.problem, {**lengths, field.state: n, field.cotangent: n}, {field.size: n})
            check_lengths(field, lengths, n)
        self.grads = {name: (np.zeros_like(params[name]) if name in field.arrays else 0.0)
                      for name in field.params}
        self.fast = field.ops is not None
        if self.fast:
            lay = layout(field)
            self.ops, self.ctx = field.ops, (tuple(params[name] for name in lay.params),
                                             tuple(self.grads[name] for name in lay.array_grads),
                                             np.zeros(len(lay.scalar_grads)), np.ones(n))
            return
        self.ops, self.ctx = Ops(BoundField.f, BoundField.vjp, rk_steps.combine, rk_steps.finite, rk_steps.stages), self
        self.args: list[Any] = [params.get(name) for name in field.order]
        self.at = {name: k for k, name in enumerate(field.order)}
        self.ones, self.stage_y = np.ones(n), np.empty(n)

    def reset(self) -> None:
        """Zero the summed parameter gradients."""
        for name, g in self.grads.items():
            if isinstance(g, np.ndarray):
                g.fill(0.0)
            else:
                self.grads[name] = 0.0
        if self.fast:
            self.ctx[2].fill(0.0)

    def gradients(self) -> dict[str, Any]:
        """A copy of the summed parameter gradients (arrays of the parameters' shapes, floats)."""
        if self.fast:
            self.grads.update(zip(layout(self.field).scalar_grads, self.ctx[2].tolist()))
        return {name: (float(g) if np.ndim(g) == 0 else g.copy()) for name, g in self.grads.items()}

    def _set(self, y: np.ndarray, t: float, v: np.ndarray) -> list[Any]:
        f, args, at = self.field, self.args, self.at
        for name, value in ((f.cotangent, v), (f.state, y), (f.time, t)):
            if name in at:
                args[at[name]] = value
        return args

    def _stage(self, y: np.ndarray, a: float, k: np.ndarray) -> np.ndarray:
        """y + a·k (y itself where a = 0), formed as ``rk_steps.combine`` forms it."""
        if not a:
            return y
        np.multiply(k, a, out=self.stage_y)
        return np.add(y, self.stage_y, out=self.stage_y)

    def f(self, y: np.ndarray, a: float, k: np.ndarray, t: float, out: np.ndarray) -> None:
        """out = f(y + a·k) at time t (NumPy calls; y + a·k as ``rk_steps.combine`` forms it)."""
        args, field = self._set(self._stage(y, a, k), t, self.ones), self.field
        np.copyto(out, dict(zip(field.order, field.kernel.grad(*args)))[field.cotangent])

    def vjp(self, y: np.ndarray, a: float, k: np.ndarray, t: float, w: np.ndarray, y_bar: np.ndarray) -> None:
        """y_bar = wᵀ ∂f/∂y at (y + a·k, t) (zeros where f does not read y); adds wᵀ ∂f/∂p into
        ``grads``."""
        args, field = self._set(self._stage(y, a, k), t, w), self.field
        g = dict(zip(field.order, field.kernel.grad(*args)))
        for name in self.grads:
            self.grads[name] += g[name]
        if field.state in g:
            np.copyto(y_bar, g[field.state])
        else:
            y_bar.fill(0.0)
