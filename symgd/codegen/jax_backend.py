"""The jax backend's runtime: the generated code's namespace, and ``value`` as a ``jax.custom_vjp``.

The generated jax.numpy code composes with ``jax.jit`` and ``jax.vmap`` as it is; ``value`` is wrapped
in a ``jax.custom_vjp`` whose backward is symgd's generated gradient, so ``jax.grad(c.value)`` runs
symgd's reverse sweep rather than jax tracing the forward pass again. jax is imported only here, and
only when the jax backend is asked for.
"""
from __future__ import annotations

from typing import Any, Callable

from symgd.codegen.runtime import require_jax
from symgd.errors import CompileError


def jax_dtype(dtype: Any) -> Any:
    """``dtype`` (None, a name or a dtype) as a real floating jax dtype, or a CompileError; float64 needs
    ``jax_enable_x64`` (jax would silently compute in float32 otherwise)."""
    require_jax()
    import jax
    import jax.numpy as jnp
    if dtype is None:
        return None
    try:
        value = jnp.dtype(dtype)
    except TypeError as exc:
        raise CompileError(f"dtype {dtype!r} is not a dtype jax knows; use float32 or float64") from exc
    if not jnp.issubdtype(value, jnp.floating):
        raise CompileError(f"dtype {dtype!r} is not a real floating-point dtype; use float32 or float64")
    if value.itemsize == 8 and not jax.config.jax_enable_x64:
        raise CompileError("dtype float64 needs jax's 64-bit mode (jax computes in float32 by default)",
                           hint='call jax.config.update("jax_enable_x64", True) first, or use float32')
    return value


def jax_namespace(dtype: Any = None) -> dict[str, Any]:
    """The names the generated jax code uses: jax, input conversion and broadcasting helpers."""
    jax = require_jax()
    import jax.numpy as jnp
    import jax.scipy.special  # noqa: F401 - erf is printed as jax.scipy.special.erf
    import numpy as np
    dtype = jax_dtype(dtype)

    def as_array(a: Any) -> Any:
        # the compile's dtype if given; else a float input keeps its dtype, others get jax's default float
        arr = jnp.asarray(a, dtype=dtype) if dtype is not None else jnp.asarray(a)
        return arr if jnp.issubdtype(arr.dtype, jnp.floating) else arr.astype(jnp.result_type(float))

    def bc(g: Any, ref: Any) -> Any:
        return jnp.broadcast_to(jnp.asarray(g, dtype=ref.dtype), jnp.shape(ref))

    def common(*args: Any) -> Any:
        return jnp.zeros(jnp.broadcast_shapes(*(jnp.shape(a) for a in args)), dtype=jnp.result_type(*args))

    return {"jax": jax, "_np": np, "_as_array": as_array, "_bc": bc, "_common": common}


def _unbroadcast(ct: Any, like: Any) -> Any:
    """The cotangent ``ct`` summed down to the shape (and dtype) of the primal ``like``."""
    import jax.numpy as jnp
    shape = jnp.shape(like)
    ct = jnp.broadcast_to(ct, jnp.broadcast_shapes(jnp.shape(ct), shape))
    extra = ct.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + k for k, n in enumerate(shape) if n == 1 and ct.shape[extra + k] != 1)
    return jnp.sum(ct, axis=axes).reshape(shape).astype(like.dtype) if axes else ct.astype(like.dtype)


def with_custom_vjp(fns: dict[str, Callable], n_variables: int, as_array: Callable) -> dict[str, Callable]:
    """``fns`` with ``value`` a ``jax.custom_vjp``: its backward multiplies the cotangent by symgd's
    gradient for the variables; parameters (no symgd gradient) get jax's own vjp of the value code."""
    jax = require_jax()
    raw_value, raw_value_and_grad = fns["value"], fns["value_and_grad"]

    @jax.custom_vjp
    def value(*args):
        return raw_value(*args)

    def forward(*args):
        v, grads = raw_value_and_grad(*args)
        return v, (args, grads)

    def backward(saved, ct):
        args, grads = saved
        variables, parameters = args[:n_variables], args[n_variables:]
        cts = [_unbroadcast(ct * g, a) for g, a in zip(grads, variables)]
        if parameters:
            _, pull = jax.vjp(lambda *p: raw_value(*variables, *p), *parameters)
            cts += list(pull(ct))
        return tuple(cts)

    value.defvjp(forward, backward)

    def entry(*args):
        # float arrays before the custom_vjp: jax wants a float cotangent for every primal input
        return value(*(as_array(a) for a in args))

    entry.__doc__ = "The value; jax.grad of it runs symgd's generated gradient (a jax.custom_vjp)."
    return {**fns, "value": entry}
