"""The one ``out=`` NumPy style: each operation of an expression is one ufunc call into a buffer.

Data programs (``data_buffered``: arrays over the samples, buffers made once per binding) and indexed
sums (``indexed``: arrays over a sum's windows, per-thread scratch buffers) both print through
``Emitter``, driven by one table (``ufunc_code.UFUNCS``). A NumPy call on 1,000 floats costs ~1.5 µs of dispatch,
so the code is lowered by hand (sympy's printers allocate a temporary per operation and convert every
float literal on every call): each operation writes into an explicit ``out`` (a pooled buffer, a
temporary the operation consumes, or the destination); float constants are read-only 0-d arrays made
once (a Python float operand costs ~0.5 µs more per call); an Add is also tried ``collect``-ed
(``-2 + 2x - 400cx`` → ``x(2 - 400c) - 2``, four calls instead of five) and the cheaper form kept;
sums of squares and of products reduce as dot products. Lines read once are inlined into their reader
(``inline``); a buffer is reused once its value is dead (``Emitter.assign``). With ``buffered=False``
(torch) the same operations are printed as allocating assignments.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import sympy

from symgd.codegen.ir import Pool
from symgd.codegen.ufunc_code import INFIX, UFUNC_OF, UFUNCS

@dataclass(frozen=True)
class Operand:
    """A lowered value: its text, whether it is an array, whether its buffer may be overwritten."""

    text: str
    array: bool
    owned: bool = False


class Emitter:
    """Lowers expressions over array symbols (data columns, a sum's windows) into ``lines``: one call
    per operation, results in ``pool``'s buffers, float constants named in ``consts`` (value -> name)."""

    def __init__(self, lines: list[str], arrays: set, prefix: str, buffered: bool,
                 scalar: Callable[[sympy.Expr], str], unary: Callable[[type, str], str],
                 consts: dict, pool: Pool | None = None) -> None:
        self.lines, self.arrays, self.prefix, self.buffered = lines, set(arrays), prefix, buffered
        self.scalar, self.unary, self.consts = scalar, unary, consts
        self.names: dict[sympy.Symbol, Operand] = {}
        self.pool, self.dry, self.temps = pool or Pool(prefix), False, 0

    def is_array(self, e: sympy.Expr) -> bool:
        return not self.arrays.isdisjoint(e.free_symbols)

    def text(self, e: sympy.Expr) -> str:
        """``e`` printed as a scalar expression, computed symbols by their names."""
        swap = {s: sympy.Symbol(self.names[s].text) for s in e.free_symbols if s in self.names}
        return self.scalar(e.xreplace(swap) if swap else e)

    def define(self, sym: sympy.Symbol, text: str, array: bool) -> None:
        """``sym`` is already computed as ``text``."""
        self.names[sym] = Operand(text, array)
        if array:
            self.arrays.add(sym)

    def assign(self, lines: list, outputs: list, scalar_name: Callable[[sympy.Symbol], str]) -> None:
        """Lower program ``lines`` (array lines into pooled buffers, scalar lines as ``scalar_name(sym) =
        text``); a buffer is reused after its value's last read by the lines, never if an output reads it."""
        last = {s: j for j, (_, e) in enumerate(lines) for s in e.free_symbols}
        in_outputs = set().union(*(o.free_symbols for o in outputs)) if outputs else set()
        owners: dict = {}
        for j, (sym, e) in enumerate(lines):
            if self.is_array(e):
                op = self.lower(e)
                self.define(sym, op.text, True)
                owners[sym] = op
            else:
                self.lines.append(f"{scalar_name(sym)} = {self.text(e)}")
                self.define(sym, scalar_name(sym), False)
            for s in [s for s, at in last.items() if at == j and s in owners and s not in in_outputs]:
                self.release(owners.pop(s))

    # --- operations -------------------------------------------------------------------------------
    def release(self, op: Operand) -> None:
        if op.owned:
            self.pool.give(op.text)

    def _op(self, name: str, args: list[Operand], dest: str | None) -> Operand:
        owned = [a for a in args if a.owned]
        out = dest or (owned[0].text if owned else self.pool.take())
        for a in owned:
            if a.text != out:
                self.release(a)
        texts = [a.text for a in args]
        if self.buffered:
            self.lines.append(f"_{name}({', '.join(texts)}, {out})")
        elif name in INFIX:
            self.lines.append(f"{out} = {INFIX[name].format(*texts)}")
        else:
            self.lines.append(f"{out} = {self.unary(UFUNC_OF[name], texts[0])}")
        return Operand(out, True, owned=dest is None)

    def number(self, value) -> Operand:
        value = float(value)
        if not self.buffered:
            return Operand(repr(value), False)
        if value not in self.consts:
            self.consts[value] = f"_c{len(self.consts)}"
        return Operand(self.consts[value], False)

    def scalar_operand(self, e: sympy.Expr) -> Operand:
        return self.number(e) if e.is_Number else Operand(f"({self.text(e)})", False)

    # --- lowering ---------------------------------------------------------------------------------
    def lower(self, e: sympy.Expr, dest: str | None = None) -> Operand:
        """Code computing ``e``; an array result lands in ``dest`` when one is given and an op ran.
        Array subexpressions ``e`` repeats (tanh(x)² in 3·tanh(x)²·(1 - tanh(x)²)) are computed once."""
        if e in self.names or not self.is_array(e):
            return self._lower(e, dest)
        shared, (reduced,) = sympy.cse([e], symbols=_cse_names(), optimizations=None)
        if not any(self.is_array(sub) for _, sub in shared):
            return self._lower(e, dest)
        held, scalars = [], {}  # scalar subexpressions go back in place (they cost no array call)
        for sym, sub in shared:
            sub = sub.xreplace(scalars)
            if not self.is_array(sub):
                scalars[sym] = sub
                continue
            op = self._lower(sub)
            self.define(sym, op.text, True)
            held.append((sym, op))
        result = self._lower(reduced.xreplace(scalars), dest)
        for sym, op in held:
            del self.names[sym]
            self.arrays.discard(sym)
            if op.text == result.text:
                result = op
            else:
                self.release(op)
        return result

    def _lower(self, e: sympy.Expr, dest: str | None = None) -> Operand:
        if e in self.names:
            return self.names[e]
        if not self.is_array(e):
            return self.scalar_operand(e)
        if e.is_Add:
            return self._add(self._cheapest(e), dest)
        if e.is_Mul:
            return self._mul(e, dest)
        if e.is_Pow:
            return self._pow(e, dest)
        if type(e) in UFUNCS and len(e.args) == 1:
            return self._op(UFUNCS[type(e)], [self._lower(e.args[0], dest)], dest)
        return self._fallback(e, dest)

    def into(self, e: sympy.Expr, dest: str) -> None:
        """Write ``e`` into the array ``dest`` (buffered code only)."""
        op = self.lower(e, dest)
        if op.text == dest:
            return
        self.lines.append(f"_copyto({dest}, {op.text})" if op.array else f"{dest}[...] = {op.text}")
        self.release(op)

    def _fallback(self, e: sympy.Expr, dest: str | None = None) -> Operand:
        """Anything else (Piecewise, Max, special functions): printed whole, allocating its result."""
        if dest is not None and self.buffered:
            self.lines.append(f"{dest}[...] = {self.text(e)}")
            return Operand(dest, True)
        self.temps += 1
        name = f"{self.prefix}a{self.temps}"
        self.lines.append(f"{name} = {self.text(e)}")
        return Operand(name, True)

    def _cheapest(self, e: sympy.Add) -> sympy.Expr:
        """``e`` or a ``collect``-ed form of it, whichever lowers to fewer calls."""
        if self.dry or len(e.args) > 12:
            return e
        counts: dict = {}
        for term in e.args:
            for s in term.free_symbols & self.arrays:
                counts[s] = counts.get(s, 0) + 1
        shared = sorted((s for s, k in counts.items() if k > 1), key=lambda s: s.name)[:4]
        best, cost = e, None
        for form in [e] + [sympy.collect(e, s) for s in shared]:
            trial = Emitter([], self.arrays, "_dry", self.buffered, self.scalar, self.unary, {})
            trial.names, trial.dry = self.names, True
            trial._add(form, None) if form.is_Add else trial._lower(form)
            if cost is None or len(trial.lines) < cost:
                best, cost = form, len(trial.lines)
        return best

    def _add(self, e: sympy.Expr, dest: str | None) -> Operand:
        if not e.is_Add:
            return self._lower(e, dest)
        scalars, pos, neg = [], [], []
        for term in e.args:
            if not self.is_array(term):
                scalars.append(term)
            elif term.as_coeff_Mul()[0].is_negative:
                neg.append(-term)
            else:
                pos.append(term)
        s = sympy.Add(*scalars)
        if pos:
            acc = self._lower(pos[0], dest)
            for t in pos[1:]:
                acc = self._op("add", [acc, self._lower(t)], dest)
            for t in neg:
                acc = self._op("sub", [acc, self._lower(t)], dest)
            if s.is_Number and s.is_negative:
                return self._op("sub", [acc, self.number(-s)], dest)
            return acc if _equals(s, 0) else self._op("add", [acc, self.scalar_operand(s)], dest)
        acc = self._lower(neg[0], dest)
        for t in neg[1:]:
            acc = self._op("add", [acc, self._lower(t)], dest)
        return self._op("neg", [acc], dest) if _equals(s, 0) else self._op("sub", [self.scalar_operand(s), acc], dest)

    def _mul(self, e: sympy.Mul, dest: str | None) -> Operand:
        scalars, num, den = [], [], []
        for f in e.args:
            if not self.is_array(f):
                scalars.append(f)
            elif f.is_Pow and f.exp.is_Number and f.exp.is_negative:
                den.append(sympy.Pow(f.base, -f.exp))
            else:
                num.append(f)
        s = sympy.Mul(*scalars)
        if num:
            acc = self._lower(num[0], dest)
            for f in num[1:]:
                acc = self._op("mul", [acc, self._lower(f)], dest)
            for d in den:
                acc = self._op("div", [acc, self._lower(d)], dest)
            if _equals(s, -1):
                return self._op("neg", [acc], dest)
            return acc if _equals(s, 1) else self._op("mul", [acc, self.scalar_operand(s)], dest)
        acc = self._lower(den[0], dest)
        for d in den[1:]:
            acc = self._op("mul", [acc, self._lower(d)], dest)
        return self._op("div", [self.scalar_operand(s), acc], dest)

    def _pow(self, e: sympy.Pow, dest: str | None) -> Operand:
        base, ex = e.base, e.exp
        if self.is_array(ex) or not ex.is_Number:
            return self._op("pow", [self._lower(base), self._lower(ex)], dest)
        if ex.is_negative:
            return self._op("div", [self.number(1), self._lower(sympy.Pow(base, -ex))], dest)
        if ex == sympy.S.Half:
            return self._op("sqrt", [self._lower(base, dest)], dest)
        if ex == 2 or ex == 4:
            sq = self._op("square", [self._lower(base, dest)], dest)
            return sq if ex == 2 else self._op("square", [sq], dest)
        if ex == 3:
            b = self._lower(base)
            sq = self._op("square", [Operand(b.text, True)], dest)
            return self._op("mul", [sq, b], dest)
        return self._op("pow", [self._lower(base, dest), self.number(ex)], dest)

    def reduce(self, e: sympy.Expr, count: str) -> str:
        """Text of the sum of ``e`` over the window (squares and products of arrays as dots); the
        array reductions are computed here, into scalar temporaries, before their buffers are reused."""
        if not self.is_array(e):
            return f"({self.text(e)})*{count}"
        parts, rest = [], []
        for term in sympy.Add.make_args(e):
            if not self.is_array(term):
                parts.append(f"({self.text(term)})*{count}")
                continue
            coeff, array = self.split(term)
            arrays = list(sympy.Mul.make_args(array))
            if len(arrays) == 1 and arrays[0].is_Pow and arrays[0].exp == 2:
                arrays = [arrays[0].base] * 2
            if len(arrays) < 2 or any(f.is_Pow and f.exp.is_negative for f in arrays):
                rest.append(term)
                continue
            # Σ u·v·w as dot(u·v, w), w one already computed when there is one
            if len(arrays) > 2:
                arrays.sort(key=lambda f: f in self.names)
            head = sympy.Mul(*arrays[:-1])
            a = self.lower(head)
            b = a if arrays[-1] == head else self.lower(arrays[-1])
            parts.append(self._scaled(coeff, self._scalar_line(f"_dot({a.text}, {b.text})")))
            self.release(a)
            self.release(b)
        if rest:
            coeff, body = (sympy.S.One, sympy.Add(*rest)) if len(rest) > 1 else self.split(rest[0])
            op = self.lower(body)
            parts.append(self._scaled(coeff, self._scalar_line(f"{op.text}.sum()")))
            self.release(op)
        return " + ".join(parts)

    def split(self, term: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
        """``term`` as (scalar factor, array factor)."""
        factors = sympy.Mul.make_args(term)
        return (sympy.Mul(*[f for f in factors if not self.is_array(f)]),
                sympy.Mul(*[f for f in factors if self.is_array(f)]))

    def _scaled(self, coeff: sympy.Expr, name: str) -> str:
        return name if coeff == 1 else f"({self.text(coeff)})*{name}"

    def _scalar_line(self, text: str) -> str:
        self.temps += 1
        name = f"{self.prefix}r{self.temps}"
        self.lines.append(f"{name} = {text}")
        return name


def _equals(s: sympy.Expr, value: int) -> bool:
    """``s`` is the number ``value`` (a Float 1.0 too: sympy's Float(1.0) == 1 is False)."""
    return s.is_Number and float(s) == value


def _cse_names():
    return (sympy.Symbol(f"_cse{k}", real=True) for k in itertools.count())
