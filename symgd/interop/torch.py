"""symgd inside torch programs: an autograd Function and an ``nn.Module`` from a math string.

``function("(5t^3 - 3t)/2")`` is a ``torch.autograd.Function`` whose forward runs symgd's compiled torch
value code and whose backward runs symgd's exact symbolic gradient code. That gradient code is plain
torch operations on the saved inputs, so under ``create_graph=True`` autograd records it and double
backward (Hessian-vector products, ``gradgradcheck``) differentiates symgd's gradient.
``Module("a*sin(b*x) + c", inputs=["x"])`` holds the string's other symbols as trainable Parameters
(sympytorch's idea); ``.expression()`` reads the trained values back as a sympy expression.

>>> import torch
>>> P3 = function("(5t^3 - 3t)/2")
>>> t = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
>>> P3.apply(t).backward(); t.grad
tensor([0.3750], dtype=torch.float64)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy

from symgd.codegen import runtime
from symgd.codegen.api import compile as symgd_compile
from symgd.codegen.compiled import Compiled
from symgd.errors import CompileError, VariableError
from symgd.parse import parse

torch = runtime.require_torch()

#: Initial value of a parameter that ``init`` leaves out: 1.0, not 0.0, so that products of
#: parameters (``a*sin(b*x)``) do not start with a zero gradient.
DEFAULT_INIT = 1.0

#: Prefix of the keys of ``Module.params``: a parameter may be named like a Module attribute
#: (``forward``, ``training``, ``weight``) or a Python keyword (``lambda``).
_KEY = "p_"


def _check_args(name: str, compiled: Compiled, args: tuple) -> None:
    names = [v.name for v in compiled.variables]
    if len(args) != len(names):
        raise VariableError(f"{name} takes {len(names)} tensor argument(s), in the order "
                            f"({', '.join(names)}); it was given {len(args)}")
    for var, arg in zip(names, args):
        if not isinstance(arg, torch.Tensor):
            raise VariableError(f"{name}: argument {var} is a {type(arg).__name__}, not a torch tensor",
                                hint="wrap it: torch.as_tensor(value, dtype=torch.float64)")


def _floating(arg: Any) -> Any:
    """Integer and boolean tensors compute in torch's default floating dtype."""
    return arg if arg.is_floating_point() else arg.to(torch.get_default_dtype())


def _reduce(grad: Any, like: Any) -> Any:
    """``grad`` (shaped like the broadcast output) summed back to the shape of the input ``like``."""
    if grad.shape != like.shape:
        grad = grad.sum_to_size(like.shape) if like.dim() else grad.sum()
    return grad.to(dtype=like.dtype)


def _forward(compiled: Compiled, args: tuple) -> Any:
    """The value, shaped like the broadcast inputs."""
    out = compiled.value(*args)
    shape = torch.broadcast_shapes(*(a.shape for a in args))
    if not isinstance(out, torch.Tensor) or out.shape != shape:  # a value that ignores some argument
        ref = torch.broadcast_tensors(*args)[0]
        out = torch.as_tensor(out, dtype=ref.dtype, device=ref.device).expand(shape).clone()
    return out


def _backward(compiled: Compiled, inputs: tuple, needs: tuple, out_grad: Any) -> tuple:
    """Each input's gradient: ``out_grad`` times symgd's partial derivative, summed over broadcasting.

    Grad mode is on here exactly when the caller asked for ``create_graph``: then autograd records the
    generated gradient code (plain torch operations) and a second backward differentiates it.
    """
    partials = compiled.grad(*inputs)
    return tuple(_reduce(out_grad * p, a) if need else None for p, a, need in zip(partials, inputs, needs))


def _jvp(compiled: Compiled, inputs: tuple, tangents: tuple) -> Any:
    """Forward mode: the sum of each tangent times symgd's partial derivative (``torch.func.jacfwd``,
    ``hessian``)."""
    shape = torch.broadcast_shapes(*(a.shape for a in inputs))
    out = torch.zeros(shape, dtype=inputs[0].dtype, device=inputs[0].device)
    for t, p in zip(tangents, compiled.grad(*inputs)):
        if t is not None:
            out = out + t * p
    return out


