"""Fused descent loops: gradient, optimizer update, stopping test and history as ONE generated function.

For a scalar problem the gradient lines of the one graph and the optimizer's ``ElementwiseRule`` are
printed, per coordinate, into a single loop (plain Python floats, or compiled by numba), so no per-step
call overhead remains. The gradient norm and finiteness are tested every ``check_every`` steps; a row
(step, x, value, grad norm) is recorded every ``record_every`` steps (0: none) and at the end.
"""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import sympy

from symgd.calculus.graph import Graph, build_graph
from symgd.errors import CompileError
from symgd.codegen import backends, runtime
from symgd.codegen.cache import LruCache
from symgd.codegen.ir import code_names, program_from_graph, render_body
from symgd.codegen.names import LOOP_NAMES
from symgd.codegen.printers import ADD_CHUNK
from symgd.loops.composed import composed_step, count_ops, per_step_symbols
from symgd.codegen.rule import G, T, X, ElementwiseRule
from symgd.loops.outcome import CODES, Outcome


def rule_lines(rule: ElementwiseRule, xs: list[str], printer,
               bounds: Any = None) -> tuple[list[str], list[str], int]:
    """Per-step lines (depending on t only, emitted once a step), per-coordinate update lines (each
    update clipped into ``bounds``, a (lo, hi) pair per coordinate, where given), and their operation
    count."""
    slots = rule.slot_symbols()
    new = [sympy.Symbol(f"_new_{s}", real=True) for s in rule.slots]
    exprs = list(rule.state_update) + [rule.x_update.xreplace(dict(zip(slots, new)))]
    t = sympy.Symbol("_t")
    per_step = per_step_symbols(exprs)
    exprs = [e.xreplace(per_step) for e in exprs]
    temps, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("_c"))
    ops = len(xs) * count_ops([*(e for _, e in temps), *reduced])
    step_lines = [f"{s.name} = {printer.doprint(e.xreplace({T: t}))}" for e, s in per_step.items()]
    coord_lines = []
    for i, name in enumerate(xs):
        sub = {X: sympy.Symbol(name), G: sympy.Symbol(f"_g{i}"), T: t}
        sub.update({s: sympy.Symbol(f"_s{j}_{i}") for j, s in enumerate(slots)})
        sub.update({s: sympy.Symbol(f"_n{j}_{i}") for j, s in enumerate(new)})
        sub.update({s: sympy.Symbol(f"{s.name}_{i}") for s, _ in temps})
        coord_lines += [f"{s.name}_{i} = {printer.doprint(e.xreplace(sub))}" for s, e in temps]
        coord_lines += [f"_n{j}_{i} = {printer.doprint(reduced[j].xreplace(sub))}" for j in range(len(slots))]
        coord_lines.append(f"{name} = {printer.doprint(reduced[-1].xreplace(sub))}")
        coord_lines += clip_lines(name, *(bounds[i] if bounds else (-math.inf, math.inf)))
        coord_lines += [f"_s{j}_{i} = _n{j}_{i}" for j in range(len(slots))]
    return step_lines, coord_lines, ops


def clip_lines(name: str, lo: float, hi: float) -> list[str]:
    """``name`` clipped onto its finite bounds: the projected step of a bounded descent."""
    return ([f"{name} = max({name}, {float(lo)!r})"] if math.isfinite(lo) else []) + \
           ([f"{name} = min({name}, {float(hi)!r})"] if math.isfinite(hi) else [])


def projected_norm2(xs: list[str], bounds: Any) -> str:
    """The squared gradient norm with the components that push out of the box at an active bound
    left out (at a minimum on the box edge the gradient itself is not 0); the plain one without bounds."""
    terms = []
    for i, (x, (lo, hi)) in enumerate(zip(xs, bounds or [(-math.inf, math.inf)] * len(xs))):
        blocked = ([f"({x} <= {float(lo)!r} and _g{i} > 0.0)"] if math.isfinite(lo) else []) + \
                  ([f"({x} >= {float(hi)!r} and _g{i} < 0.0)"] if math.isfinite(hi) else [])
        terms.append(f"(0.0 if {' or '.join(blocked)} else _g{i}*_g{i})" if blocked else f"_g{i}*_g{i}")
    return _sum_text(terms)


