"""In-place NumPy code for the data descent loop: every per-step array lives in a buffer made once.

``inplace_functions(bound, rule)`` prints the gradient program of a ``DataProgram`` (the same graph and
adjoints as ``bound.py``) and the optimizer's ``ElementwiseRule`` as ufunc calls with ``out=``:
buffers are allocated once per binding and reused as soon as their value is dead (a linear scan over
the lines, as a register allocator does). Sums over the samples are taken without temporaries where the
structure allows: Σ c·u·v as c·dot(u, v), Σ c·u as c·u.sum(), Σ of a sum term by term. The rule's new
state is written into spare buffers that are swapped with the old ones (no copies). numexpr or numba
would fuse further; this keeps to plain NumPy, which every install has.
"""
from __future__ import annotations

from typing import Any, Callable

import sympy

from symgd.calculus.graph import build_graph
from symgd.codegen import runtime
from symgd.codegen.data_printer import _index
from symgd.codegen.ir import Pool, code_names, program_from_graph
from symgd.codegen.rule import G, T, X, ElementwiseRule

_UFUNC = {sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan",
          sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.tanh: "tanh", sympy.asin: "arcsin",
          sympy.acos: "arccos", sympy.atan: "arctan", sympy.asinh: "arcsinh", sympy.acosh: "arccosh",
          sympy.atanh: "arctanh", sympy.Abs: "absolute", sympy.sign: "sign"}


class Emitter:
    """Prints expressions over array symbols (``names``: symbol -> buffer or argument) as ufunc calls."""

    def __init__(self, names: dict, scalars: dict, pool: Pool) -> None:
        self.names, self.scalars, self.pool, self.pending = names, scalars, pool, []
        self.printer = runtime.printer("numpy")

    def is_array(self, e) -> bool:
        return any(s in self.names for s in e.free_symbols)

    def text(self, e) -> str:
        sub = {**self.scalars, **{s: sympy.Symbol(v) for s, v in self.names.items()}}
        return self.printer.doprint(e.xreplace(sub))

    def operand(self, e) -> tuple[list[str], str, str | None]:
        """(lines, name of e's array, scratch buffer to give back or None)."""
        if e in self.names:
            return [], self.names[e], None
        tmp = self.pool.take()
        return self.emit(e, tmp), tmp, tmp

    def emit(self, e, out: str) -> list[str]:
        """Lines writing the array expression ``e`` into ``out`` (which no input of ``e`` may be)."""
        if e in self.names:
            return [f"_np.copyto({out}, {self.names[e]})"]
        if e.is_Add or e.is_Mul:
            return self._fold(e, out)
        if e.is_Pow and not self.is_array(e.exp):
            return self._pow(e, out)
        if e.is_Function and len(e.args) == 1 and type(e) in _UFUNC:
            lines, src, tmp = self.operand(e.args[0]) if e.args[0] in self.names else (
                self.emit(e.args[0], out), out, None)
            return lines + [f"_np.{_UFUNC[type(e)]}({src}, out={out})"]
        return [f"{out}[...] = {self.text(e)}"]  # anything else: NumPy's own temporaries

    def _fold(self, e, out: str) -> list[str]:
        add = e.is_Add
        arrays = [a for a in e.args if self.is_array(a)]
        scalar = (sympy.Add if add else sympy.Mul)(*(a for a in e.args if not self.is_array(a)))
        # terms with a negative coefficient subtract, factors 1/u divide: put the others first
        inverse = (lambda a: a.as_coeff_Mul()[0].is_negative) if add else (
            lambda a: a.is_Pow and a.exp == -1)
        arrays.sort(key=lambda a: bool(inverse(a)))
        lines, acc = [], None
        if add and scalar != 0 and inverse(arrays[0]):  # c - u - ...: subtract from the scalar
            acc, scalar = self.text(scalar), sympy.S.Zero
        for a in arrays:
            inv = acc is not None and inverse(a)
            a = (-a if add else a.base) if inv else a
            if acc is None:
                if a in self.names:
                    acc = self.names[a]
                else:
                    lines, acc = self.emit(a, out), out
                continue
            more, src, tmp = self.operand(a)
            op = ("subtract" if inv else "add") if add else ("divide" if inv else "multiply")
            lines += more + [f"_np.{op}({acc}, {src}, out={out})"]
            acc = out
            self._give(tmp)
        if scalar != (0 if add else 1):
            lines.append(f"_np.{'add' if add else 'multiply'}({acc}, {self.text(scalar)}, out={out})")
            acc = out
        return lines if acc == out else lines + [f"_np.copyto({out}, {acc})"]

    def _pow(self, e, out: str) -> list[str]:
        base, ex = e.base, e.exp
        small = ex.is_Integer and 2 <= abs(ex) <= 4 or ex == -1 or abs(ex) == sympy.S.Half
        if not small:
            lines, src, tmp = self.operand(base)
            self._give(tmp)
            return lines + [f"_np.power({src}, {self.text(ex)}, out={out})"]
        lines, src, tmp = self.operand(base) if base in self.names or abs(ex) > 2 else (
            self.emit(base, out), out, None)
        if abs(ex) == 2:
            lines.append(f"_np.multiply({src}, {src}, out={out})")
        elif abs(ex) == 3:
            lines += [f"_np.multiply({src}, {src}, out={out})", f"_np.multiply({out}, {src}, out={out})"]
        elif abs(ex) == 4:
            lines += [f"_np.multiply({src}, {src}, out={out})", f"_np.multiply({out}, {out}, out={out})"]
        elif abs(ex) == sympy.S.Half:
            lines.append(f"_np.sqrt({src}, out={out})")
        if ex.is_negative:
            lines.append(f"_np.reciprocal({out if ex != -1 else src}, out={out})")
        self._give(tmp)
        return lines

    def reduce(self, e) -> tuple[list[str], str]:
        """(lines, text) of Σ over samples of the array expression ``e``; scalars count n times."""
        if not self.is_array(e):
            return [], f"({self.text(e)})*n"
        if e.is_Add:
            parts = [self.reduce(a) for a in e.args]
            return [ln for p in parts for ln in p[0]], " + ".join(f"({t})" for _, t in parts)
        scalar, arrays = sympy.S.One, [e]
        if e.is_Mul:
            scalar = sympy.Mul(*(a for a in e.args if not self.is_array(a)))
            arrays = [a for a in e.args if self.is_array(a)]
        factor = "" if scalar == 1 else f"({self.text(scalar)})*"
        if len(arrays) == 1 and arrays[0].is_Pow and arrays[0].exp == 2:  # Σ c·u² = c·(u·u)
            arrays = [arrays[0].base, arrays[0].base]
        if len(arrays) == 2 and not any(a.is_Pow and a.exp.is_negative for a in arrays):
            (la, a, ta), (lb, b, tb) = self.operand(arrays[0]), self.operand(arrays[1])
            self._give(ta, tb)
            return la + lb, f"{factor}_np.dot({a}, {b})"
        lines, src, tmp = self.operand(sympy.Mul(*arrays))
        self._give(tmp)
        return lines, f"{factor}{src}.sum()"

    def _give(self, *names) -> None:
        """Scratch buffers are given back once the statement using them is written (``release``)."""
        self.pending += [n for n in names if n]

    def release(self) -> None:
        for name in self.pending:
            self.pool.give(name)
        self.pending = []


