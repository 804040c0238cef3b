"""Printing a data program: the generated ``make`` factory (values, summed value and gradient, Jacobian,
gradient alone) for NumPy or torch, and the ``hoist`` function, from the one graph of the reduced
per-sample expression (see ``bound.py`` for what is hoisted and which sums became feature tables).
"""
from __future__ import annotations

import numpy as np
import sympy

from symgd.calculus.graph import build_graph
from symgd.codegen import runtime
from symgd.codegen.ir import code_names, program_from_graph, render_body


def _square_base(out_node) -> sympy.Symbol | None:
    """u when the output node is c·u² with u a node symbol."""
    if out_node is None:
        return None
    _, rest = out_node.expr.as_coeff_Mul()
    return rest.base if rest.is_Pow and rest.exp == 2 and rest.base.is_Symbol else None


def _reduction(value_expr: str, out_node, rename) -> str:
    """Σ over samples of the printed per-sample value: a dot product for c·u² outputs."""
    square = _square_base(out_node)
    if square is not None:
        return f"_dotn({float(out_node.expr.as_coeff_Mul()[0])!r}, {rename.get(square, square).name}, n)"
    return f"_red({value_expr}, n)"


def _printed(reduced, inputs, n_direct: int, backend: str) -> tuple[dict[str, tuple[list[str], list[str]]], list[str]]:
    """Bodies and outputs of the four functions (values, svg (value first), jacobian, grad).

    In svg and grad the outputs of the ``n_direct`` parameters come already summed over the samples
    (see ``_summed``); the blocks' outputs come per sample with, per block, its numeric factor as a
    prefix ("2.0*" or "") to apply after the table product (Σ 2·l·F = 2·(F·l)), so no per-sample array
    is scaled. The Jacobian's outputs are the per-sample partials as they are."""
    if not inputs:
        text = runtime.printer(backend).doprint(reduced)
        return {"values": ([], [text]), "svg": ([], [f"_red({text}, n)"]), "jacobian": ([], []),
                "grad": ([], [])}, []
    graph = build_graph(reduced, inputs, stable=True)
    program, value, grads = program_from_graph(graph)
    out_node = graph.node(graph.output) if graph.nodes else None
    square = _square_base(out_node)
    per_sample = _per_sample(program, reduced.free_symbols - set(inputs[:n_direct]))
    summed = [_summed(program, g, value, grads, per_sample) for g in grads[:n_direct]]
    split = [g.as_coeff_Mul() for g in grads[n_direct:]]
    scales = [f"({float(c)!r})*" if c != 1 and c.is_Number and rest != 1 else "" for c, rest in split]
    block_grads = tuple(rest if scale else g for (c, rest), scale, g in zip(split, scales, grads[n_direct:]))
    parts = [part for _, args in summed for part in args]
    # a c·u² output is summed as c·(u·u): the per-sample squares are never formed
    full = program.prune((square if square is not None else value, *parts, *block_grads))
    # user names were mangled once by compile_data: every argument here is safe or internal
    rename = code_names(program.prune((value, *grads, *parts)), runtime.RESERVED | {"theta", "n", "make"}, None)
    cache: dict = {}

    def reduced_outputs(outs: list[str]) -> list[str]:
        texts, at = [], 0
        for template, args in summed:
            texts.append(template.format(*outs[at:at + len(args)]))
            at += len(args)
        return texts + outs[at:]
    body, outs = render_body(full, backend, rename, cache)
    out = {"svg": (body, [_reduction(outs[0], out_node, rename), *reduced_outputs(outs[1:])])}
    out["values"] = render_body(program.prune((value,)), backend, rename, cache)
    gbody, gouts = render_body(program.prune((*parts, *block_grads)), backend, rename, cache)
    out["grad"] = (gbody, reduced_outputs(gouts))
    out["jacobian"] = render_body(program.prune(grads), backend, rename, cache)
    return out, scales


def _per_sample(program, data: set) -> set:
    """The symbols holding one value per sample: the data, and every line that reads one."""
    per_sample = set(data)
    for sym, expr in program.lines:
        if program.free(expr) & per_sample:
            per_sample.add(sym)
    return per_sample


def _summed(program, g, value, grads, per_sample: set) -> tuple[str, list]:
    """How to print Σ_samples g: (a template over printed parts, the parts).

    A product c·s·u·v (c a number, s per-parameter, u, v per-sample symbols) is summed as c·s·(u·v):
    one dot product, no per-sample product or scaling pass; c·s·u as c·s·Σu. The line defining g is
    then not run in the summed functions (it is kept for the Jacobian)."""
    expr = g
    lines = dict(program.lines)
    if g in lines and not any(g in program.free(e) for _, e in program.lines) \
            and [o for o in (value, *grads) if g in program.free(o)] == [g]:
        expr = lines[g]
    coeff, factors = expr.as_coeff_mul()
    arrays, scalars = [], []
    for f in factors:
        if f.is_Pow and f.exp == 2 and f.base in per_sample and f.base.is_Symbol:
            arrays += [f.base, f.base]
        elif f.free_symbols & per_sample:
            arrays.append(f)
        else:
            scalars.append(f)
    scale = coeff * sympy.Mul(*scalars)
    if all(a.is_Symbol for a in arrays) and len(arrays) in (1, 2):
        if scale == 1:
            return ("_red({0}, n)" if len(arrays) == 1 else "_dot2({0}, {1}, n)"), arrays
        return ("({0})*_red({1}, n)" if len(arrays) == 1 else "({0})*_dot2({1}, {2}, n)"), [scale, *arrays]
    return "_red({0}, n)", [g]