def loop_source(graph: Graph, rule: ElementwiseRule, python: bool = True, bounds: Any = None) -> str:
    """Source of ``value(x...)`` and ``loop(x..., slots..., steps, tol2, check_every, record_every, hist)``.

    The loop returns (x..., k, status, last finite x..., its step, its squared grad norm, rows). With
    ``bounds`` ((lo, hi) per input, ±inf for an open side) every update is clipped into the box and the
    stopping test uses the projected gradient (projected gradient descent, as the array loop's).
    """
    program, value, grads = program_from_graph(graph)
    gprog = program.prune(grads)
    vprog = program.prune((value,))
    rename = code_names(program, runtime.RESERVED | LOOP_NAMES)
    printer = runtime.printer("python")
    xs = [rename.get(v, v).name for v in graph.inputs]
    n = len(xs)
    # gradient outputs computed by a line are written straight into _g{i} (no copies per step)
    line_syms = {sym for sym, _ in gprog.lines}
    grename = dict(rename)
    first: set = set()  # outputs already given a _g name (a set: n outputs, n look-ups)
    for i, o in enumerate(gprog.outputs):
        if o in line_syms and o not in first:
            first.add(o)
            grename[o] = sympy.Symbol(f"_g{i}")
    gbody, gouts = render_body(gprog, "python", grename)
    vbody, vouts = render_body(vprog, "python", rename)
    grad = gbody + [f"_g{i} = {o}" for i, o in enumerate(gouts) if o != f"_g{i}"]
    step_lines, coord_lines, rule_ops = rule_lines(rule, xs, printer, bounds)
    # the composed step prints the update itself, without the clip: a bounded loop keeps them apart
    composed = None if bounds else composed_step(graph, rule, xs, printer,
                                                 rule_ops + count_ops([e for _, e in gprog.lines]))
    slots = [f"_s{j}_{i}" for j in range(len(rule.slots)) for i in range(n)]
    gn2 = projected_norm2(xs, bounds)
    xsum = _sum_text(xs)
    args = ", ".join(xs + slots + ["steps", "tol2", "check_every", "record_every", "hist"])
    last = ", ".join(f"_l{i}" for i in range(n))
    ind = "    "
    src = [f"def value({', '.join(xs)}):", *(ind + b for b in vbody), f"{ind}return {vouts[0]}", "",
           f"def loop({args}):",
           f"{ind}_k = 0", f"{ind}_rows = 0", f"{ind}_status = 2", f"{ind}_lk = 0", f"{ind}_lgn2 = 0.0"]
    src += [f"{ind}_l{i} = {x}" for i, x in enumerate(xs)]
    # with a composed step the gradient lines run only at the check points, at the top of each pass
    step = step_lines + (composed if composed else coord_lines + grad)
    body = ([] if composed else grad) + ["while True:", *(ind + g for g in (grad if composed else []))]
    check = check_block(xs, gn2, "_gn2 < _inf and _xs - _xs == 0.0", [f"_l{i} = {x}" for i, x in enumerate(xs)],
                        f"value({', '.join(xs)})", "hist", "record_every", "tol2")
    body += [f"{ind}_xs = {xsum}", *(ind + c for c in check),
            f"{ind}if _k >= steps:", f"{ind*2}break",
            f"{ind}_m = min(check_every, steps - _k)",
            f"{ind}if record_every > 0:", f"{ind*2}_m = min(_m, record_every - _k % record_every)",
            *_steps(step, _uses_t(rule), _unroll(step, python), ind)]
    if python:
        body, aliases = _local_math(body)
        src += [ind + a for a in aliases]
        src += [f"{ind}try:", *(ind * 2 + b for b in body),
                f"{ind}except (ArithmeticError, ValueError):", f"{ind*2}_status = 1"]
    else:
        src += [ind + b for b in body]
    src.append(f"{ind}return ({', '.join(xs)}{',' if n else ''} _k, _status, ({last}{',' if n else ''}), "
               f"_lk, _lgn2, _rows)")
    return "\n".join(src) + "\n"