def _inline(lines, outputs):
    """Lines read once, by an output, are folded into it (Σ 2·e·h becomes 2·dot(e, h), no buffer)."""
    uses: dict = {}
    for expr in [e for _, e in lines] + list(outputs):
        for s in expr.free_symbols:
            uses[s] = uses.get(s, 0) + 1
    in_lines = set().union(*(e.free_symbols for _, e in lines)) if lines else set()
    folded = {sym: expr for sym, expr in lines if uses.get(sym) == 1 and sym not in in_lines}
    return [ln for ln in lines if ln[0] not in folded], [o.xreplace(folded) for o in outputs]


def _body(lines, outputs, em: Emitter, rename) -> list[str]:
    """The lines as ufunc calls into pooled buffers; a buffer is reused after its value's last read."""
    last = {}
    for i, expr in enumerate([e for _, e in lines] + list(outputs)):
        for s in expr.free_symbols:
            last[s] = i
    body, live = [], {}
    for i, (sym, expr) in enumerate(lines):
        for s in [s for s in live if last[s] < i]:
            em.pool.give(live.pop(s))
        if em.is_array(expr):
            live[sym] = em.names[sym] = em.pool.take()
            body += em.emit(expr, live[sym])
            em.release()
        else:
            body.append(f"{rename.get(sym, sym).name} = {em.text(expr)}")
    return body


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
        prog, value, grads = program_from_graph(build_graph(program.reduced, inputs))
        gp = prog.prune(((value,) if with_value else ()) + tuple(grads))
        rename = code_names(gp, runtime.RESERVED | {"theta", "n", "make", "grad", *args}, frozenset(gp.args))
        lines, outs = _inline(list(gp.lines), list(gp.outputs))
        arrays = {s: s.name for s in (*program.data, *(h for h, _ in program.hoisted))}
        arrays.update({b.symbol: f"_l{k}" for k, b in enumerate(blocks)})
        em = Emitter(arrays, {s: r for s, r in rename.items()}, Pool("_b", "n"))
        body += _body(lines, outs, em, rename)
        if with_value:
            more, text = em.reduce(outs.pop(0))
            body += more + [f"_v = {text}"]
            em.release()
            ret = "_v, _g"
        body += ["_g.fill(0.0)"] if blocks else []
        for q, o in zip(direct, outs):
            more, text = em.reduce(o)
            body += more + [f"_g[{params.index(q)}] = {text}"]
            em.release()
        for k, (b, o) in enumerate(zip(blocks, outs[len(direct):])):
            body += _block_grad(em, k, b, o, p)
        head += em.pool.allocations()
    return "\n".join([f"def make({', '.join(args)}):", *("    " + h for h in head), "    def grad(theta):",
                      *("        " + b for b in body), f"        return {ret}", "    return grad"]) + "\n"


