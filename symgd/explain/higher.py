"""Higher-order and mixed partial derivatives, and the Hessian, each stage a full verified derivation.

``partial(f, "x,y")`` differentiates by x, then by y (as ``sympy.diff(f, x, y)``): stage k is the step
derivation of stage k-1's result, so every step of every stage is checked as for first derivatives,
and the final result is checked once more against ``sympy.diff`` of ``f`` taken in one call.
``hessian_steps(f)`` derives every entry, both orders of each mixed pair, and compares them (Clairaut).

>>> partial("x^3 y^2", "x,y").result
6*x**2*y
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy

from symgd.calculus.variables import ordered_variables
from symgd.errors import VariableError
from symgd.explain.budget import SimplifyBudget
from symgd.explain.model import Derivation, GradientDerivation
from symgd.explain.steps import StepError, derive
from symgd.explain.verify import equal, realify
from symgd.parse import parse_program

#: Differentiations one request may chain (each is a derivation of a growing expression).
MAX_ORDER = 8
#: Variables a Hessian with steps may have (n² derivations).
MAX_HESSIAN_VARIABLES = 6


@dataclass(frozen=True)
class HigherDerivation:
    """∂ⁿf/∂order[-1]…∂order[0]: ``stages[k]`` differentiates ``stages[k-1].result`` by ``order[k]``."""

    f: sympy.Expr
    order: tuple[sympy.Symbol, ...]
    stages: tuple[Derivation, ...]
    result: sympy.Expr

    @property
    def steps(self):
        return tuple(s for d in self.stages for s in d.steps)

    def __str__(self) -> str:
        from symgd.report.calculus import render_higher
        return render_higher(self, "text")


@dataclass(frozen=True)
class Symmetry:
    """Clairaut's check for one mixed pair: f_ab (by a, then b) and f_ba, both derived, compared."""

    first: sympy.Symbol
    second: sympy.Symbol
    f_ab: sympy.Expr
    f_ba: sympy.Expr
    equal: bool


@dataclass(frozen=True)
class HessianDerivation:
    """The Hessian of ``f``: ``entries[i][j]`` derives ∂/∂x_j of ∂f/∂x_i (each entry's steps), and the
    Clairaut comparison of every mixed pair."""

    f: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    gradient: GradientDerivation
    entries: tuple[tuple[Derivation, ...], ...]
    symmetry: tuple[Symmetry, ...]

    @property
    def matrix(self) -> sympy.Matrix:
        return sympy.Matrix([[d.result for d in row] for row in self.entries])

    @property
    def result(self) -> sympy.Matrix:
        return self.matrix

    def __str__(self) -> str:
        from symgd.report.calculus import render_hessian
        return render_hessian(self, "text")


def _read(f: str | sympy.Expr):
    """(expression, definitions, the variables of a derivative operator typed first or None)."""
    if isinstance(f, sympy.Basic):
        return f, {}, None
    program = parse_program(f)
    return program.expr, dict(program.definitions), program.derivative


def diff_order(expr: sympy.Expr, diff: str | Iterable[str | sympy.Symbol]) -> tuple[sympy.Symbol, ...]:
    """The variables of ``diff`` ("x,y,x" or names/symbols, repeats allowed) in differentiation order;
    each must be a variable of ``expr`` and there may be at most MAX_ORDER."""
    names = [n.strip() for n in diff.split(",")] if isinstance(diff, str) else [
        d if isinstance(d, str) else d.name for d in diff]
    if not names or not all(names):
        raise VariableError("--diff needs variable names separated by commas, e.g. --diff x,y")
    if len(names) > MAX_ORDER:
        raise VariableError(f"at most {MAX_ORDER} differentiations in one request, got {len(names)}")
    return tuple(ordered_variables(expr, name)[0] for name in names)


def repeated(wrt: str | sympy.Symbol | None, order: int, expr: sympy.Expr) -> tuple[sympy.Symbol, ...]:
    """``wrt`` repeated ``order`` times (the n-th derivative); ``wrt`` may be left out for one variable."""
    if not 1 <= order <= MAX_ORDER:
        raise VariableError(f"the order must be a whole number from 1 to {MAX_ORDER}, got {order}")
    variables = ordered_variables(expr, wrt)
    if len(variables) != 1:
        raise VariableError("--order needs one variable: name it with --wrt (mixed partials: --diff x,y)")
    return variables * order


