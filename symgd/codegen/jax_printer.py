"""The jax printer (sympy's ``JaxPrinter`` with symgd's house rules), built only when jax is asked for."""
from __future__ import annotations

import functools


@functools.cache
def jax_printer_class():
    """The jax code printer class: ``_Common`` (products for small powers, float literals, branch-safe
    Piecewise) over sympy's ``JaxPrinter`` (jax.numpy calls)."""
    from sympy.printing.numpy import JaxPrinter

    from symgd.codegen.printers import _Common

    class JaxCodePrinter(_Common, JaxPrinter):
        """jax.numpy code; numbers stay Python floats (weakly typed, so float32 inputs stay float32)."""

        def _print_erf(self, expr):
            # sympy's JaxPrinter falls back to math.erf, which a traced array cannot go through
            return f"jax.scipy.special.erf({self._print(expr.args[0])})"

        def _print_Heaviside(self, expr):
            return f"(0.5*jax.numpy.sign({self._print(expr.args[0])}) + 0.5)"

    return JaxCodePrinter
