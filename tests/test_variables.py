"""Variable order: sorted by name, or the caller's wrt, checked."""
import pytest
import sympy

from symgd.calculus.variables import ordered_variables
from symgd.errors import VariableError

x, y, theta, w1 = sympy.symbols("x y theta w1")


def test_sorted_by_name():
    assert ordered_variables(theta * y + x + w1) == (theta, w1, x, y)


@pytest.mark.parametrize("wrt, expected", [("y,x", (y, x)), (["x"], (x,)), ((y,), (y,)), (" x , y ", (x, y))])
def test_wrt_in_callers_order(wrt, expected):
    assert ordered_variables(x * y, wrt) == expected


@pytest.mark.parametrize("wrt, fragment", [("z", "z does not occur"), ("x,x", "named twice"), ("", "no variables")])
def test_bad_wrt(wrt, fragment):
    with pytest.raises(VariableError, match=fragment):
        ordered_variables(x * y, wrt)


def test_indexed_base_is_a_variable():
    xs = sympy.IndexedBase("x")
    i = sympy.Idx("i")
    expr = sympy.Sum(xs[i] ** 2, (i, 0, 3))
    assert [v.name for v in ordered_variables(expr)] == ["x"]


def test_one_symbol_is_a_wrt_too():
    """Regression: steps(expr, Symbol("x")) raised TypeError ('Symbol' object is not iterable)."""
    import sympy
    import symgd
    x = sympy.Symbol("x")
    assert symgd.steps("x^2*y", x).result == sympy.diff(x**2 * sympy.Symbol("y"), x)
    assert symgd.gradient("x^2*y", x) == (2 * x * sympy.Symbol("y"),)
