"""gradient / hessian from the reverse sweep, against sympy.diff and sympy.hessian."""
import pytest
import sympy

from oracle_exprs import EXPRS, POINT, exact
from symgd.calculus.gradient import gradient, hessian
from symgd.errors import VariableError

x, y, z = sympy.symbols("x y z")


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_gradient_equals_sympy_diff_at_the_point(name):
    subs = {sympy.Symbol(k): sympy.Float(v, 30) for k, v in POINT.items()}
    got = [float(g.evalf(30, subs=subs)) for g in gradient(EXPRS[name])]
    _, want = exact(EXPRS[name])
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("f", [sympy.sin(x**2 + y**2), x**2 * y, (x - 3)**2 + 2 * (y + 1)**2,
                               sympy.exp(x * y) / (1 + z**2), sympy.log(x) * sympy.atan(y / x)])
def test_gradient_is_symbolically_sympy_diff(f):
    variables = sorted(f.free_symbols, key=lambda s: s.name)
    for g, v in zip(gradient(f), variables):
        assert sympy.simplify(g - sympy.diff(f, v)) == 0


def test_gradient_order_follows_wrt():
    assert gradient(x**2 * y, wrt="y,x") == (x**2, 2 * x * y)
    with pytest.raises(VariableError):
        gradient(x**2, wrt="q")


@pytest.mark.parametrize("f", [sympy.exp(x * y) + sympy.sin(x) / y, x**3 * y * z + sympy.cos(x * z),
                               sympy.tanh(sympy.log(1 + z * 2 * x / sympy.sin(y))), (1 - x)**2 + 100 * (y - x**2)**2])
def test_hessian_equals_sympy(f):
    variables = sorted(f.free_symbols, key=lambda s: s.name)
    h = hessian(f)
    assert h == h.T
    want = sympy.hessian(f, variables)
    subs = {s: sympy.Float(POINT[s.name], 30) for s in variables}
    for a, b in zip(h, want):
        assert float(a.evalf(30, subs=subs)) == pytest.approx(float(b.evalf(30, subs=subs)), rel=1e-12, abs=1e-12)