def partial(f: str | sympy.Expr, diff: str | Iterable[str | sympy.Symbol] | None = None, *,
            order: int | None = None, wrt: str | sympy.Symbol | None = None,
            simplify: bool = True) -> HigherDerivation:
    """The verified derivation of a higher or mixed partial of ``f``.

    ``diff`` lists the variables in differentiation order ("x,y" is ∂²f/∂y∂x, sympy's ``diff(f, x, y)``);
    or ``order`` with ``wrt`` gives the n-th derivative; or neither, when ``f`` starts with a derivative
    operator (``d^2/dx^2 (...)``, ``∂²/∂x∂y ...``).
    """
    expr, definitions, request = _read(f)
    if diff is not None and order is not None:
        raise VariableError("give either --diff or --order, not both",
                            hint="--diff x,x is the same as --wrt x --order 2")
    if diff is not None:
        variables = diff_order(expr, diff)
    elif order is not None:
        variables = repeated(wrt, order, expr)
    elif request is not None:
        variables = diff_order(expr, request)
    else:
        raise VariableError("say what to differentiate by: --diff x,y, or --wrt x --order 2")
    return _chain(expr, variables, definitions, simplify)


def _chain(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...], definitions: dict,
           simplify: bool) -> HigherDerivation:
    budget = SimplifyBudget()
    stages: list[Derivation] = []
    current = expr
    for v in variables:
        stage = derive(current, v, definitions, simplify=simplify, budget=budget)
        stages.append(stage)
        current = stage.result
    _check_against_sympy(expr, variables, current)
    return HigherDerivation(expr, variables, tuple(stages), current)


def _check_against_sympy(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...], result: sympy.Expr) -> None:
    """The chained result against ``sympy.diff(expr, *variables)`` taken in one call (real symbols)."""
    (real_expr, *real_vars), mapping = realify((expr, *variables))
    truth = sympy.diff(real_expr, *real_vars).xreplace({v: k for k, v in mapping.items()})
    if not equal(result, truth, domain=expr):
        raise StepError(f"a bug in symgd: the derivative by {', '.join(v.name for v in variables)} "
                        "disagrees with sympy.diff", hint="please report it to the symgd maintainers")


def hessian_steps(f: str | sympy.Expr, wrt: str | Iterable[str | sympy.Symbol] | None = None, *,
                  simplify: bool = True) -> HessianDerivation:
    """The Hessian of ``f`` with every entry derived step by step (from the verified gradient), checked
    against ``sympy.hessian``, and Clairaut's symmetry f_xy = f_yx shown for every mixed pair."""
    expr, definitions, _ = _read(f)
    variables = ordered_variables(expr, wrt)
    if len(variables) > MAX_HESSIAN_VARIABLES:
        raise VariableError(f"a Hessian with steps is for at most {MAX_HESSIAN_VARIABLES} variables, "
                            f"got {len(variables)}", hint="`symgd grad --hessian` gives the matrix alone")
    budget = SimplifyBudget()
    first = tuple(derive(expr, v, definitions, simplify=simplify, budget=budget) for v in variables)
    entries = tuple(tuple(derive(d.result, v, definitions, simplify=simplify, budget=budget)
                          for v in variables) for d in first)
    (real_expr, *real_vars), mapping = realify((expr, *variables))
    truth = sympy.hessian(real_expr, real_vars).xreplace({v: k for k, v in mapping.items()})
    for i, row in enumerate(entries):
        for j, entry in enumerate(row):
            if not equal(entry.result, truth[i, j], domain=expr):
                raise StepError(f"a bug in symgd: Hessian entry ({i + 1}, {j + 1}) disagrees with "
                                "sympy.hessian", hint="please report it to the symgd maintainers")
    symmetry = tuple(Symmetry(variables[i], variables[j], entries[i][j].result, entries[j][i].result,
                              equal(entries[i][j].result, entries[j][i].result, domain=expr))
                     for i in range(len(variables)) for j in range(i + 1, len(variables)))
    return HessianDerivation(expr, variables, GradientDerivation(expr, variables, first), entries, symmetry)
