"""compile(): an expression's value and gradient as callables on a chosen backend.

The expression becomes the one graph (``symgd.calculus.graph``); its forward and backward sweeps are
laid out as straight-line code (``codegen``), printed with sympy's printers for the backend, and turned
into functions. ``.source`` shows the generated code.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy

from symgd.calculus.graph import Graph, build_graph
from symgd.calculus.indexed import has_indexed
from symgd.calculus.reduce_tree import needs_tree
from symgd.calculus.variables import ordered_variables
from symgd.codegen import runtime
from symgd.codegen.backends import COMPILE_BACKENDS
from symgd.codegen.compiled import Compiled
from symgd.codegen.ir import Program, code_names, dependencies, program_from_graph, render_body
from symgd.codegen.printers import check_printable
from symgd.errors import CompileError
from symgd.parse import parse



def _function(name: str, program: Program, backend: str, value_first: bool = False,
              rename: dict | None = None, cache: dict | None = None) -> str:
    """Source of one generated function: arguments, straight-line body, outputs (broadcast if needed)."""
    rename = code_names(program, runtime.RESERVED) if rename is None else rename
    args = [rename.get(a, a).name for a in program.args]
    body, outs = render_body(program, backend, rename, cache)
    head = [f"def {name}({', '.join(args)}):"]
    if backend in ("torch", "jax"):
        convert = "_as_tensor" if backend == "torch" else "_as_array"
        head += [f"    {a} = {convert}({a})" for a in args]
    deps = dependencies(program)
    full = frozenset(program.args)
    pack = "grad_ref" if value_first else name
    if backend in ("numpy", "torch", "jax") and any(d != full for d in deps):
        # an output that does not depend on every argument is broadcast to their common shape
        body += [f"_o{k} = {o}" for k, o in enumerate(outs)]
        ref = next((f"_o{k}" for k, d in enumerate(deps) if d == full), None)
        if ref is None:
            body.append(f"_ref = _common({', '.join(args)})")
            ref = "_ref"
        # scalar calls (the common case in loops) skip broadcasting altogether
        body += [f"if _np.ndim({ref}) == 0:" if backend in ("numpy", "jax") else f"if {ref}.ndim == 0:",
                 f"    return {_pack([f'_o{k}' for k in range(len(outs))], pack)}"]
        outs = [f"_o{k}" if d == full else f"_bc(_o{k}, {ref})" for k, d in enumerate(deps)]
    pack = "grad_ref" if value_first else name
    return "\n".join(head + [f"    {line}" for line in body] + [f"    return {_pack(outs, pack)}"])


def _pack(outs: list[str], name: str) -> str:
    if name == "value":
        return outs[0]
    if name == "grad":
        return f"({', '.join(outs)},)" if outs else "()"
    if name == "grad_ref":
        return f"({', '.join(outs[1:])},)" if len(outs) > 1 else "()"
    grads = f"({', '.join(outs[1:])},)" if len(outs) > 1 else "()"
    return f"{outs[0]}, {grads}"


def generate(graph: Graph, backend: str, parameters: tuple[sympy.Symbol, ...] = ()) -> str:
    """Source of the functions ``value``, ``grad`` and ``value_and_grad`` of ``graph`` for ``backend``;
    they take the graph's inputs, then ``parameters`` (symbols with no gradient)."""
    program, value, grads = program_from_graph(graph)
    if parameters:  # extra arguments: mangled with the inputs by ``code_names`` like any argument
        program = Program(program.args + tuple(parameters), program.lines, program.outputs, program.free_cache)
    program = program.prune((value, *grads))  # aliases substituted once; the pieces below only select
    value, grads = program.outputs[0], program.outputs[1:]
    check_printable([e for _, e in program.lines] + list(program.outputs), backend)
    rename, cache = code_names(program, runtime.RESERVED), {}
    pieces = {
        "value_and_grad": program.prune((value, *grads)),
        "value": program.prune((value,)),
        # numpy/torch keep the value as the shape reference for broadcasting (it depends on every argument)
        "grad": program.prune(grads if backend in ("python", "numba") else (value, *grads)),
    }
    ref = backend not in ("python", "numba")
    return "\n\n".join(_function(name, prog, backend, ref and name == "grad", rename, cache)
                       for name, prog in pieces.items()) + "\n"