def _block_grad(em: Emitter, k: int, block, out, p: int) -> list[str]:
    """Fᵀ-table times the adjoint of the block's ℓ, added into the block's parameters."""
    target = "_g[:]" if block.index == tuple(range(p)) else f"_g[_i{k}]"
    if not em.is_array(out):
        return [f"{target} += ({em.text(out)})*F{k}.sum(axis=1)"]
    scalar, arrays = sympy.S.One, out
    if out.is_Mul:
        scalar = sympy.Mul(*(a for a in out.args if not em.is_array(a)))
        arrays = sympy.Mul(*(a for a in out.args if em.is_array(a)))
    lines, src, tmp = em.operand(arrays)
    lines.append(f"_np.dot(F{k}, {src}, out=_q{k})")
    lines += [f"_np.multiply(_q{k}, {em.text(scalar)}, out=_q{k})"] if scalar != 1 else []
    em.pool.give(tmp) if tmp else None
    return lines + [f"{target} += _q{k}"]


def rule_source(rule: ElementwiseRule, p: int) -> str:
    """``make()`` returning ``update(x, g, t) -> new x``: the rule's state in buffers made once; new slot
    values and the new x go into spare buffers swapped with the old ones (no copies)."""
    slots = rule.slot_symbols()
    new = [sympy.Symbol(f"_new{j}") for j in range(len(slots))]
    names = {X: "x", G: "g", **{s: f"_s{j}" for j, s in enumerate(slots)}}
    em = Emitter({**names, **{s: f"_n{j}" for j, s in enumerate(new)}}, {T: sympy.Symbol("t")}, Pool("_r", str(p)))
    body = []
    for j, e in enumerate(rule.state_update):
        body += em.emit(e, f"_n{j}") if em.is_array(e) else [f"_n{j}[...] = {em.text(e)}"]
        em.release()
    x_new = rule.x_update.xreplace(dict(zip(slots, new)))
    body += em.emit(x_new, "_xn") if em.is_array(x_new) else [f"_xn[...] = {em.text(x_new)}"]
    swaps = [f"_s{j}, _n{j} = _n{j}, _s{j}" for j in range(len(slots))] + ["_xn, x = x, _xn"]
    state = [f"_s{j} = _np.full({p}, {float(v)!r})" for j, v in enumerate(rule.init)]
    state += [f"_n{j} = _np.empty({p})" for j in range(len(slots))] + [f"_xn = _np.empty({p})"]
    state += em.pool.allocations()
    keep = ", ".join([*(f"_s{j}, _n{j}" for j in range(len(slots))), "_xn"])
    return "\n".join(["def make():", *("    " + s for s in state), "    def update(x, g, t):",
                      f"        nonlocal {keep}", *("        " + b for b in body + swaps),
                      "        return x", "    return update"]) + "\n"


def summed_factory(program, with_value: bool) -> Callable[..., Any] | None:
    """``make(n, arrays...)`` of the in-place summed gradient (and value), loaded once per program;
    None when the loss has no parameter to differentiate."""
    if not program.blocks and not any(q in program.reduced.free_symbols for q in program.params):
        return None
    key = "_inplace_svg" if with_value else "_inplace_grad"
    make = program.__dict__.get(key)
    if make is None:
        source = grad_source(program, with_value)
        make = program.__dict__[key] = runtime.load(source, "numpy", extra={"_index": _index})["make"]
    return make


def inplace_functions(bound, rule: ElementwiseRule) -> tuple[Callable[[Any], Any], Callable[..., Any]]:
    """(grad, update) for ``bound`` and ``rule``; ``update(x, g, t)`` may return another buffer than x."""
    program = bound.program
    make = summed_factory(program, False)
    grad = make(bound.n, *bound.arrays) if make is not None else bound.sum_grad
    update = runtime.load(rule_source(rule, len(program.params)), "numpy")["make"]()
    return grad, update