def function(expr: str | sympy.Expr, name: str | None = None) -> type:
    """A ``torch.autograd.Function`` subclass computing ``expr``; call ``.apply(*tensors)``.

    Its arguments are the expression's free symbols in ``.variables`` order (sorted by name: see
    ``symgd.ordered_variables``), tensors of any floating dtype and device that broadcast together.
    Forward is symgd's compiled torch value, backward symgd's symbolic gradient (double backward works);
    it also has a ``jvp`` and a generated vmap rule, so ``torch.func`` transforms apply.
    """
    compiled = symgd_compile(parse(expr), backend="torch")
    if not compiled.variables:
        raise CompileError(f"{compiled.graph.expr} has no variables: a torch Function needs an argument")
    label = ", ".join(v.name for v in compiled.variables)

    def forward(*args: Any) -> Any:
        _check_args(name or "this symgd function", compiled, args)
        return _forward(compiled, tuple(_floating(a) for a in args))

    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        args = tuple(_floating(a) for a in inputs)
        ctx.save_for_backward(*args)
        ctx.save_for_forward(*args)

    def backward(ctx: Any, out_grad: Any) -> tuple:
        return _backward(compiled, ctx.saved_tensors, ctx.needs_input_grad, out_grad)

    def jvp(ctx: Any, *tangents: Any) -> Any:
        return _jvp(compiled, ctx.saved_tensors, tangents)

    return type(name or "SymgdFunction", (torch.autograd.Function,), {
        "forward": staticmethod(forward), "setup_context": staticmethod(setup_context),
        "backward": staticmethod(backward), "jvp": staticmethod(jvp), "generate_vmap_rule": True,
        "compiled": compiled, "variables": tuple(v.name for v in compiled.variables),
        "expr": compiled.graph.expr,
        "__doc__": f"torch.autograd.Function of {compiled.graph.expr} (symgd); apply({label})"})


class Module(torch.nn.Module):
    """An ``nn.Module`` computing ``expr`` of ``inputs``; every other symbol is a trainable Parameter.

    Parameters start at ``init[name]`` or ``DEFAULT_INIT`` (1.0), in ``dtype`` (default: torch's).
    They live in ``self.params`` under the keys ``"p_" + name`` (so any name works, ``lambda`` or
    ``forward`` included); ``self[name]`` is the Parameter of ``name``.
    """

    def __init__(self, expr: str | sympy.Expr, inputs: Iterable[str] | str,
                 init: Mapping[str, float] | None = None, dtype: Any = None) -> None:
        super().__init__()
        fn = function(expr)
        inputs = [s.strip() for s in inputs.split(",")] if isinstance(inputs, str) else list(inputs)
        _check_names(fn.variables, inputs, dict(init or {}))
        self._fn, self.inputs = fn, tuple(inputs)
        self.names = tuple(v for v in fn.variables if v not in inputs)
        dtype = dtype or torch.get_default_dtype()
        self.params = torch.nn.ParameterDict({
            _KEY + n: torch.nn.Parameter(torch.tensor(float((init or {}).get(n, DEFAULT_INIT)), dtype=dtype))
            for n in self.names})

    def __getstate__(self) -> dict:
        # the generated Function class cannot be pickled (torch.save(module)): it is rebuilt on load
        state = dict(self.__dict__)
        state["_fn"] = state["_fn"].expr  # a sympy expression pickles
        return state

    def __setstate__(self, state: dict) -> None:
        state["_fn"] = function(state["_fn"])
        self.__dict__.update(state)

    def __getitem__(self, name: str) -> Any:
        return self.params[_KEY + name]

    def forward(self, *inputs: Any) -> Any:
        """``expr`` at the given input tensors (in ``self.inputs`` order) and the current parameters."""
        if len(inputs) != len(self.inputs):
            raise VariableError(f"this module takes {len(self.inputs)} input(s) ({', '.join(self.inputs)}); "
                                f"it was given {len(inputs)}")
        given = dict(zip(self.inputs, inputs))
        return self._fn.apply(*(given[v] if v in given else self[v] for v in self._fn.variables))

    def values(self) -> dict[str, float]:
        """The current parameter values by name."""
        return {n: float(self[n].detach()) for n in self.names}

    def expression(self) -> sympy.Expr:
        """The expression with the current parameter values substituted (a sympy expression)."""
        expr = self._fn.expr
        subs = {s: sympy.Float(self.values()[s.name]) for s in expr.free_symbols if s.name in self.names}
        return expr.xreplace(subs)

    def extra_repr(self) -> str:
        return f"{self._fn.expr}, inputs=({', '.join(self.inputs)})"


def _check_names(variables: tuple[str, ...], inputs: list[str], init: dict) -> None:
    unknown = [n for n in inputs if n not in variables]
    if unknown or len(set(inputs)) != len(inputs):
        what = f"input {', '.join(unknown)} does not occur in the expression" if unknown else \
            f"an input is named twice: {', '.join(inputs)}"
        raise VariableError(f"{what} (its symbols: {', '.join(variables) or 'none'})")
    stray = [n for n in init if n not in variables or n in inputs]
    if stray:
        raise VariableError(f"init names {', '.join(stray)}, not a parameter of the expression (its "
                            f"parameters: {', '.join(v for v in variables if v not in inputs) or 'none'})")
    for n, v in init.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise VariableError(f"init[{n!r}] is a {type(v).__name__}, not a number")