def compile(f: str | sympy.Expr, wrt: Iterable[sympy.Symbol | str] | str | None = None,
            backend: str = "auto", device: Any = None, dtype: Any = None,
            sizes: Mapping[str, int] | None = None) -> Compiled:
    """Compile ``f`` and its gradient for ``backend``: "numpy", "python", "torch", "numba", "jax" or "auto".

    The functions take every free symbol: the ``wrt`` variables first (in wrt's order, default: all,
    sorted by name), then the others, the parameters, sorted by name (``Compiled.arguments``), also by
    keyword; the gradient is over wrt only (docs/compile.md). "auto" gives floats to the python code and
    arrays to the numpy code (chosen per call); "jax" is jax.numpy code whose value is a jax.custom_vjp
    carrying symgd's gradient (docs/jax.md).
    Indexed sums (``sum(..., i, 0, n-2)`` over vectors ``x[i]``) compile to vectorised numpy/torch code
    taking each vector as one array; ``sizes`` fixes sizes such as n (otherwise read from the length).

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> c = compile(sympy.sin(x**2 + y**2), backend="python")
    >>> v, g = c.value_and_grad(1.0, 0.0)
    >>> round(v, 6), tuple(round(gi, 6) for gi in g)
    (0.841471, (1.080605, 0.0))
    """
    if backend not in COMPILE_BACKENDS:
        raise CompileError(f"unknown backend {backend!r}; choose one of {', '.join(COMPILE_BACKENDS)}")
    expr = parse(f)
    if needs_tree(expr):  # several-index arrays, nested or non-sum reductions, det(A)
        from symgd.codegen.reduce_compile import compile_reductions
        if backend in ("jax", "torch"):
            raise CompileError(f"reductions over several indices compile for numba or python, not {backend!r}")
        return compile_reductions(expr, backend, sizes, wrt)  # wrt first; the loops skip the others
    if has_indexed(expr):
        from symgd.codegen.indexed import compile_indexed, mangled_problem
        if backend == "jax":
            raise CompileError("indexed sums compile for numpy, torch or numba, not 'jax'")
        if backend == "numba":
            from symgd.codegen.indexed_loops import compile_indexed_numba
            return _indexed_wrt(compile_indexed_numba(*mangled_problem(expr, sizes)), expr, wrt)
        return _indexed_wrt(compile_indexed(expr, backend, sizes, device, dtype), expr, wrt)
    graph = build_graph(expr, wrt, stable=True)
    # the symbols outside wrt are extra arguments after the wrt variables, sorted by name (no gradient)
    parameters = tuple(sorted(expr.free_symbols - set(graph.inputs), key=lambda s: s.name))
    return _compiled(graph, backend, device, dtype, parameters)


def _indexed_wrt(c: Compiled, expr: sympy.Expr, wrt: Any) -> Compiled:
    """An indexed compile (every vector and scalar an argument, each with a gradient) called as ``wrt``
    asks: the wrt variables first, then the others sorted by name; gradients for wrt only. (The others'
    gradients are still computed and dropped: the indexed generators differentiate every variable.)"""
    if wrt is None:
        return c
    by_name = {v.name: v for v in c.variables}
    names = [v.name for v in ordered_variables(expr, wrt)]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise CompileError(f"wrt names {', '.join(unknown)}, which is no variable of the indexed sum (its "
                           f"variables: {', '.join(by_name)})")
    variables = tuple(by_name[n] for n in names)
    parameters = tuple(sorted((v for v in c.variables if v.name not in names), key=lambda v: v.name))
    if variables == c.variables:
        return c
    where = [c.variables.index(v) for v in variables + parameters]  # new position -> original position
    picked = [c.variables.index(v) for v in variables]

    def original(args):
        out = [None] * len(args)
        for new, old in enumerate(where):
            out[old] = args[new]
        return out

    def value_and_grad(*args):
        v, g = c.value_and_grad(*original(args))
        return v, tuple(g[k] for k in picked)

    def grad(*args):  # one call of the whole gradient, then the wrt entries (not one call per entry)
        g = c.grad(*original(args))
        return tuple(g[k] for k in picked)

    return Compiled(variables, c.backend, c.source, value_and_grad, lambda *a: c.value(*original(a)), grad,
                    None, parameters)


def _compiled(graph: Graph, backend: str, device: Any, dtype: Any, parameters: tuple = ()) -> Compiled:
    if backend == "auto":
        return _auto(graph, device, dtype, parameters)
    if backend == "torch":
        runtime.require_torch()
    source = generate(graph, "python" if backend == "numba" else backend, parameters)
    if backend == "jax":
        return _jax(graph, source, dtype, parameters)
    fns = runtime.load(source, backend, device, dtype)
    if backend == "numba":
        fns = runtime.jit(fns)
    return Compiled(graph.inputs, backend, source, fns["value_and_grad"], fns["value"], fns["grad"], graph,
                    parameters)


def _jax(graph: Graph, source: str, dtype: Any, parameters: tuple) -> Compiled:
    """jax.numpy functions; ``value`` a jax.custom_vjp carrying symgd's gradient (``jax_backend``)."""
    from symgd.codegen.jax_backend import jax_namespace, with_custom_vjp
    namespace = jax_namespace(dtype)
    fns = runtime.load(source, "jax", extra=namespace)
    fns = with_custom_vjp(fns, len(graph.inputs), namespace["_as_array"])
    return Compiled(graph.inputs, "jax", source, fns["value_and_grad"], fns["value"], fns["grad"], graph,
                    parameters)


def _auto(graph: Graph, device: Any, dtype: Any, parameters: tuple = ()) -> Compiled:
    """Floats go to the python code, tensors to torch, arrays to numpy (decided per call)."""
    dispatch = runtime.AutoDispatch(lambda b: _compiled(graph, b, device, dtype, parameters))
    pick = dispatch.pick

    def value_and_grad(*args):
        return pick(args)._value_and_grad(*args)

    def value(*args):
        return pick(args)._value(*args)

    def grad(*args):
        return pick(args)._grad(*args)

    source = "# backend auto: python code for floats, numpy code for arrays\n" + \
        dispatch.backend("python").source + "\n" + dispatch.backend("numpy").source
    return Compiled(graph.inputs, "auto", source, value_and_grad, value, grad, graph, parameters)
