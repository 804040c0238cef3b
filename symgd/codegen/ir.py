"""From the one graph to straight-line code: a Program (assignments), then source text per backend.

``program_from_graph`` lays out the forward pass (one line per op node) and the backward sweep (one
line per adjoint, local partials reusing the node's own value where that is exact: exp' = exp,
tanh' = 1 - tanh², (1/u)' = -f², (a/b)_b = -f/b). Aliases are propagated and dead lines dropped, so
a gradient-only program never computes the value. ``render`` prints a Program with a backend's printer.
"""
from __future__ import annotations

import builtins
import keyword
from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy
from sympy.codegen.cfunctions import hypot

from symgd.calculus.graph import Graph, Node
from symgd.codegen.names import mangle
from symgd.codegen.printers import for_code, printer_for
from symgd.parse import construct

_HALF = sympy.S.Half


class Pool:
    """Names of scratch buffers in generated code: taken, given back for reuse once their value is dead,
    and (``allocations``, given a ``size``) allocated once in a generated factory."""

    def __init__(self, prefix: str, size: str = "") -> None:
        self.prefix, self.size, self.free, self.count = prefix, size, [], 0

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        self.count += 1
        return f"{self.prefix}{self.count - 1}"

    def give(self, name: str) -> None:
        if name not in self.free:
            self.free.append(name)

    def allocations(self) -> list[str]:
        return [f"{self.prefix}{k} = _np.empty({self.size})" for k in range(self.count)]


@dataclass(frozen=True)
class Program:
    """Straight-line code: ``lines`` assign symbols in order; ``outputs`` are expressions over them."""

    args: tuple[sympy.Symbol, ...]
    lines: tuple[tuple[sympy.Symbol, sympy.Expr], ...]
    outputs: tuple[sympy.Expr, ...]
    # free symbols per expression, shared by the programs pruned from this one (sympy recomputes them
    # on every access, which dominated preparation of programs with 10^4 lines)
    free_cache: dict = field(default_factory=dict, compare=False, repr=False)

    def free(self, expr: sympy.Expr) -> frozenset:
        """The free symbols of ``expr`` (cached)."""
        hit = self.free_cache.get(expr)
        if hit is None:
            hit = self.free_cache[expr] = frozenset(expr.free_symbols)
        return hit

    def prune(self, outputs: Sequence[sympy.Expr]) -> "Program":
        """The program computing only ``outputs``: aliases substituted, dead lines dropped."""
        alias: dict[sympy.Symbol, sympy.Expr] = {}
        lines = []
        for sym, expr in self.lines:
            if alias and any(s in alias for s in self.free(expr)):
                expr = expr.xreplace(alias)
            if expr.is_Atom:
                alias[sym] = expr
            else:
                lines.append((sym, expr))
        outputs = tuple(o.xreplace(alias) if alias else o for o in outputs)
        needed = set().union(*(self.free(o) for o in outputs)) if outputs else set()
        kept = []
        for sym, expr in reversed(lines):
            if sym in needed:
                kept.append((sym, expr))
                needed |= self.free(expr)
        return Program(self.args, tuple(reversed(kept)), outputs, self.free_cache)


def _reuse(node: Node, partial: sympy.Expr, wrt: sympy.Symbol) -> sympy.Expr:
    """The local partial written, where exact, through the node's own value f (saves a call), or in a
    form that neither cancels nor overflows over the float64 range (``_stable_partial``)."""
    f, e = node.symbol, node.expr
    stable = _stable_partial(e, f, wrt, partial)
    if stable is not None:
        return stable
    if e.is_Pow and e.exp.is_Number and e.exp in (-1, _HALF, -_HALF):
        inner = sympy.diff(e.base, wrt)
        return {-1: -inner * f**2, _HALF: inner / (2 * f), -_HALF: -inner * f**3 / 2}[e.exp]
    if e.is_Mul and sympy.Pow(wrt, -1) in e.args:
        return -f / wrt
    return partial.xreplace({e: f}) if partial.has(e) else partial


def _one_minus_sq(a: sympy.Expr) -> sympy.Expr:
    """1 - a² as (1 - a)(1 + a): exact factors near ±1, where 1 - a² loses all but a few digits."""
    return (1 - a) * (1 + a)


def _sq_minus_one(a: sympy.Expr) -> sympy.Expr:
    return (a - 1) * (a + 1)