def check_block(xs: list[str], gn2: str, finite: str, keep: list[str], value: str, hist: str, rec: str,
                tol2: str) -> list[str]:
    """The stopping test of a generated loop (shared by the scalar and the numba data loops): the
    squared gradient norm, code 1 (diverged) unless ``finite`` (and, where a history row is due every
    ``rec`` steps, its ``value``: a raise or a NaN there is caught before ``keep``), the last finite
    iterate kept by ``keep``, the row (step, value, grad norm, x...), code 0 (gradient) below ``tol2``;
    the rule is stated once in ``loops.outcome``. The test is written out twice (with and without the
    row) so that a check without a row costs what it did before the value was tested."""
    ind = "    "
    fail = [f"{ind*2}_status = 1", f"{ind*2}break"]
    kept = [ind + line for line in (*keep, "_lk = _k", "_lgn2 = _gn2")]
    return [f"_gn2 = {gn2}", f"if {rec} > 0 and _k % {rec} == 0:", f"{ind}_v = {value}",
            f"{ind}if not ({finite} and _v - _v == 0.0):", *fail, *kept,
            f"{ind}{hist}[_rows, 0] = _k", f"{ind}{hist}[_rows, 1] = _v",
            f"{ind}{hist}[_rows, 2] = math.sqrt(_gn2)",
            *(f"{ind}{hist}[_rows, {3 + i}] = {x}" for i, x in enumerate(xs)), f"{ind}_rows += 1",
            "else:", f"{ind}if not ({finite}):", *fail, *kept,
            f"if _gn2 <= {tol2}:", f"{ind}_status = 0", f"{ind}break"]


#: Steps written out per pass of the python loop's inner ``for`` (its per-iteration cost is shared),
#: for steps of at most 16 lines; longer steps are written out fewer times (the loop cost matters less
#: and the code would grow), steps over UNROLL_LINES lines once.
UNROLL = 8
UNROLL_LINES = 400


def _unroll(step: list[str], python: bool) -> int:
    if not python or len(step) > UNROLL_LINES:
        return 1
    return UNROLL if len(step) <= 16 else UNROLL // 2


def _uses_t(rule: ElementwiseRule) -> bool:
    return any(e.has(T) for e in (*rule.state_update, rule.x_update))


def _steps(step: list[str], uses_t: bool, unroll: int, ind: str) -> list[str]:
    """The inner loop running ``_m`` steps: ``unroll`` copies of one step per pass, then the rest."""
    one = (["_k += 1", "_t = float(_k)"] if uses_t else []) + step
    after = [] if uses_t else [f"{ind}_k += _m"]
    if unroll <= 1:
        return [f"{ind}for _i in range(_m):", *(ind * 2 + line for line in one)] + after
    return ([f"{ind}for _i in range(_m // {unroll}):", *(ind * 2 + line for line in one * unroll),
             f"{ind}for _i in range(_m % {unroll}):", *(ind * 2 + line for line in one)] + after)


def _local_math(body: list[str]) -> tuple[list[str], list[str]]:
    """math.f bound once to a local _m_f (a local load instead of a global and an attribute per call)."""
    text = "\n".join(body)
    names = sorted(set(re.findall(r"\bmath\.(\w+)", text)))
    for name in names:
        text = re.sub(rf"\bmath\.{name}\b", f"_m_{name}", text)
    return text.split("\n"), [f"_m_{name} = math.{name}" for name in names]


def _sum_text(terms: list[str]) -> str:
    """``terms`` summed in parenthesised chunks (Python's compiler recurses once per '+' of a chain)."""
    if not terms:
        return "0.0"
    chunks = [" + ".join(terms[k:k + ADD_CHUNK]) for k in range(0, len(terms), ADD_CHUNK)]
    return chunks[0] if len(chunks) == 1 else " + ".join(f"({c})" for c in chunks)


def _graph_of(target: Any) -> Graph:
    if isinstance(target, Graph):
        return target
    graph = getattr(target, "graph", None)
    if isinstance(graph, Graph):
        return graph
    if isinstance(target, (sympy.Expr, str)):
        from symgd.parse import parse
        return build_graph(parse(target), stable=True)
    raise CompileError("fused_minimize needs a Graph, a Compiled or an expression")


