"""sympy's code printers, one per backend, with the few rules symgd needs on top.

On top of sympy's ``PythonCodePrinter`` (math), ``NumPyPrinter``/``SciPyPrinter`` and ``TorchPrinter``:
small integer powers print as products (x*x*x, never a pow call), numeric subexpressions (log(2), pi)
fold to float literals, and torch gets tensor-safe forms of max/min/Heaviside with numeric arguments.
Reciprocal and inverse trig/hyperbolic functions are rewritten (``symgd.codegen.forms``) before printing.
"""
from __future__ import annotations

import functools
import importlib.util

import sympy
from sympy.printing.numpy import NumPyPrinter, SciPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from symgd.codegen.branches import BranchPrinting
from symgd.codegen.forms import for_code  # noqa: F401  (printers.for_code: the code forms' entry point)
from symgd.errors import CompileError

#: Largest integer power printed as a product.
POW_LIMIT = 4
#: Longest chain of '+' printed in one parenthesis (longer sums are summed in chunks of this many).
ADD_CHUNK = 200


class _Common(BranchPrinting):
    """Rules shared by every backend's printer (mixed in before sympy's printer class)."""

    _float_ints = False

    def _print_Pow(self, expr, rational=False):
        base, ex = expr.base, expr.exp
        if ex.is_Integer and 2 <= abs(int(ex)) <= POW_LIMIT and not base.is_number:
            b = self.parenthesize(base, sympy.printing.precedence.PRECEDENCE["Mul"] + 1)
            product = "*".join([b] * abs(int(ex)))
            return f"({product})" if ex > 0 else f"(1/({product}))"
        if ex == -1 and not base.is_number:
            return f"(1/{self.parenthesize(base, sympy.printing.precedence.PRECEDENCE['Mul'] + 1)})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Float(self, expr):
        return repr(float(expr))

    def doprint(self, expr, assign_to=None):
        """One expression as code. Skips CodePrinter.doprint's per-call rewriting passes (they cost a
        millisecond a line; generated programs have thousands), keeping its strict unsupported check."""
        self._not_supported = set()
        self._number_symbols = set()
        text = self._arith(expr)
        if self._not_supported:
            names = ", ".join(sorted(str(type(e).__name__) for e in self._not_supported))
            raise CompileError(f"the backend cannot compute {names}")
        return text


    # Plain arithmetic (sums, products, small integer powers of symbols and numbers) is printed straight
    # from the tree: sympy's general printer costs ~0.2 ms a line and unrolled problems have 10^4 lines.
    # The text computes the same operations in the same order as sympy's printer would print them.
    def _arith(self, e) -> str:
        if e.is_Symbol:
            return self._print(e)
        if e.is_Integer:  # float literals keep float*float on the fast path (no int conversion per op)
            return f"{int(e)}.0" if self._float_ints else str(int(e))
        if e.is_Float:
            return repr(float(e))
        if e.is_Add:
            if len(e.args) > ADD_CHUNK:  # Python's compiler recurses once per '+': keep chains short
                chunks = [e.args[k:k + ADD_CHUNK] for k in range(0, len(e.args), ADD_CHUNK)]
                return " + ".join(f"({self._arith(sympy.Add(*c, evaluate=False))})" for c in chunks)
            out = self._factor(e.args[0], add=True)
            for term in e.args[1:]:
                c, _ = term.as_coeff_Mul()
                out += f" - {self._factor(-term, add=True)}" if c.is_negative else f" + {self._factor(term, add=True)}"
            return out
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow and e.exp.is_Integer and 2 <= abs(int(e.exp)) <= POW_LIMIT and not e.base.is_number:
            b = self._factor(e.base)
            product = "*".join([b] * abs(int(e.exp)))
            return f"({product})" if e.exp > 0 else f"(1/({product}))"
        if e.is_Pow and e.exp == -1 and not e.base.is_number:
            return f"(1/{self._factor(e.base)})"
        return self._print(_fold_numbers(e))

    def _factor(self, e, add: bool = False) -> str:
        """``e`` printed to stand as a factor (or, with ``add``, as a term of a sum)."""
        text = self._arith(e)
        if e.is_Symbol or (e.is_Number and not e.is_negative) or text.startswith("(") and text.endswith(")") \
                and _balanced(text[1:-1]) or (add and e.is_Mul):
            return text
        if e.is_Function and not isinstance(e, sympy.Piecewise):
            return text
        return f"({text})"

    def _mul(self, e) -> str:
        c, rest = e.as_coeff_Mul()
        factors = sympy.Mul.make_args(rest)
        num = [f for f in factors if not (f.is_Pow and f.exp.is_Integer and f.exp.is_negative)]
        den = [f.base ** -f.exp for f in factors if f not in num]
        if c.is_Rational and not c.is_Integer:  # p/q as sympy prints it: p*x/q
            num_text = "*".join(self._factor(f) for f in num) if num else "1"
            text = f"{int(c.p)}*{num_text}" if c.p != 1 else num_text
            den = [sympy.Integer(c.q), *den]
        else:
            parts = [self._factor(f) for f in num] or ["1"]
            if c == -1:
                return "-" + self._with_den("*".join(parts), den)
            text = "*".join(([self._arith(c)] if c != 1 else []) + parts)
            if c.is_negative and c != -1:
                return "-" + self._with_den("*".join([self._arith(-c)] + parts), den)
        return self._with_den(text, den)

    def _with_den(self, text: str, den) -> str:
        if not den:
            return text
        if len(den) == 1:
            return f"{text}/{self._factor(den[0])}"
        return f"{text}/({'*'.join(self._factor(d) for d in den)})"


