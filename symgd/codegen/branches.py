"""Branch-safe printing of Piecewise (and where), mixed into every backend's printer (issue 14).

The graph keeps a Piecewise's branches inside its node (``symgd.calculus.graph``), so the python and
numba code (a conditional expression) evaluates only the taken branch. ``numpy.select`` and
``torch.where`` evaluate every branch over the whole array: the untaken branch's inf/nan is discarded by
the selection, and NumPy's RuntimeWarnings from it are silenced for that computation only.
"""
from __future__ import annotations

import sympy


class BranchPrinting:
    """Printing rules that keep an untaken branch from reaching the user as a nan, inf or warning."""

    def _print_Piecewise(self, expr):
        if getattr(self, "_module", None) == "torch":
            return self._torch_piecewise(expr)
        if getattr(self, "_module", None) is None and getattr(self, "_float_ints", False):
            # python/numba: a conditional expression; integer values as floats (0.0, not the int 0)
            expr = sympy.Piecewise(*((sympy.Float(v) if v.is_Integer else v, c) for v, c in expr.args))
        text = super()._print_Piecewise(expr)
        if getattr(self, "_module", None) != "numpy":
            return text
        # numpy.errstate is a ContextDecorator: the branches are computed, and selected, with their
        # floating-point warnings off (1/x, log(x), sqrt(x) where the condition excludes them); the
        # operands enter as arrays, so a Python float 0.0 divides into inf, not a ZeroDivisionError
        names = _operand_names(self, expr)
        return (f'numpy.errstate(all="ignore")(lambda {", ".join(names)}: {text})'
                f'({", ".join(f"numpy.asarray({n})" for n in names)})')

    def _torch_piecewise(self, expr) -> str:
        """Nested torch.where, each branch computed from its operands as ``torch.where(taken, s,
        s.detach())`` (the "double where"): the same values, but torch's own autograd through the code
        (``.backward()``) sends an untaken branch's inf·0 = nan into the detached copy, not the input."""
        taken_before: list[str] = []
        pieces = []
        for value, cond in expr.args:
            c = None if cond is sympy.true else f"({self._print(cond)})"
            mask = " & ".join([f"~{t}" for t in taken_before] + ([c] if c else []))
            pieces.append((c, self._guarded(value, mask)))
            if c is None:
                break
            taken_before.append(c)
        out = pieces[-1][1]
        if pieces[-1][0] is not None:  # no otherwise branch: nan, as sympy's Piecewise leaves it undefined
            out = f"torch.where({pieces[-1][0]}, {out}, float('nan'))"
        for c, text in reversed(pieces[:-1]):
            out = f"torch.where({c}, {text}, {out})"
        return out

    def _guarded(self, value, mask: str) -> str:
        names = _operand_names(self, value)
        if not names or not mask or value.has(sympy.Indexed):  # indices are ints: computed as written
            return self._print(value)
        inner = f"(lambda {', '.join(names)}: {self._print(value)})"
        args = ", ".join(f"torch.where(_m, {n}, {n}.detach())" for n in names)
        return f"(lambda _m: {inner}({args}))({mask})"

    def _print_DiracDelta(self, expr):
        """DiracDelta(u), the derivative of a step, compiles to 0: its value almost everywhere, as torch
        and JAX differentiate kinks (docs/language.md); zeros shaped like u on the array backends."""
        module = getattr(self, "_module", None)
        if module is None or expr.args[0].is_number:
            return "0.0"
        return f"{self._module_format(module + '.zeros_like')}({self._print(expr.args[0])})"


def _operand_names(printer, expr) -> list[str]:
    """The printed names of ``expr``'s plain symbols (not x[i] or its index), to rebind in a lambda."""
    names = {printer._print(s) for s in expr.free_symbols if s.is_Symbol and not isinstance(s, sympy.Idx)}
    return sorted(n for n in names if n.isidentifier())