#: (expression, inputs, rule, backend) -> (source, value, loop), bounded
_COMPILED = LruCache(64)
# (id(graph), id(rule), backend) -> (graph, rule, entry): a repeat call with the same objects skips
# hashing the expression and the rule (~6 µs, a tenth of a 10,000-step numba loop). The objects are
# held in the value, so their ids cannot be reused while the entry lives.
_SAME = LruCache(64)


def compile_loop(graph: Graph, rule: ElementwiseRule, backend: str = "python", bounds: Any = None):
    """The generated (value, loop) pair for ``backend`` ("python" or "numba"), cached per graph, rule
    and bounds."""
    bounds = None if bounds is None else tuple((float(lo), float(hi)) for lo, hi in bounds)
    same = _SAME.peek((id(graph), id(rule), backend, bounds))
    if same is not None and same[0] is graph and same[1] is rule:
        return same[2]
    entry = _COMPILED.get((graph.expr, graph.inputs, rule, backend, bounds),
                          lambda: _compile_loop(graph, rule, backend, bounds))
    _SAME.get((id(graph), id(rule), backend, bounds), lambda: (graph, rule, entry))
    return entry


def _compile_loop(graph: Graph, rule: ElementwiseRule, backend: str, bounds: Any = None) -> tuple:
    """Generate and load (and for numba, jit) the loop of ``graph`` and ``rule``: a cache miss."""
    source = loop_source(graph, rule, python=(backend == "python"), bounds=bounds)
    fns = runtime.load(source, "python")
    if backend == "numba":
        numba = runtime.require_numba()
        runtime.check_numba_size(source)
        value = numba.njit(error_model="numpy")(fns["value"])
        fns["loop"].__globals__["value"] = value  # the jitted loop calls the jitted value
        fns = {"value": value, "loop": numba.njit(error_model="numpy")(fns["loop"])}
    return source, fns["value"], fns["loop"]


def fused_minimize(target: Any, rule: ElementwiseRule, x0, steps: int, tol: float = 0.0,
                   check_every: int = 1, record_every: int = 0, backend: str = "auto",
                   bounds: Any = None) -> Outcome:
    """Run ``steps`` steps of ``rule`` on the gradient of ``target`` from ``x0`` in one generated loop
    (within ``bounds``, a (lo, hi) pair per input, where given: ``x0`` must lie inside)."""
    graph = _graph_of(target)
    chosen = backends.fused_loop(backend, len(graph.nodes), steps)  # auto: numba where it repays
    if chosen is None:
        raise CompileError(f"fused scalar loops run on 'python' or 'numba', not {backend!r}")
    backend = chosen
    if check_every < 1:
        raise CompileError("check_every must be at least 1")
    _, value, loop = compile_loop(graph, rule, backend, bounds)
    n = len(graph.inputs)
    x0 = [float(v) for v in x0]
    rows = (steps // record_every + 2) if record_every > 0 else 1
    hist = np.zeros((rows, 3 + n))
    slots = [float(init) for init in rule.init for _ in range(n)]
    out = loop(*x0, *slots, int(steps), float(tol) ** 2, int(check_every), int(record_every), hist)
    x, (k, status, last, lk, lgn2, nrows) = tuple(out[:n]), out[n:]
    bad_x = None
    if status == 1:  # the diagnosis: the iterate the failing check saw, and the last finite one
        bad_x, x, k = np.array(x, dtype=float), tuple(last), lk
    x, gn2 = tuple(map(float, x)), lgn2
    val = _value(value, x)
    history = []
    if record_every > 0:
        history = [(int(r[0]), tuple(map(float, r[3:])), float(r[1]), float(r[2])) for r in hist[:nrows]]
        if not history or history[-1][0] != k:
            history.append((int(k), x, val, math.sqrt(gn2)))
    return Outcome(x, val, math.sqrt(gn2), int(k), CODES[status], history, bad_x)


def _value(value, x: tuple[float, ...]) -> float:
    """f at the final iterate; NaN where it is not finite (a python ``math`` call raises there)."""
    if not all(math.isfinite(v) for v in x):
        return math.nan
    try:
        return float(value(*x))
    except (ArithmeticError, ValueError):
        return math.nan
