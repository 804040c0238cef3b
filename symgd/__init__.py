"""symgd: exact gradients of math strings, explained, and compiled to fast descent loops.

>>> import symgd
>>> symgd.gradient("x**2 * y")
(2*x*y, x**2)
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# The public API, imported on first use: `import symgd` stays cheap (the CLI starts fast and torch,
# numba and matplotlib are never imported unless asked for).
_API = {
    "Program": "symgd.parse:Program",
    "format_echo": "symgd.parse:format_echo",
    "derivative_request": "symgd.parse:derivative_request",
    "ordered_variables": "symgd.calculus.variables:ordered_variables",
    "gradient": "symgd.calculus.gradient:gradient",
    "hessian": "symgd.calculus.gradient:hessian",
    "build_graph": "symgd.calculus.graph:build_graph",
    "graph": "symgd.explain.graphview:graph",
    "steps": "symgd.explain.steps:steps",
    "partial": "symgd.explain.higher:partial",
    "hessian_steps": "symgd.explain.higher:hessian_steps",
    "directional": "symgd.explain.geometry:directional",
    "tangent": "symgd.explain.geometry:tangent",
    "linearize": "symgd.explain.geometry:linearize",
    "taylor": "symgd.explain.taylor:taylor",
    "check": "symgd.explain.check:check",
    "compile": "symgd.codegen.api:compile",
    "hvp": "symgd.codegen.reduce_hvp:hvp",  # Hessian-vector products of reduction trees (issue 18)
    "odeint": "symgd.loops.odeint:odeint",  # ODE solutions and their exact gradients
    "ode_field": "symgd.loops.ode_field:compile_field",
    "OdeSolution": "symgd.loops.odeint:OdeSolution",
    "minimize": "symgd.optim.minimize:minimize",
    "Derivation": "symgd.explain.model:Derivation",
    "GradientDerivation": "symgd.explain.model:GradientDerivation",
    "CheckResult": "symgd.explain.check:CheckResult",
    "GraphView": "symgd.explain.graphview:GraphView",
    "MinimizeResult": "symgd.optim.result:MinimizeResult",
    "get_optimizer": "symgd.optim.registry:get_optimizer",
    "fused_minimize": "symgd.loops.fused:fused_minimize",
    "FitResult": "symgd.fit.result:FitResult",
    "open_source": "symgd.fit.sources:open_source",
    "SymgdError": "symgd.errors:SymgdError",
    "ParseError": "symgd.errors:ParseError",
    "torch_function": "symgd.interop.torch:function",  # needs torch (imported on first use)
    "TorchModule": "symgd.interop.torch:Module",
    "implicit": "symgd.explain.implicit:implicit",  # calculus B (issue 17)
    "check_implicit": "symgd.explain.implicit_check:check_implicit",
    "critical_points": "symgd.explain.critical:critical_points",
    "extremum": "symgd.explain.lagrange:extremum",
    "parse_equation": "symgd.parse.equation:parse_equation",
}

__all__ = sorted([*_API, "parse", "parse_program", "fit"]) + ["__version__"]


def __getattr__(name: str) -> Any:
    target = _API.get(name)
    if target is None:
        raise AttributeError(f"module 'symgd' has no attribute {name!r}")
    module_name, attr = target.split(":")
    value = getattr(import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


# Imported eagerly, last: the subpackages `parse` and `fit` share their names with these functions, and
# once Python imports a subpackage it binds the package attribute of that name to the module, which
# would shadow a lazily imported function.
from symgd.parse import parse, parse_program  # noqa: E402
from symgd.fit.api import fit  # noqa: E402
