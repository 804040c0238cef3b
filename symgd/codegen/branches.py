"""Branch-safe printing of Piecewise (and where), mixed into every backend's printer (issue 14).

The graph keeps a Piecewise's branches inside its node (``symgd.calculus.graph``), so the python and
numba code (a conditional expression) evaluates only the taken branch. ``numpy.select`` and
``torch.where`` evaluate every branch over the whole array: the untaken branch's inf/nan is discarded by
the selection, and NumPy's RuntimeWarnings from it are silenced for that computation only.
"""
from __future__ import annotations


class BranchPrinting:
    """Printing rules that keep an untaken branch from reaching the user as a nan, inf or warning."""

    def _print_Piecewise(self, expr):
        text = super()._print_Piecewise(expr)
        if getattr(self, "_module", None) != "numpy":
            return text
        # numpy.errstate is a ContextDecorator: the branches are computed, and selected, with their
        # floating-point warnings off (1/x, log(x), sqrt(x) where the condition excludes them); the
        # operands enter as arrays, so a Python float 0.0 divides into inf, not a ZeroDivisionError
        names = sorted({self._print(s) for s in expr.free_symbols})
        return (f'numpy.errstate(all="ignore")(lambda {", ".join(names)}: {text})'
                f'({", ".join(f"numpy.asarray({n})" for n in names)})')

    def _print_DiracDelta(self, expr):
        """DiracDelta(u), the derivative of a step, compiles to 0: its value almost everywhere, as torch
        and JAX differentiate kinks (docs/language.md); zeros shaped like u on the array backends."""
        module = getattr(self, "_module", None)
        if module is None or expr.args[0].is_number:
            return "0.0"
        return f"{self._module_format(module + '.zeros_like')}({self._print(expr.args[0])})"