def _balanced(inner: str) -> bool:
    """True when ``inner`` has no parenthesis closing before it opens (so '(...)' wraps it all)."""
    depth = 0
    for ch in inner:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _fold_numbers(expr: sympy.Expr) -> sympy.Expr:
    """Numeric subexpressions (log(2), sqrt(3), pi) as Floats, so backends need no constant calls."""
    numeric = {}
    walk = sympy.preorder_traversal(expr)
    for sub in walk:
        if sub.is_Number:
            walk.skip()
        elif sub.is_number:
            value = sympy.N(sub, 17)
            if value.is_Float:
                numeric[sub] = value
            walk.skip()
    return expr.xreplace(numeric) if numeric else expr


class PythonPrinter(_Common, PythonCodePrinter):
    """Plain floats through the math module."""

    def _print_Pow(self, expr, rational=False):
        # a float ** a non-integer is complex for a negative base (no error): math.pow raises ValueError
        # there, which the loops catch as leaving the domain; integer powers and square roots keep
        # sympy's forms (products, math.sqrt, which raises too)
        ex = expr.exp
        if ex.is_Integer or ex in (sympy.S.Half, -sympy.S.Half):
            return super()._print_Pow(expr, rational=rational)
        return f"math.pow({self._print(expr.base)}, {self._print(ex)})"


class NumpyPrinter(_Common, NumPyPrinter):
    """Vectorised NumPy code."""


class ScipyPrinter(_Common, SciPyPrinter):
    """NumPy code that may call scipy.special (erf and friends), used when scipy is installed."""


