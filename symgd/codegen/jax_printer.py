"""The jax printer (sympy's ``JaxPrinter`` with symgd's house rules), built only when jax is asked for."""
from __future__ import annotations

import functools


@functools.cache
def jax_printer_class(common: type) -> type:
    """The jax code printer class: ``common``, the house rules every printer shares (printers._Common:
    products for small powers, float literals, branch-safe Piecewise; passed in, so this module does
    not import printers back), over sympy's ``JaxPrinter`` (jax.numpy calls)."""
    from sympy.printing.numpy import JaxPrinter

    class JaxCodePrinter(common, JaxPrinter):
        """jax.numpy code; numbers stay Python floats (weakly typed, so float32 inputs stay float32)."""

        def _print_erf(self, expr):
            # sympy's JaxPrinter falls back to math.erf, which a traced array cannot go through
            return f"jax.scipy.special.erf({self._print(expr.args[0])})"

        def _print_Heaviside(self, expr):
            return f"(0.5*jax.numpy.sign({self._print(expr.args[0])}) + 0.5)"

    return JaxCodePrinter