def _source(reduced, params, data, hoisted, blocks, backend: str = "numpy") -> str:
    """Generated factory ``make(n, data..., hoisted..., F0, f0, ...)`` returning the functions values,
    sum_value_and_grad, jacobian and sum_grad (the gradient alone, for descent loops)."""
    p = len(params)
    direct = [q for q in params if q in reduced.free_symbols]
    parts, scales = _printed(reduced, tuple(direct) + tuple(b.symbol for b in blocks), len(direct), backend)
    args = ["n", *(d.name for d in data), *(h.name for h, _ in hoisted)]
    args += [f"{t}{k}" for k in range(len(blocks)) for t in "Ff"]
    theta = [f"{q.name} = theta[{params.index(q)}]" for q in direct]
    for k, b in enumerate(blocks):  # the offset added in place: no second per-sample temporary
        theta += [f"l{k} = {_select('theta', b, p)} @ F{k}"] + ([f"l{k} += f{k}"] if b.offset != 0 else [])
    grad, jac = [f"_g = _zeros({p})"], [f"_j = _zeros(n, {p})"]
    for k, q in enumerate(direct):
        grad.append(f"_g[{params.index(q)}] = {{{k}}}")
        jac.append(f"_j[:, {params.index(q)}] = {{{k}}}")
    for k, b in enumerate(blocks):
        j = len(direct) + k
        grad.append(f"{_select('_g', b, p)} += {scales[k]}_tdot(F{k}, {{{j}}})")
        cols = ":" if b.index == tuple(range(p)) else f"_i{k}"
        jac.append(f"_j[:, {cols}] += _col({{{j}}}) * F{k}.T")

    def function(name: str, body: list[str], tail: list[str]) -> list[str]:
        return [f"    def {name}(theta):", *("        " + t for t in theta + body + tail)]
    vbody, vouts = parts["values"]
    sbody, souts = parts["svg"]
    # a block's parameter positions: a slice, or an index made once (a list would be copied to the
    # device on every call)
    index = [f"    _i{k} = _index({list(b.index)})" for k, b in enumerate(blocks) if b.index != tuple(range(p))]
    lines = [f"def make({', '.join(args)}):", *index, *function("values", vbody, [f"return _full({vouts[0]}, n)"])]
    lines += function("sum_value_and_grad", sbody, [g.format(*souts[1:]) for g in grad]
                      + [f"return {souts[0]}, _g"])
    lines += function("jacobian", parts["jacobian"][0], [j.format(*parts["jacobian"][1]) for j in jac]
                      + ["return _j"])
    lines += function("sum_grad", parts["grad"][0], [g.format(*parts["grad"][1]) for g in grad] + ["return _g"])
    lines.append("    return values, sum_value_and_grad, jacobian, sum_grad")
    return "\n".join(lines) + "\n"


def _select(name: str, block, p: int) -> str:
    k = block.symbol.name[1:]  # l0, l1, ...: the block's number
    return name if block.index == tuple(range(p)) else f"{name}[_i{k}]"


def _index(index: list[int]):
    """A slice for consecutive positions (a view), else an index array."""
    if index == list(range(index[0], index[-1] + 1)):
        return slice(index[0], index[-1] + 1)
    return np.array(index)


def _red(v, n):
    return float(np.sum(v)) if np.ndim(v) else float(v) * n


def _dotn(c, u, n):
    return c * float(u @ u) if np.ndim(u) else c * float(u * u) * n


def _dot2(u, v, n):
    if np.ndim(u) and np.ndim(v):
        return float(u @ v)
    return _red(u * v, n)


def _full(v, n):
    return v if np.shape(v) == (n,) else np.full(n, v, dtype=float)


def _tdot(table, g):
    return table @ g if np.ndim(g) else g * table.sum(axis=1)


def _col(g):
    return g[:, None] if np.ndim(g) else g


#: The helpers generated NumPy code calls (bound_torch has the torch twins).
HELPERS = {"_index": _index, "_red": _red, "_dot2": _dot2, "_full": _full, "_tdot": _tdot, "_col": _col, "_dotn": _dotn,
           "_zeros": lambda *shape: np.zeros(shape)}


def _hoist_source(data, features, backend: str) -> str:
    printer = runtime.printer(backend)
    return (f"def hoist({', '.join(d.name for d in data)}):\n"
            f"    return ({''.join(printer.doprint(f) + ', ' for f in features)})\n")
