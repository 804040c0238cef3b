"""The records a derivation is made of: Step, Derivation and GradientDerivation.

They are plain frozen values; rendering lives in ``symgd.report`` (the ``_repr_*_`` methods here only
delegate to it, so a notebook shows a derivation as LaTeX or Markdown).
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy


@dataclass(frozen=True)
class Step:
    """One verified step: ``result`` = d(``expr``)/d(``wrt``) by ``rule``, built from ``substeps``.

    ``kind`` is "derivative" for a differentiation step, or "rewrite" for a simplification of the
    assembled result (then ``expr`` is the expression before and ``result`` the one after).
    ``let`` holds the names a step introduces (the chain rule's ``u = inner``, a user definition);
    ``terms`` labels the parts the rule adds or multiplies (``("f'·g", ...)``), which answer checking
    uses to say which term a student missed. ``key`` names the rule-table row that made the step.
    """

    rule: str
    expr: sympy.Expr
    wrt: sympy.Symbol
    result: sympy.Expr
    substeps: tuple["Step", ...] = ()
    formula: str = ""
    let: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()
    terms: tuple[tuple[str, sympy.Expr], ...] = ()
    key: str = ""
    kind: str = "derivative"

    def walk(self):
        """This step and every step below it, depth first (preorder)."""
        yield self
        for sub in self.substeps:
            yield from sub.walk()


@dataclass(frozen=True)
class Derivation:
    """∂f/∂wrt as a tree of steps: ``steps[0]`` differentiates, the rest simplify the result. ``note``
    says why the result was not simplified (further), when the simplification budget stopped it."""

    f: sympy.Expr
    wrt: sympy.Symbol
    steps: tuple[Step, ...]
    result: sympy.Expr
    definitions: tuple[tuple[str, tuple[sympy.Symbol, ...], sympy.Expr], ...] = ()
    note: str = ""

    @property
    def root(self) -> Step:
        return self.steps[0]

    @property
    def assembled(self) -> sympy.Expr:
        """The derivative as the rules assembled it, before simplification."""
        return self.steps[0].result

    def walk(self):
        for step in self.steps:
            yield from step.walk()

    def _repr_latex_(self) -> str:
        from symgd.report.derivation import render_derivation
        return render_derivation(self, "latex-inline")

    def _repr_markdown_(self) -> str:
        from symgd.report.derivation import render_derivation
        return render_derivation(self, "markdown")

    def __str__(self) -> str:
        from symgd.report.derivation import render_derivation
        return render_derivation(self, "text")


@dataclass(frozen=True)
class GradientDerivation:
    """One derivation per variable, and the gradient vector they make."""

    f: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    derivations: tuple[Derivation, ...]

    @property
    def gradient(self) -> tuple[sympy.Expr, ...]:
        return tuple(d.result for d in self.derivations)

    @property
    def result(self) -> tuple[sympy.Expr, ...]:
        return self.gradient

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for d in self.derivations for s in d.steps)

    def __getitem__(self, name: str | sympy.Symbol) -> Derivation:
        key = name if isinstance(name, str) else name.name
        for d in self.derivations:
            if d.wrt.name == key:
                return d
        raise KeyError(key)

    def _repr_latex_(self) -> str:
        from symgd.report.derivation import render_gradient
        return render_gradient(self, "latex-inline")

    def _repr_markdown_(self) -> str:
        from symgd.report.derivation import render_gradient
        return render_gradient(self, "markdown")

    def __str__(self) -> str:
        from symgd.report.derivation import render_gradient
        return render_gradient(self, "text")
