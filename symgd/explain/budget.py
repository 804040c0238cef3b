"""The explain stage's cost budget: what a derivation, its checks and its simplification may cost.

The parser bounds the expression (symgd.parse.budget); the step engine's work grows with it in ways the
parser cannot see: every variable's derivation prints and checks the subexpressions that hold it (200
factors times 200 variables), ``expand`` and ``cancel`` multiply polynomials out ((x+y+z)^500 has 125,751
terms), SymPy's trig simplifier lists a power's factors one by one (sin(x)^(10^10): MemoryError). Each is
counted here up front, deterministically, before SymPy is called.

SymPy has no timeout, and the usual stand-ins fail us: signals work only on the main thread (not in a
notebook's worker or a server), and a thread cannot be stopped once SymPy is inside C-level arithmetic.
So the time limit on simplification is a budget on sizes, checked before each call: over it, the
unsimplified (and still verified) result stands, with a note saying so.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import sympy

from symgd.errors import BudgetError
from symgd.explain.model import Step

#: Step work of one ``steps`` call: for each variable, the nodes of every subexpression holding it (each
#: is printed and checked once per variable; products more). 1-3 s at the limit.
MAX_STEP_WORK = 40_000
#: Terms ``expand``/``cancel`` may produce (estimated before they run), and terms x nodes.
MAX_EXPANDED_TERMS = 2_000
MAX_EXPAND_WORK = 100_000
#: Rewrites (cancel, factor_terms, trigsimp, simplify) run only on results this small ...
MAX_SIMPLIFY_NODES = 400
MAX_SIMPLIFY_TERMS = 200  # ... whose expansion stays this small
#: ... and each ``steps`` call spends at most this many units on them (one unit per node simplified,
#: at least SIMPLIFY_BASE per call: sympy.simplify costs ~30 ms even on y*cos(x*y)).
MAX_SIMPLIFY_WORK = 1_200
SIMPLIFY_BASE = 20


def expanded_terms(expr: sympy.Expr, cap: int = MAX_EXPANDED_TERMS) -> int:
    """An upper estimate of the terms ``sympy.expand(expr)`` would produce, or ``cap + 1`` once it passes
    ``cap``: sums add, products multiply, an integer power n of t terms gives C(n+t-1, t-1). A power of a
    function counts as two terms (trigsimp and friends rewrite sin(x)^n through n multiple angles)."""
    memo: dict[sympy.Basic, int] = {}

    def terms(node: sympy.Basic) -> int:
        if node in memo:
            return memo[node]
        if not node.args:
            found = 1
        elif node.is_Add:
            found = sum(terms(a) for a in node.args)
        elif node.is_Mul:
            found = math.prod(terms(a) for a in node.args)
        elif node.is_Pow and node.exp.is_Integer:
            base = max(terms(node.base), 2 if isinstance(node.base, sympy.Function) else 1)
            found = _power_terms(base, abs(int(node.exp)), cap)
        else:  # a function: its argument is expanded in place, a term of its own outside
            found = max(1, max(terms(a) for a in node.args)) if node.args else 1
            found = 1 if found <= cap else found
        memo[node] = found = min(found, cap + 1)
        return found

    return terms(expr)


def _power_terms(t: int, n: int, cap: int) -> int:
    """C(n+t-1, t-1) (monomials of degree n in t terms), stopped once past ``cap``."""
    if t <= 1 or n == 0:
        return 1
    count = 1
    for i in range(1, min(n, t - 1) + 1):  # C(n+t-1, k) with k = min(n, t-1), grown one factor at a time
        count = count * (n + t - 1 - min(n, t - 1) + i) // i
        if count > cap:
            return cap + 1
    return count


def expandable(*exprs: sympy.Expr) -> bool:
    """Whether ``sympy.expand`` of ``exprs`` stays within MAX_EXPANDED_TERMS, and within MAX_EXPAND_WORK
    counted as terms x nodes (each term of a long product is flattened and sorted on its own)."""
    terms = sum(expanded_terms(e) for e in exprs)
    if terms > MAX_EXPANDED_TERMS:
        return False
    cap = MAX_EXPAND_WORK // max(terms, 1)
    return sum(tree_size(e, cap) for e in exprs) <= cap


def simplifiable(expr: sympy.Expr) -> bool:
    """Whether ``sympy.simplify(expr)`` is cheap enough to try: a small tree whose expansion is small
    (simplify expands, factors and cancels: (x+y+z)^29 - (x+y+z)^28 takes it 6 s)."""
    return (tree_size(expr, MAX_SIMPLIFY_NODES) <= MAX_SIMPLIFY_NODES
            and expanded_terms(expr, MAX_SIMPLIFY_TERMS) <= MAX_SIMPLIFY_TERMS)


def tree_size(expr: sympy.Basic, cap: int) -> int:
    """Nodes of ``expr`` counted as a tree, stopping at ``cap + 1``."""
    count, stack = 0, [expr]
    while stack and count <= cap:
        node = stack.pop()
        count += 1
        stack.extend(node.args)
    return count


def step_work(expr: sympy.Expr, variables: Iterable[sympy.Symbol]) -> int:
    """The work of deriving ``expr`` step by step for each of ``variables``: per variable, the size of each
    subexpression that holds it (its step prints and checks it), more for a product (``_product_factor``).
    Memoised over shared subexpressions, so the count itself is linear."""
    wanted = frozenset(variables)
    memo: dict[sympy.Basic, tuple[int, frozenset, int]] = {}  # node -> (size, its variables, work)
    stack = [expr]
    while stack:
        node = stack[-1]
        pending = [a for a in node.args if a not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        parts = [memo[a] for a in node.args]
        size = 1 + sum(p[0] for p in parts)
        held = frozenset().union(*(p[1] for p in parts)) if parts else frozenset({node}) & wanted
        factor = len(held) + (_product_factor(parts) if node.is_Mul else 0)
        memo[node] = (size, held, size * factor + sum(p[2] for p in parts))
    return memo[expr][2]


def _product_factor(parts: list[tuple[int, frozenset, int]]) -> int:
    """Per variable v held by k of a product's n factors, the product rule peels them one at a time:
    k steps print the product's rest (~k/2 of it each) and their results grow as (k-j)^2 factors,
    ~k^3/(3n) of the product in all."""
    held_by = Counter(v for p in parts for v in p[1])
    n = max(len(parts), 1)
    return sum(k + k ** 3 // (3 * n) for k in held_by.values())


def check_step_work(expr: sympy.Expr, variables: tuple[sympy.Symbol, ...]) -> None:
    """Raise BudgetError before a derivation that would cost more than MAX_STEP_WORK."""
    work = step_work(expr, variables)
    if work <= MAX_STEP_WORK:
        return
    first = variables[0]  # one more count only: the hint's variable, not each one (600 x the work)
    fits = len(variables) > 1 and step_work(expr, (first,)) <= MAX_STEP_WORK
    hint = (f"derive one variable at a time (--wrt {first.name}); `symgd grad` gives the whole gradient"
            if fits else "`symgd grad` gives the derivative without the steps")
    what = f"{len(variables)} variables" if len(variables) > 1 else f"d/d{variables[0].name}"
    raise BudgetError(f"the step-by-step derivation ({what}) is too large to explain: about {work:,} "
                      f"units of work (limit {MAX_STEP_WORK:,})", hint=hint)


class SimplifyBudget:
    """The simplification work left to one ``steps`` call (shared by its derivations, deterministic)."""

    def __init__(self, work: int = MAX_SIMPLIFY_WORK) -> None:
        self.left = work

    def allows(self, expr: sympy.Expr) -> str | None:
        """None when a rewrite of ``expr`` may run (its cost is then spent), else why it may not."""
        if expanded_terms(expr, MAX_SIMPLIFY_TERMS) > MAX_SIMPLIFY_TERMS:
            return f"multiplying it out would give more than {MAX_SIMPLIFY_TERMS} terms"
        cost = max(tree_size(expr, MAX_SIMPLIFY_NODES), SIMPLIFY_BASE)
        if cost > self.left:
            return "the simplification budget of this call is spent"
        self.left -= cost
        return None


def step_count(steps: Iterable[Step]) -> int:
    """How many steps (all levels) ``steps`` hold (for tests that count work)."""
    return sum(1 for root in steps for _ in root.walk())
