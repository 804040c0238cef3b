"""Compile a reduction tree (several-index arrays, nested sums, prod/min/max/logsumexp over an index).

The loops of ``reduce_loops`` run under numba (backend "numba", and "numpy"/"auto" where numba is
installed) or as plain Python ("python", or where numba is missing: correct but slow, for small
sizes). Arrays are passed as float64 arrays (any number of axes), scalars as floats. Sizes are fixed
by ``sizes`` or read from an array's shape where an index runs 0..S-1 over one of its axes. Before
the loops run, a check (once per shape) proves every read lies inside its array: numba does not
check bounds, and a negative index would silently wrap.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import sympy

from symgd.calculus.reduce_tree import Tree, analyse_tree
from symgd.codegen import runtime
from symgd.codegen.compiled import Compiled
from symgd.codegen.names import mangle_expr, rename_keys
from symgd.codegen.reduce_check import ARRAY_CHECK_HELPERS, TOO_LARGE, array_check_source, check_source, reads_in_scope
from symgd.codegen.reduce_loops import function_source
from symgd.errors import BackendUnavailableError, CompileError, DomainError
from symgd.parse import budget

BACKENDS = ("numba", "numpy", "auto", "python")
_CHECKED_SHAPES = 64
# Reassociation lets LLVM vectorise the sums (a sum's rounding may change in the last bits); no nnan/ninf,
# so min/max starting from inf and logsumexp's -inf stay exact.
_FASTMATH = {"reassoc", "contract"}  # shape keys remembered per function (each proven in bounds once)


def _size_plan(tree: Tree, known: Mapping[str, int]) -> list[tuple]:
    """Per size: ("given", n) or ("shape", ((argument position, axis), ...)): every array axis read by
    an index running 0..S-1 (all must agree: the first gives S, the call checks the others)."""
    position = {v: k for k, v in enumerate(tree.variables)}
    plan = []
    for size in tree.sizes:
        if size.name in known:
            plan.append(("given", known[size.name]))
            continue
        axes = {(position[read.base], axis) for read, chain in reads_in_scope(tree) for node in chain
                for axis, idx in enumerate(read.indices)
                if idx == node.index and node.lower == 0 and node.upper == size - 1}
        if not axes:
            raise CompileError(f"cannot tell the size {size.name} from the arrays' shapes; give "
                               f"sizes={{'{size.name}': ...}}")
        plan.append(("shape", tuple(sorted(axes))))
    return plan


def prepare(expr: sympy.Expr | str, backend: str, sizes: Mapping[str, int] | None, wrt: Any = None) -> tuple:
    """The tree over safe names (variables in call order: ``wrt`` first, then the others by name), the
    user's variables in that order, the number differentiated, the call checker, whether numba runs
    the loops, and ``load(source) -> functions``."""
    if backend not in BACKENDS:
        raise CompileError(f"reductions over indices compile to loops (numba, or python), not {backend!r}")
    if isinstance(expr, str):
        from symgd.parse import parse
        expr = parse(expr)
    user = analyse_tree(expr).variables
    if wrt is not None:
        from symgd.calculus.variables import ordered_variables
        first = [v.name for v in ordered_variables(expr, wrt)]
        unknown = [n for n in first if n not in {u.name for u in user}]
        if unknown:
            raise CompileError(f"wrt names {', '.join(unknown)}, which is no array or scalar here (they are: "
                               f"{', '.join(u.name for u in user)})")
        user = tuple(sorted(user, key=lambda u: (u.name not in first, first.index(u.name) if u.name in first
                                                  else 0, u.name)))
    count = len(user) if wrt is None else len(first)
    mexpr, rename = mangle_expr(expr, runtime.RESERVED)
    tree = analyse_tree(mexpr)
    order = {rename.get(u, u): k for k, u in enumerate(user)}
    tree = replace(tree, variables=tuple(sorted(tree.variables, key=order.__getitem__)))
    plan = _size_plan(tree, budget.check_sizes(rename_keys(sizes, rename)))
    use_numba = backend == "numba" or (backend != "python" and _has_numba())
    users = {v: u for u, v in rename.items()}

    def load(source: str) -> dict:
        if use_numba:
            for part in source.split("\ndef "):  # numba compiles each function on its own
                runtime.check_numba_size(part)
            return _jitted(source)
        return runtime.load(source, "python", extra={"_np": np})
    check = runtime.load(array_check_source(tree), "python", extra=ARRAY_CHECK_HELPERS)["_check"]
    loop_check = functools.cache(lambda: load(check_source(tree))["_check"])  # compiled if ever needed
    caller = _Caller(tree, plan, (check, loop_check), {v: users.get(v, v).name for v in tree.variables},
                     use_numba, frozenset(tree.variables[:count]))
    return tree, user, count, caller, use_numba, load


def compile_reductions(expr: sympy.Expr, backend: str = "auto", sizes: Mapping[str, int] | None = None,
                       wrt: Any = None) -> Compiled:
    """A ``Compiled`` for ``expr`` with reductions; arguments are the ``wrt`` variables (default: every
    array and scalar, sorted by name), then the others by name; the gradient has one entry per wrt
    variable (an array's is an array of its shape), and the loops compute no other."""
    tree, user, count, call, use_numba, load = prepare(expr, backend, sizes, wrt)
    # loop invariants hoisted under numba only: the plain-Python loops (small sizes) would raise where a
    # hoisted expression overflows at an index whose loop turns out empty; numba gives inf there, unused
    source = "\n".join(function_source(tree, kind, call.active, hoist=use_numba)
                       for kind in ("value_and_grad", "value", "grad"))
    fns = load(source)
    return Compiled(user[:count], "numba" if use_numba else "python", source,
                    call.wrap(fns["_value_and_grad"], "value_and_grad"), call.wrap(fns["_value"], "value"),
                    call.wrap(fns["_grad"], "grad"), None, user[count:])


@functools.lru_cache(maxsize=32)
def _jitted(source: str) -> dict:
    """numba versions of the functions in ``source``, kept per source text: given sizes are call
    arguments, so every size (and every compile of the same text) shares one JIT."""
    return _jit(runtime.load(source, "python", extra={"_np": np}))


def cofactor(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix adj(A)ᵀ, the gradient of det(A), for every square A, singular too: with
    A = U S Vᵀ it is det(U) det(V) U diag(prod of the other singular values) Vᵀ. No division, so it
    stays exact where det(A) A⁻ᵀ would divide by zero."""
    u, s, vt = np.linalg.svd(a)
    n = s.shape[0]
    others = np.ones(n)
    pre = 1.0
    for k in range(n):  # prefix products forward, suffix products backward: prod_{j != k} s_j
        others[k] = pre
        pre *= s[k]
    post = 1.0
    for k in range(n - 1, -1, -1):
        others[k] *= post
        post *= s[k]
    return np.linalg.det(u) * np.linalg.det(vt) * ((u * others) @ vt)


def _has_numba() -> bool:
    try:
        runtime.require_numba()
    except BackendUnavailableError:
        return False
    return True


def _jit(fns: dict) -> dict:
    numba = runtime.require_numba()
    try:
        return {name: numba.njit(fastmath=_FASTMATH, error_model="numpy")(fn) for name, fn in fns.items()}
    except Exception as exc:  # numba's errors come in several classes
        raise CompileError(f"numba could not compile the reduction loops: {exc}") from exc


class _Caller:
    """Converts and checks the arguments of every call, then runs one generated function."""

    def __init__(self, tree: Tree, plan: list, check: tuple, names: dict, numba: bool, active: frozenset) -> None:
        """``check``: the NumPy bounds check and a function giving the loop check (for huge grids)."""
        ndim = dict(tree.ndim)
        self.numba, self.active = numba, active
        self.grad_order = [tree.variables.index(a) for a in sorted(ndim, key=lambda s: s.name) if a in active]
        self.tree, self.plan, self.check, self.names = tree, plan, check, names
        self.ndims = [ndim.get(v) for v in tree.variables]
        by_name = sorted(ndim, key=lambda s: s.name)
        self.array_order = [tree.variables.index(a) for a in by_name]  # argument order of _g_ arrays
        self.checked: set = set()
        self.reads = [r for r, _ in reads_in_scope(tree)]

    def convert(self, args: tuple) -> tuple[list, tuple]:
        if len(args) != len(self.ndims):
            raise CompileError(f"{len(args)} arguments given; the function takes {len(self.ndims)}")
        out = []
        squares = {base for _, base in self.tree.dets}
        for a, nd, v in zip(args, self.ndims, self.tree.variables):
            try:
                arr = float(a) if nd is None else np.ascontiguousarray(a, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                what = "a number" if nd is None else "an array of numbers"
                raise CompileError(f"{self.names[v]} must be {what}: {exc}") from None
            if nd is None:
                out.append(arr)
                continue
            if arr.ndim != nd:
                raise CompileError(f"{self.names[v]} is read with {nd} ind{'ex' if nd == 1 else 'ices'}; "
                                   f"the array given has shape {arr.shape}")
            if v in squares and arr.shape[0] != arr.shape[1]:
                raise CompileError(f"det({self.names[v]}) needs a square array, not shape {arr.shape}")
            out.append(arr)
        sizes = tuple(int(p[1]) if p[0] == "given" else self.size_from(p[1], out, k)
                      for k, p in enumerate(self.plan))
        key = (tuple(a.shape for a in out if isinstance(a, np.ndarray)), sizes)
        if key not in self.checked:
            arrays = [out[k] for k in self.array_order]
            bad = self.check[0](*arrays, *sizes)
            if bad == TOO_LARGE:
                bad = self.run(self.check[1](), *arrays, *sizes)
            if bad >= 0:
                r = self.reads[bad]
                shape = out[self.tree.variables.index(r.base)].shape
                raise CompileError(f"{self.names[r.base]}[{', '.join(map(str, r.indices))}] reads outside "
                                   f"the array (shape {shape}) or at a fractional index for these sizes")
            if len(self.checked) >= _CHECKED_SHAPES:
                self.checked.clear()
            self.checked.add(key)
        return out, sizes

    def run(self, fn: Any, *args: Any) -> Any:
        """Call a generated function; numba's compile errors and plain Python's float errors (math.exp
        overflows where numba gives inf) become SymgdErrors."""
        if not self.numba:
            try:
                return fn(*args)
            except (ArithmeticError, ValueError) as exc:
                raise DomainError(f"the python loops stopped: {exc} (the numba loops give inf or nan)") from None
        import numba
        try:
            return fn(*args)
        except numba.core.errors.NumbaError as exc:
            raise CompileError(f"numba could not compile the reduction loops: {exc}") from None

    def size_from(self, axes: tuple, out: list, k: int) -> int:
        """The size read from the first (argument, axis); the others must have the same length."""
        (first, ax), *rest = axes
        n = out[first].shape[ax]
        for pos, axis in rest:
            if out[pos].shape[axis] != n:
                v, w = self.tree.variables[first], self.tree.variables[pos]
                raise CompileError(f"the size {self.tree.sizes[k].name} is {n} from axis {ax} of {self.names[v]} "
                                   f"but {out[pos].shape[axis]} from axis {axis} of {self.names[w]}")
        return n

    def det_arguments(self, conv: list, kind: str) -> list:
        """det(A) for each det, then (for a gradient) the cofactor matrix of each active A."""
        position = {v: k for k, v in enumerate(self.tree.variables)}
        out = [float(np.linalg.det(conv[position[base]])) for _, base in self.tree.dets]
        if kind != "value":
            out += [cofactor(conv[position[base]]) for _, base in self.tree.dets if base in self.active]
        return out

    def wrap(self, fn: Any, kind: str):
        def call(*args):
            conv, sizes = self.convert(args)
            dets = self.det_arguments(conv, kind) if self.tree.dets else []
            if kind == "value":
                return self.run(fn, *conv, *sizes, *dets)
            bufs = [np.zeros_like(conv[k]) for k in self.grad_order]
            out = self.run(fn, *conv, *sizes, *dets, *bufs)
            value, scal = out if kind == "value_and_grad" else (None, out)
            scal = iter(scal if isinstance(scal, tuple) else ())
            arrays = dict(zip(self.grad_order, bufs))
            grads = tuple(arrays[k] if k in arrays else next(scal)
                          for k, v in enumerate(self.tree.variables) if v in self.active)
            return grads if kind == "grad" else (value, grads)
        return call