# d/da of one-argument functions in code forms that hold over the float64 range (sympy's fdiff forms
# cancel, 1 - tanh², or overflow, 1/sqrt(a² + 1) at 1e154); the symbolic displays keep sympy's forms
_STABLE = {
    sympy.tanh: lambda a: sympy.sech(a) ** 2,
    # csch² squared as one factor: sech²/tanh² has tanh² subnormal at 1e-154 (flushed to 0 by XLA)
    sympy.coth: lambda a: -sympy.UnevaluatedExpr(sympy.csch(a)) ** 2,
    sympy.asinh: lambda a: 1 / hypot(1, a),
    sympy.acsch: lambda a: -1 / (sympy.Abs(a) * hypot(1, a)),
    sympy.asin: lambda a: 1 / sympy.sqrt(_one_minus_sq(a)),
    sympy.acos: lambda a: -1 / sympy.sqrt(_one_minus_sq(a)),
    sympy.atanh: lambda a: 1 / _one_minus_sq(a),
    sympy.acoth: lambda a: 1 / _one_minus_sq(a),
    sympy.asec: lambda a: 1 / (sympy.Abs(a) * sympy.sqrt(_sq_minus_one(a))),
    sympy.acsc: lambda a: -1 / (sympy.Abs(a) * sympy.sqrt(_sq_minus_one(a))),
    sympy.asech: lambda a: -1 / (a * sympy.sqrt(_one_minus_sq(a))),
}


def _stable_partial(e: sympy.Expr, f: sympy.Symbol, wrt: sympy.Symbol, partial: sympy.Expr) -> sympy.Expr | None:
    """The code form of ∂e/∂wrt where sympy's form loses digits or overflows; None elsewhere."""
    rule = _STABLE.get(e.func)
    if rule is not None:
        return rule(e.args[0]) * sympy.diff(e.args[0], wrt)
    if e.func is sympy.atan2:  # x/h/h with h = hypot(x, y): x/(x² + y²) under- and overflows
        y, x = e.args
        h = hypot(x, y)  # UnevaluatedExpr keeps (x/h)/h from becoming x/h**2 (which overflows again)
        return sympy.UnevaluatedExpr(x / h) / h * sympy.diff(y, wrt) \
            - sympy.UnevaluatedExpr(y / h) / h * sympy.diff(x, wrt)
    if isinstance(e, sympy.Piecewise):  # branches stay in their node: 1/u**k as (1/u)**k, so that at
        # u = 1e-154 no subnormal u*u is divided by (XLA flushes it to 0: an inf where the truth is finite)
        return partial.replace(_inverse_power, lambda p: sympy.UnevaluatedExpr(1 / p.base) ** -p.exp)
    if e.is_Pow and not e.exp.is_number and e.exp.has(wrt) and not e.base.has(wrt):
        # x^y's y-derivative f·log(x) is 0·(-inf) at x = 0: its limit there is 0 (as torch defines it)
        base = sympy.Piecewise((e.base, sympy.Ne(e.base, 0)), (1, True))
        return f * sympy.log(base) * sympy.diff(e.exp, wrt)
    return None


def _inverse_power(p: sympy.Expr) -> bool:
    return p.is_Pow and p.exp.is_Integer and p.exp < -1 and not p.base.is_number


