"""The table and the surroundings of the ``out=`` NumPy style (``codegen.buffered``): which sympy
function is which numpy ufunc, the names the generated code runs with, its constant lines, and the
inlining pass applied to a flat program before it is emitted."""
from __future__ import annotations

import numpy as np
import sympy

#: the one table of operations: sympy function -> numpy ufunc
UFUNCS = {sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan", sympy.asin: "arcsin", sympy.acos: "arccos",
          sympy.atan: "arctan", sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.tanh: "tanh",
          sympy.asinh: "arcsinh", sympy.acosh: "arccosh", sympy.atanh: "arctanh", sympy.exp: "exp",
          sympy.log: "log", sympy.Abs: "absolute", sympy.sign: "sign"}
#: numpy ufuncs bound to short globals of the generated code (saves an attribute lookup per call)
NUMPY_OPS = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide", "pow": "power",
             "neg": "negative", "square": "square", "sqrt": "sqrt", **{v: v for v in UFUNCS.values()}}
INFIX = {"add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0}*{1}", "div": "{0}/{1}", "pow": "{0}**{1}",
          "neg": "-{0}", "square": "{0}*{0}"}


def const(value: float) -> np.ndarray:
    """A read-only 0-d float64 array (a constant operand of the generated ufunc calls)."""
    a = np.array(value, dtype=np.float64)
    a.setflags(write=False)
    return a


def namespace() -> dict:
    """Names the buffered (numpy) code uses."""
    return {"_" + k: getattr(np, v) for k, v in NUMPY_OPS.items()} | {
        "_const": const, "_dot": np.dot, "_f64": np.float64, "_zeros": np.zeros, "_copyto": np.copyto}


def constants(consts: dict) -> list[str]:
    """The lines defining the float constants named in ``consts`` (value -> name)."""
    return [f"{name} = _const({value!r})" for value, name in consts.items()]


def inline(lines: list, outputs: list) -> tuple[list, list]:
    """Lines read once are substituted into their one reader (so constants fold across them and the
    reader lowers as one tree); returns the remaining lines and the outputs."""
    uses: dict = {}
    for e in [e for _, e in lines] + list(outputs):
        for a in sympy.preorder_traversal(e):
            if a.is_Symbol:
                uses[a] = uses.get(a, 0) + 1
    sub, kept = {}, []
    for sym, e in lines:
        e = e.xreplace(sub) if sub else e
        if uses.get(sym, 0) == 1:
            sub[sym] = e
        else:
            kept.append((sym, e))
    return kept, [o.xreplace(sub) if sub else o for o in outputs]
UFUNC_OF = {v: k for k, v in UFUNCS.items()} | {"sqrt": sympy.sqrt}
