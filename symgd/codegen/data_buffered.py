"""The data descent loop in the ``out=`` NumPy style: every per-step array lives in a buffer made once.

``inplace_functions(bound, rule)`` prints the gradient program of a ``DataProgram`` (the same graph and
adjoints as ``data.py``) and the optimizer's ``ElementwiseRule`` through ``buffered.Emitter``: buffers
are allocated once per binding (in the generated ``make``) and reused as soon as their value is dead.
Sums over the samples are taken without temporaries where the structure allows: Σ c·u·v as
c·dot(u, v), Σ c·u² as c·dot(u, u), the rest as one ``.sum()``. The rule's new state is written into
spare buffers that are swapped with the old ones (no copies). numexpr or numba would fuse further;
this keeps to plain NumPy, which every install has.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import sympy

from symgd.calculus.graph import build_graph
from symgd.codegen import runtime, ufunc_code
from symgd.codegen.buffered import Emitter
from symgd.codegen.data_printer import _index
from symgd.codegen.ir import Pool, code_names, program_from_graph
from symgd.codegen.rule import G, T, X, ElementwiseRule


def _emitter(lines: list[str], arrays: dict, prefix: str, size: str, consts: dict,
             scalars: dict | None = None) -> Emitter:
    """An emitter over ``arrays`` and ``scalars`` (symbol -> name), its buffers allocated in ``make``
    (``size`` long)."""
    printer = runtime.printer("numpy")
    em = Emitter(lines, set(), prefix, True, printer.doprint, None, consts, Pool(prefix, size))
    for sym, name in arrays.items():
        em.define(sym, name, True)
    for sym, name in (scalars or {}).items():
        em.define(sym, name, False)
    return em


def _head(em: Emitter, consts: dict) -> list[str]:
    return em.pool.allocations() + ufunc_code.constants(consts)


def grad_source(program, with_value: bool = False) -> str:
    """``make(n, data..., hoisted..., F0, f0, ...)`` returning ``grad(theta)``: the summed gradient,
    written into one buffer (the same array each call: read it before the next call). With
    ``with_value`` the function returns (Σ value, gradient) from the same pass."""
    params, blocks, p = program.params, program.blocks, len(program.params)
    direct = [q for q in params if q in program.reduced.free_symbols]
    args = ["n", *(d.name for d in program.data), *(h.name for h, _ in program.hoisted)]
    args += [f"{t}{k}" for k in range(len(blocks)) for t in "Ff"]
    head = [f"_g = _np.zeros({p})"] + [f"_q{k} = _np.empty({len(b.index)})" for k, b in enumerate(blocks)]
    head += [f"_l{k} = _np.empty(n)" for k in range(len(blocks))]
    body = [f"{q.name} = theta[{params.index(q)}]" for q in direct]
    for k, b in enumerate(blocks):
        sel = "theta" if b.index == tuple(range(p)) else f"theta[_i{k}]"
        head += [] if sel == "theta" else [f"_i{k} = _index({list(b.index)})"]
        body.append(f"_np.dot({sel}, F{k}, out=_l{k})")
        body += [f"_np.add(_l{k}, f{k}, out=_l{k})"] if b.offset != 0 else []
    inputs = tuple(direct) + tuple(b.symbol for b in blocks)
    ret = "_g"
    if inputs:
        prog, value, grads = program_from_graph(build_graph(program.reduced, inputs, stable=True))
        gp = prog.prune(((value,) if with_value else ()) + tuple(grads))
        rename = code_names(gp, runtime.RESERVED | {"theta", "n", "make", "grad", *args}, None)
        lines, outs = ufunc_code.inline(list(gp.lines), list(gp.outputs))
        arrays = {s: s.name for s in (*program.data, *(h for h, _ in program.hoisted))}
        arrays.update({b.symbol: f"_l{k}" for k, b in enumerate(blocks)})
        consts: dict = {}
        em = _emitter(body, arrays, "_b", "n", consts, {s: rename.get(s, s).name for s in direct})
        em.assign(lines, outs, lambda sym: rename.get(sym, sym).name)
        if with_value:
            body.append(f"_v = {em.reduce(outs.pop(0), 'n')}")
            ret = "_v, _g"
        body += ["_g.fill(0.0)"] if blocks else []
        for q, o in zip(direct, outs):
            body.append(f"_g[{params.index(q)}] = {em.reduce(o, 'n')}")
        for k, (b, o) in enumerate(zip(blocks, outs[len(direct):])):
            _block_grad(em, k, b, o, p)
        head += _head(em, consts)
    return "\n".join([f"def make({', '.join(args)}):", *("    " + h for h in head), "    def grad(theta):",
                      *("        " + b for b in body), f"        return {ret}", "    return grad"]) + "\n"


def _block_grad(em: Emitter, k: int, block, out, p: int) -> None:
    """Fᵀ-table times the adjoint of the block's ℓ, added into the block's parameters."""
    target = "_g[:]" if block.index == tuple(range(p)) else f"_g[_i{k}]"
    if not em.is_array(out):
        em.lines.append(f"{target} += ({em.text(out)})*F{k}.sum(axis=1)")
        return
    coeff, arrays = em.split(out)
    op = em.lower(arrays)
    em.lines.append(f"_np.dot(F{k}, {op.text}, out=_q{k})")
    if coeff != 1:
        em.lines.append(f"_mul(_q{k}, {em.scalar_operand(coeff).text}, _q{k})")
    em.release(op)
    em.lines.append(f"{target} += _q{k}")


def rule_source(rule: ElementwiseRule, p: int) -> str:
    """``make()`` returning ``update(x, g, t) -> new x``: the rule's state in buffers made once; new slot
    values and the new x go into spare buffers swapped with the old ones (no copies)."""
    slots = rule.slot_symbols()
    new = [sympy.Symbol(f"_new{j}") for j in range(len(slots))]
    names = {X: "x", G: "g", **{s: f"_s{j}" for j, s in enumerate(slots)}}
    body: list[str] = []
    consts: dict = {}
    em = _emitter(body, {**names, **{s: f"_n{j}" for j, s in enumerate(new)}}, "_r", str(p), consts, {T: "t"})
    for j, e in enumerate(rule.state_update):
        em.into(e, f"_n{j}")
    em.into(rule.x_update.xreplace(dict(zip(slots, new))), "_xn")
    swaps = [f"_s{j}, _n{j} = _n{j}, _s{j}" for j in range(len(slots))] + ["_xn, x = x, _xn"]
    state = [f"_s{j} = _np.full({p}, {float(v)!r})" for j, v in enumerate(rule.init)]
    state += [f"_n{j} = _np.empty({p})" for j in range(len(slots))] + [f"_xn = _np.empty({p})"]
    state += _head(em, consts)
    keep = ", ".join([*(f"_s{j}, _n{j}" for j in range(len(slots))), "_xn"])
    return "\n".join(["def make():", *("    " + s for s in state), "    def update(x, g, t):",
                      f"        nonlocal {keep}", *("        " + b for b in body + swaps),
                      "        return x", "    return update"]) + "\n"


def _load(source: str) -> Callable[..., Any]:
    return runtime.load(source, "numpy", extra={**ufunc_code.namespace(), "_index": _index})["make"]


@functools.lru_cache(maxsize=64)  # keyed on the (frozen) program: one load per program and kind
def _summed_make(program, with_value: bool) -> Callable[..., Any]:
    return _load(grad_source(program, with_value))


def summed_factory(program, with_value: bool) -> Callable[..., Any] | None:
    """``make(n, arrays...)`` of the in-place summed gradient (and value), loaded once per program;
    None when the loss has no parameter to differentiate."""
    if not program.blocks and not any(q in program.reduced.free_symbols for q in program.params):
        return None
    return _summed_make(program, with_value)


def inplace_functions(bound, rule: ElementwiseRule) -> tuple[Callable[[Any], Any], Callable[..., Any]]:
    """(grad, update) for ``bound`` and ``rule``; ``update(x, g, t)`` may return another buffer than x."""
    program = bound.program
    make = summed_factory(program, False)
    grad = make(bound.n, *bound.arrays) if make is not None else bound.sum_grad
    update = _load(rule_source(rule, len(program.params)))()
    return grad, update