def program_from_graph(graph: Graph) -> tuple[Program, sympy.Expr, tuple[sympy.Expr, ...]]:
    """The value-and-gradient Program of ``graph``; also returns its value and gradient outputs."""
    if not graph.nodes:
        zeros = tuple(sympy.S.Zero for _ in graph.inputs)
        return Program(graph.inputs, (), (graph.expr, *zeros)), graph.expr, zeros
    by_name = {n.name: n for n in graph.nodes}
    lines = [(n.symbol, n.expr if n.expr.is_Add or n.expr.is_Mul or n.expr.is_Pow else for_code(n.expr))
             for n in graph.nodes if n.kind == "op"]
    terms: dict[str, list[sympy.Expr]] = {graph.output: [sympy.S.One]}
    backward, resolved = [], {}
    # an adjoint d_<node> never takes the name of an input (a user variable may be called d_x)
    taken = {s.name for s in graph.expr.free_symbols} | {v.name for v in graph.inputs} | set(by_name)
    for node in reversed(graph.nodes):
        total = construct.total(terms.pop(node.name, []))  # SymPy's Add, without its redundant queries
        if total.is_Atom or _is_scale(total):
            # a number, another adjoint or c·(another adjoint): no line of its own; consumers fold c
            # into their own constants (-d_l · 2x → -2·d_l·x), so the gradient runs fewer lines
            adj = total
        else:
            name = f"_d{node.name}" if node.name.startswith("_") else f"d_{node.name}"  # never a '__'
            while name in taken:
                name = f"d{name}"
            adj = sympy.Symbol(name)
            backward.append((adj, total))
        resolved[node.name] = adj
        if node.kind != "op" or adj == 0:
            continue
        arithmetic = node.expr.is_Add or node.expr.is_Mul or node.expr.is_Pow
        for name, partial in zip(node.inputs, node.partials):
            if node.expr.is_Add:  # partials of a sum are its coefficients
                local = partial
            else:
                local = _reuse(node, partial, by_name[name].symbol)
                local = local if arithmetic else for_code(local)
            terms.setdefault(name, []).append(adj if local == 1 else local if adj == 1 else
                                              construct.product([adj, local]))
    value = by_name[graph.output].symbol
    grads = tuple(resolved[v.name] for v in graph.inputs)
    program = Program(graph.inputs, tuple(lines + backward), (value, *grads))
    return program, value, grads


def _is_scale(e: sympy.Expr) -> bool:
    return e.is_Mul and len(e.args) == 2 and e.args[0].is_Number and e.args[1].is_Symbol


def code_names(program: Program, reserved: set[str],
               internal: frozenset | None = frozenset()) -> dict[sympy.Symbol, sympy.Symbol]:
    """Renaming for printing ``program``: its arguments, and the symbols it reads that no line defines (a
    compile's constants, outside ``wrt``), are user symbols and go through the one mangling step
    (``names.mangle``) unless listed in ``internal`` (None: every symbol was mangled before, as data
    programs' are); generated line names and internal arguments are renamed only where they would clash
    in Python (keywords, builtins, ``reserved``)."""
    defined = {s for s, _ in program.lines}
    if internal is None:
        internal, constants = frozenset(program.args), []
    else:
        read = set().union(*(program.free(e) for _, e in program.lines), *(program.free(o) for o in program.outputs))
        constants = sorted(read - defined - set(program.args), key=lambda s: s.name)
    users = [a for a in program.args if a not in internal] + constants
    used = {s.name for s in program.args} | {s.name for s in defined} | {s.name for s in constants}
    rename = mangle(users, reserved | used - {a.name for a in users})
    used |= {s.name for s in rename.values()}
    bad = reserved | set(dir(builtins)) | set(keyword.kwlist)
    for sym in (*(a for a in program.args if a in internal), *(s for s, _ in program.lines)):
        name = sym.name if sym.name.isidentifier() else "v"
        if name in bad or name != sym.name:
            k = 1
            while f"{name}_{k}" in used or f"{name}_{k}" in bad:
                k += 1
            used.add(f"{name}_{k}")
            rename[sym] = sympy.Symbol(f"{name}_{k}")
    return rename


def render_body(program: Program, backend: str, rename: dict,
                cache: dict | None = None) -> tuple[list[str], list[str]]:
    """The assignment lines and the printed outputs of ``program`` for ``backend``; ``cache`` keeps
    printed lines by symbol, so functions pruned from one program print each line once."""
    printer = printer_for(backend)
    body = []
    cache = {} if cache is None else cache
    for sym, expr in program.lines:
        line = cache.get(sym)
        if line is None:
            target = rename.get(sym, sym).name
            if rename and any(s in rename for s in program.free(expr)):
                expr = expr.xreplace(rename)
            line = cache[sym] = f"{target} = {printer.doprint(expr)}"
        body.append(line)
    outs = []
    for out in program.outputs:
        if out.is_Number:
            outs.append(repr(float(out)))
        else:
            outs.append(printer.doprint(out.xreplace(rename) if rename else out))
    return body, outs


def dependencies(program: Program) -> list[frozenset]:
    """For each output, the set of arguments it depends on (for broadcasting decisions)."""
    deps: dict[sympy.Symbol, frozenset] = {a: frozenset([a]) for a in program.args}
    for sym, expr in program.lines:
        deps[sym] = frozenset().union(*(deps.get(s, frozenset()) for s in program.free(expr)))
    return [frozenset().union(*(deps.get(s, frozenset()) for s in program.free(out)))
            for out in program.outputs]