@functools.cache
def _torch_printer_class():
    """sympy's TorchPrinter imports torch (seconds): built only when the torch backend is asked for."""
    from sympy.printing.pytorch import TorchPrinter

    class TorchCodePrinter(_Common, TorchPrinter):
        """Tensor code; numbers stay Python scalars, functions with numeric arguments get tensor forms."""

        def _minmax(self, expr, op: str, clamp: str) -> str:
            numbers = [a for a in expr.args if a.is_number]
            others = [self._print(a) for a in expr.args if not a.is_number]
            out = others[0]
            for other in others[1:]:
                out = f"torch.{op}({out}, {other})"
            if numbers:
                bound = (max if op == "maximum" else min)(float(n) for n in numbers)
                out = f"torch.clamp({out}, {clamp}={bound!r})"
            return out

        def _print_Max(self, expr):
            return self._minmax(expr, "maximum", "min")

        def _print_Min(self, expr):
            return self._minmax(expr, "minimum", "max")

        def _print_log1p(self, expr):
            return f"torch.log1p({self._print(expr.args[0])})"

        def _print_expm1(self, expr):
            return f"torch.expm1({self._print(expr.args[0])})"

        def _print_hypot(self, expr):
            a, b = (self._print(a) for a in expr.args)  # torch.hypot takes tensors only
            tensor = b if not expr.args[1].is_number else a
            a, b = (f"torch.full_like({tensor}, {float(e)!r})" if e.is_number else t
                    for e, t in zip(expr.args, (a, b)))
            return f"torch.hypot({a}, {b})"

        def _hyperbolic(self, expr, name: str, odd: bool) -> str:
            """torch's sinh/cosh overflow from |a| = 709.8 where the true value is finite up to 710.5:
            past |a| = 20 they are exp(|a|/2)·exp(|a|/2)/2 (signed for sinh)."""
            a = self._print(expr.args[0])
            big = f"torch.exp(torch.abs({a})/2)*(0.5*torch.exp(torch.abs({a})/2))"
            big = f"torch.sign({a})*{big}" if odd else big
            return f"torch.where(torch.abs({a}) < 20.0, torch.{name}({a}), {big})"

        def _print_sinh(self, expr):
            return self._hyperbolic(expr, "sinh", True)

        def _print_cosh(self, expr):
            return self._hyperbolic(expr, "cosh", False)

        def _print_Heaviside(self, expr):
            return f"(0.5*torch.sign({self._print(expr.args[0])}) + 0.5)"

        def _print_Pow(self, expr, rational=False):
            base, ex = expr.base, expr.exp
            if ex.is_Integer and 2 <= abs(int(ex)) <= POW_LIMIT or ex == -1:
                return super()._print_Pow(expr, rational)
            if ex == sympy.S.Half:
                return f"torch.sqrt({self._print(base)})"
            e = self.parenthesize(ex, 1000)
            if base.is_number:  # torch.pow takes a Python number as base, a tensor as exponent
                return f"torch.pow({float(base)!r}, {self._print(ex)})"
            return f"{self.parenthesize(base, 1000)}**{e}"

    return TorchCodePrinter

def printer_for(backend: str, int_literals: bool = False):
    """A fresh printer for ``backend`` ("python", "numpy", "torch"). Integers in arithmetic print as
    float literals (2.0*x) unless ``int_literals`` (for index expressions)."""
    settings = {"fully_qualified_modules": True, "strict": True, "order": "none"}
    if backend == "python":
        printer = PythonPrinter(settings)
    elif backend == "numpy":
        printer = (ScipyPrinter if importlib.util.find_spec("scipy") else NumpyPrinter)(settings)
    elif backend == "torch":
        printer = _torch_printer_class()(settings)
    elif backend == "jax":
        from symgd.codegen.jax_printer import jax_printer_class
        printer = jax_printer_class(_Common)(settings)
    else:
        raise CompileError(f"no printer for backend {backend!r}")
    printer._float_ints = not int_literals
    return printer


def check_printable(exprs, backend: str) -> None:
    """Refuse, at compile time, a function the backend cannot compute (named in the CompileError)."""
    funcs = set()
    for e in exprs:
        funcs.update(type(f) for f in e.atoms(sympy.Function))
    funcs.discard(sympy.Piecewise)  # printed by each printer's own Piecewise rule
    printer = printer_for(backend)
    arg = sympy.Symbol("u", real=True)
    for func in sorted(funcs, key=lambda f: f.__name__):
        try:
            probe = func(*([arg] * _arity(func)))
            text = printer.doprint(probe)
        except Exception as exc:  # sympy raises several kinds for an unprintable function
            raise CompileError(f"the {backend} backend cannot compute {func.__name__}()") from exc
        if backend != "python" and "math." in text:
            raise CompileError(f"the {backend} backend cannot compute {func.__name__}() on arrays",
                               hint="install scipy, or use backend='python' for scalars")


def _arity(func) -> int:
    nargs = getattr(func, "nargs", None)
    if isinstance(nargs, sympy.FiniteSet) and nargs:
        return int(min(nargs))
    return 2 if nargs is not None and not isinstance(nargs, sympy.FiniteSet) else 1  # variadic (Max, Min)
