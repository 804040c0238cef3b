"""symgd.parse.construct builds exactly what SymPy's evaluated Pow/Mul/Add build (same args, same order),
and an unrolled Rosenbrock sum parses to SymPy's own expression with a gradient equal to sympy.diff."""
from __future__ import annotations

import random

import pytest
import sympy

from symgd.codegen.api import compile as symgd_compile
from symgd.parse import parse
from symgd.parse.construct import power, product, scaled, total

x, y, z = sympy.symbols("x y z")
X = sympy.IndexedBase("X")
_I = sympy.I

BASES = [x + y, x - y**2, 1 - x, x + 2, 2 * x - 3 * y + z, x + _I, x + 2 * _I * y, 1 + sympy.sqrt(2),
         x + sympy.oo, -x - y, x * y + 1, sympy.pi + x, X[0] - X[1]]
EXPONENTS = [sympy.Integer(k) for k in (-3, -1, 0, 1, 2, 3)] + [sympy.Rational(1, 2), sympy.Rational(-3, 2),
                                                              sympy.Float(2.0), x]
COEFFS = [sympy.Integer(k) for k in (-2, -1, 0, 1, 3)] + [sympy.Rational(3, 4)] + \
    [sympy.Float(v) for v in (0.5, 1.0, 0.0, -2.5)] + [sympy.oo, sympy.nan]
# Floats whose sums and products round differently in another order (SymPy's order must be kept)
ROUNDING = [sympy.Float(v) for v in (0.1, 0.7, 1.3, 2.9, 1e-17, 3.3333333333333335)]


def same(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Equal as SymPy objects and printed identically (args in the same order)."""
    return a == b and sympy.srepr(a) == sympy.srepr(b) and type(a) is type(b)


@pytest.mark.parametrize("base", BASES, ids=str)
def test_power_matches_sympy(base):
    for e in EXPONENTS:
        assert same(power(base, e), sympy.Pow(base, e)), (base, e)


@pytest.mark.parametrize("c", COEFFS, ids=str)
def test_scaled_and_product_match_sympy(c):
    factors = [x, x**2, x**sympy.Rational(1, 2), sympy.sin(x)] + \
        [sympy.Pow(b, 2) for b in BASES] + [sympy.Pow(b, -1) for b in BASES if b.is_Add]
    for s in factors:
        assert same(scaled(c, s), sympy.Mul(c, s)), (c, s)
        assert same(product([c, s]), sympy.Mul(c, s)), (c, s)
    assert same(product([c, x, (x + y)**2]), sympy.Mul(c, x, (x + y)**2))


def _random_term(rng: random.Random) -> sympy.Expr:
    pick = rng.randrange(9)
    c = rng.choice(COEFFS[:10] + ROUNDING)
    base = rng.choice(BASES[:7] + BASES[10:12])
    atoms = [x, y, z, x**2, sympy.sin(y), sympy.Pow(base, rng.choice((2, -1, 3))), sympy.pi, X[1]]
    if pick == 0:
        return c
    if pick == 1:
        return rng.choice(atoms)
    if pick == 2:
        return x + rng.choice(atoms)  # a nested sum
    return sympy.Mul(c, rng.choice(atoms))


def test_total_matches_sympy_on_random_sums():
    rng = random.Random(5)
    for _ in range(500):
        terms = [_random_term(rng) for _ in range(rng.randrange(1, 9))]
        assert same(total(terms), sympy.Add(*terms)), terms


def _random_factor(rng: random.Random) -> sympy.Expr:
    base = rng.choice(BASES[:7] + BASES[10:12])
    atoms = [x, y, z, x**2, y**-1, sympy.sqrt(z), sympy.sin(y), sympy.Pow(base, rng.choice((2, -1, 3))),
             sympy.pi, X[1], sympy.Integer(2)**x, base]
    pick = rng.randrange(4)
    if pick == 0:
        return rng.choice(COEFFS[:10] + ROUNDING)
    if pick == 1:
        return rng.choice(atoms)
    return sympy.Mul(rng.choice(COEFFS[:10] + ROUNDING), *rng.sample(atoms, rng.randrange(1, 3)))


def test_product_matches_sympy_on_random_products():
    rng = random.Random(11)
    for _ in range(500):
        factors = [_random_factor(rng) for _ in range(rng.randrange(1, 6))]
        assert same(product(factors), sympy.Mul(*factors)), factors


def test_numbers_combine_in_sympys_order():
    """Nested sums and products are expanded at the end of the queue, as flatten does: Float sums and
    products taken in another order differ in the last digit."""
    f = {v: sympy.Float(v) for v in (0.1, 0.5, 2.5, 2.9, 0.7, 3.3333333333333335, 1e-17)}
    s = sympy.sin(y)
    sums = [[x, x + s, -2 * s, f[0.1] * s, f[0.5] * sympy.pi, x**2 + x],
            [f[0.1] * x, 3 * s, x**2 + x, f[1e-17] * z, -x, -f[2.5] * s]]
    for terms in sums:
        assert same(total(terms), sympy.Add(*terms))
    factors = [f[3.3333333333333335] * x, f[2.9], f[0.7], 1 / (x + 2)]
    assert same(product(factors), sympy.Mul(*factors))


def test_total_merges_like_terms_and_cancels():
    p = (x - y**2)**2
    terms = [3 * p, x, -3 * p, sympy.Integer(2), sympy.Float(0.5), -x, y]
    assert same(total(terms), sympy.Add(*terms))
    assert same(total([p, p, 100 * p]), sympy.Add(p, p, 100 * p))


def _rosenbrock(n: int) -> tuple[str, sympy.Expr, tuple[sympy.Symbol, ...]]:
    xs = sympy.symbols(f"x0:{n}")
    text = " + ".join(f"100*(x{i + 1}-x{i}^2)^2 + (1-x{i})^2" for i in range(n - 1))
    expr = sympy.Add(*(100 * (xs[i + 1] - xs[i]**2)**2 + (1 - xs[i])**2 for i in range(n - 1)))
    return text, expr, xs


def test_unrolled_rosenbrock_parses_to_sympy_and_compiles_to_its_gradient():
    text, expected, xs = _rosenbrock(200)
    parsed = parse(text)
    assert parsed == expected and parsed.args == expected.args  # == compares args in order
    compiled = symgd_compile(parsed, backend="python")
    rng = random.Random(7)
    point = {v: rng.uniform(-1.5, 1.5) for v in xs}
    args = [point[v] for v in compiled.variables]
    value, grad = compiled.value_and_grad(*args)
    assert value == pytest.approx(float(expected.xreplace(point)), rel=1e-12)
    having: dict[sympy.Symbol, list[sympy.Expr]] = {}
    for term in expected.args:  # d/dv of the terms that hold v: sympy.diff of the sum, term by term
        for v in term.free_symbols:
            having.setdefault(v, []).append(term)
    checked = set(rng.sample(xs, 30)) | {xs[0], xs[-1]}  # sympy.diff costs ~50 ms a variable here
    for v, g in zip(compiled.variables, grad):
        if v in checked:
            d = sympy.diff(sympy.Add(*having[v]), v)
            exact = d.xreplace({s: point[s] for s in d.free_symbols})
            assert g == pytest.approx(float(exact), rel=1e-10, abs=1e-9)
