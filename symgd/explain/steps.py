"""Step-by-step derivations whose every step is checked as it is built.

``steps(f, wrt)`` returns a ``Derivation`` (one variable) or a ``GradientDerivation`` (several, or all
by default). The rules live in the mixins ``AlgebraRules`` and ``FunctionRules`` as ``_step_<Class>``
methods found along the expression's MRO, like sympy's printers; functions of one argument come from
the row table ``table.UNARY``.

>>> d = steps("sin(x**2)", "x")
>>> d.result
2*x*cos(x**2)
>>> d.root.rule
'chain rule'
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import sympy

from symgd.calculus.variables import ordered_variables
from symgd.errors import SymgdError
from symgd.explain.budget import SimplifyBudget, check_step_work, expandable, tree_size
from symgd.explain.model import Derivation, GradientDerivation, Step
from symgd.explain.rules_algebra import AlgebraRules
from symgd.explain.rules_functions import FunctionRules
from symgd.explain.simplify import simplification_steps
from symgd.explain.verify import equal, real_diff
from symgd.parse import program_parts

_LET_NAMES = ("u", "v", "w", "p", "q", "r", "s")
#: Nodes of the largest expression tested against a user function's body (see _match_function).
MAX_MATCH_NODES = 800


class StepError(SymgdError):
    """A derivation the step engine cannot give: an input it has no rule for (unsupported), or a step
    that failed its own check (a bug in a rule of symgd, reported as one). The message says which."""


#: Expressions the rules do not cover, with what to use instead.
_UNSUPPORTED = ((sympy.Sum, "sums over an index (sum(..., i, a, b))"),
                (sympy.Indexed, "indexed arrays (x[i])"),
                (sympy.Derivative, "unevaluated derivatives"),
                (sympy.Integral, "integrals"))


Definitions = Mapping[str, tuple[tuple[sympy.Symbol, ...], sympy.Expr]]


class Deriver(AlgebraRules, FunctionRules):
    """Builds the step tree for one expression. ``mistake=(n, apply)`` replaces the result of the
    n-th step with ``apply(step)`` (answer checking uses it to model a student's slip); verification
    is off then, since the result is wrong on purpose."""

    def __init__(self, taken: Iterable[str] = (), definitions: Definitions | None = None,
                 mistake=None, verify: bool = True) -> None:
        self.taken = set(taken)
        self.names: dict[sympy.Expr, str] = {}
        self.functions: list[tuple[str, sympy.Symbol, sympy.Expr]] = []
        self._load(definitions or {})
        self.mistake = mistake
        self.verify = verify and mistake is None
        self.visited: dict[int, Step] = {}
        self._count = 0

    def _load(self, definitions: Definitions) -> None:
        expand: dict[sympy.Symbol, sympy.Expr] = {}
        for name, (params, body) in definitions.items():
            body = sympy.sympify(body).xreplace(expand)
            self.taken.add(name)
            if not params:
                self.names.setdefault(body, name)
                expand[sympy.Symbol(name)] = body
            elif len(params) == 1 and not body.is_Symbol:
                self.functions.append((name, params[0], body))

    def derive(self, expr: sympy.Expr, wrt: sympy.Symbol, named: bool = True) -> Step:
        """The step for d(expr)/d(wrt), with its substeps."""
        n = self._count
        self._count += 1
        step = self._dispatch(expr, wrt, named)
        if self.mistake is not None and self.mistake[0] == n:
            step = replace(step, result=self.mistake[1](step))
        self.visited[n] = step
        return step

    def _dispatch(self, expr: sympy.Expr, wrt: sympy.Symbol, named: bool) -> Step:
        if not expr.has(wrt):
            return self._make("constant rule", expr, wrt, sympy.S.Zero, key="constant")
        if named and expr != wrt:
            if expr in self.names:
                return self._definition(expr, wrt, self.names[expr])
            call = self._match_function(expr)
            if call is not None:
                return self._user_function(expr, wrt, *call)
        for cls in type(expr).__mro__:
            method = getattr(self, f"_step_{cls.__name__}", None)
            if method is not None:
                return method(expr, wrt)
        raise StepError(f"steps has no differentiation rule for {type(expr).__name__} "
                        f"({_short(expr)}): unsupported input", hint="`symgd grad` differentiates it",
                        exprs=(expr,))

    def _match_function(self, expr: sympy.Expr):
        """(name, param, body, arg) when ``expr`` is the user's function applied to ``arg``. SymPy's
        pattern matching of a sum is combinatorial (5 s on 200 terms), so it runs only on expressions
        of a size an application could have; a larger one is derived by the general rules (unnamed)."""
        size = tree_size(expr, MAX_MATCH_NODES)
        for name, param, body in self.functions:
            if size > max(MAX_MATCH_NODES // 4, 4 * tree_size(body, MAX_MATCH_NODES)):
                continue
            wild = sympy.Wild("arg")
            found = expr.match(body.xreplace({param: wild}))
            arg = found.get(wild) if found else None
            difference = body.xreplace({param: arg}) - expr if arg is not None else None
            if arg is not None and expandable(difference) and sympy.expand(difference) == 0:
                return name, param, body, arg
        return None

    def _name_for(self, inner: sympy.Expr) -> sympy.Symbol:
        """The chain rule's name for ``inner``: the user's, or the next free one of u, v, w, ..."""
        if inner in self.names:
            return sympy.Symbol(self.names[inner])
        for i in range(1000):
            for base in _LET_NAMES:
                name = base if i == 0 else f"{base}{i}"
                if name not in self.taken:
                    self.taken.add(name)
                    return sympy.Symbol(name)
        raise StepError("steps ran out of names for intermediate variables (u, v, ..., s999): "
                        "unsupported input")

    def _make(self, rule: str, expr: sympy.Expr, wrt: sympy.Symbol, result: sympy.Expr,
              substeps: tuple[Step, ...] = (), *, key: str, note: str = "", let=(), terms=()) -> Step:
        step = Step(rule, expr, wrt, result, tuple(substeps), note, tuple(let), tuple(terms), key)
        if self.verify and key != "constant":  # the constant rule's proof is its test: not expr.has(wrt)
            check_step(step)
        return step


def check_step(step: Step) -> None:
    """Raise StepError unless ``step.result`` equals the true derivative (or rewrite) of ``step.expr``."""
    truth = step.expr if step.kind == "rewrite" else real_diff(step.expr, step.wrt)
    if not equal(step.result, truth, domain=step.expr):
        raise StepError(f"a bug in symgd: the {step.rule} step failed its check (d/d{step.wrt} "
                        f"{_short(step.expr)} gave {_short(step.result)}, sympy says {_short(truth)})",
                        hint="please report it to the symgd maintainers with the expression")


def _short(expr: sympy.Expr, width: int = 50) -> str:
    """``expr`` as text cut to ``width`` characters (messages stay one short line)."""
    text = sympy.sstr(expr, order="none")
    return text if len(text) <= width else text[:width - 1] + "…"


def _check_supported(expr: sympy.Expr) -> None:
    for cls, what in _UNSUPPORTED:
        if expr.has(cls):
            raise StepError(f"steps does not explain {what} yet: unsupported input",
                            hint="`symgd grad` gives their gradient")


def derive(expr: sympy.Expr, wrt: sympy.Symbol, definitions: Definitions | None = None, *,
           simplify: bool = True, budget: SimplifyBudget | None = None) -> Derivation:
    """The derivation of d(expr)/d(wrt) for an already parsed expression (refused by a BudgetError or
    StepError before it starts when it would cost too much or has no rules); ``budget`` is the
    simplification work it may spend (shared by the derivations of one ``steps`` call)."""
    _check_supported(expr)
    check_step_work(expr, (wrt,))
    return _derive(expr, wrt, definitions, simplify, budget or SimplifyBudget())


def _derive(expr: sympy.Expr, wrt: sympy.Symbol, definitions: Definitions | None, simplify: bool,
            budget: SimplifyBudget) -> Derivation:
    names = {s.name for s in expr.free_symbols}
    root = Deriver(names, definitions).derive(expr, wrt)
    rewrites, note = simplification_steps(root.result, wrt, budget) if simplify else ((), "")
    result = rewrites[-1].result if rewrites else root.result
    defs = tuple((name, tuple(params), sympy.sympify(body)) for name, (params, body) in (definitions or {}).items())
    return Derivation(expr, wrt, (root, *rewrites), result, defs, note)


def steps(f: str | sympy.Expr, wrt: str | sympy.Symbol | Iterable[str | sympy.Symbol] | None = None, *,
          simplify: bool = True) -> Derivation | GradientDerivation:
    """Verified step-by-step derivation of ``f``.

    ``wrt`` naming one variable gives a ``Derivation`` of ∂f/∂wrt; ``None`` (every variable, sorted by
    name) or several names give a ``GradientDerivation`` with one derivation per variable.
    ``simplify=False`` skips the simplification steps after the rules have assembled the result.
    """
    expr, definitions = program_parts(f)
    _check_supported(expr)
    variables = ordered_variables(expr, wrt)
    single = wrt is not None and (isinstance(wrt, sympy.Symbol) or (isinstance(wrt, str) and "," not in wrt))
    check_step_work(expr, variables)  # every variable's derivation together, before the first starts
    budget = SimplifyBudget()
    derivations = tuple(_derive(expr, v, definitions, simplify, budget) for v in variables)
    if single:
        return derivations[0]
    return GradientDerivation(expr, variables, derivations)
