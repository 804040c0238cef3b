"""The one graph: decomposition, naming, local partials and adjoints, against sympy.diff."""
import math

import pytest
import sympy

from oracle_exprs import EXPRS, POINT, exact
from symgd.calculus.graph import build_graph
from symgd.errors import DomainError

x, y, z = sympy.symbols("x y z")
S = sympy.Symbol


def test_textbook_decomposition():
    g = build_graph(sympy.tanh(sympy.log(1 + z * 2 * x / sympy.sin(y))))
    assert [n.name for n in g.nodes] == ["x", "y", "z", "a", "b", "c", "d", "g", "f"]
    defs = {n.name: n.expr for n in g.nodes if n.kind == "op"}
    a, b, c, d, gn = (S(n) for n in "abcdg")
    assert defs == {"a": 2 * x, "b": sympy.sin(y), "c": a / b, "d": z * c,
                    "g": sympy.log(1 + d), "f": sympy.tanh(gn)}
    assert g.output == "f" and g.nodes[-1].adjoint == 1
    assert g.node("x").kind == "input" and g.node("c").inputs == ("a", "b")


def test_textbook_values_and_adjoints_at_a_point():
    f = sympy.tanh(sympy.log(1 + z * 2 * x / sympy.sin(y)))
    g = build_graph(f)
    vals = g.evaluate({"x": 1.0, "y": 2.0, "z": 3.0})
    a, b = 2.0, math.sin(2.0)
    c = a / b
    d = 3.0 * c
    e = math.log(1 + d)
    assert [vals[k].value for k in "abcdgf"] == pytest.approx([a, b, c, d, e, math.tanh(e)], rel=1e-14)
    # ∂f/∂x along the path back to x: (1 − tanh²(e)) · 1/(1 + d) · z · (1/b) · 2
    path = (1 - math.tanh(e) ** 2) / (1 + d) * 3.0 / b * 2
    assert vals["x"].adjoint == pytest.approx(path, rel=1e-14)
    _, want = exact(f, {"x": 1.0, "y": 2.0, "z": 3.0})
    assert [vals[v].adjoint for v in "xyz"] == pytest.approx(want, rel=1e-13)
    assert vals["f"].adjoint == 1.0
    assert vals["c"].partial_values == pytest.approx((1 / b, -a / b**2), rel=1e-14)


def test_symbolic_adjoints_equal_sympy_diff_per_node():
    f = sympy.tanh(sympy.log(1 + z * 2 * x / sympy.sin(y)))
    g = build_graph(f)
    back = {n.symbol: n.definition for n in g.nodes if n.kind == "op"}
    for node in g.nodes:
        if node.kind == "op" and node.name in "ef":
            # ∂f/∂e = 1 - tanh(e)^2 at the node's own value
            t = sympy.Symbol("t")
            outer = sympy.tanh(t) if node.name == "f" else sympy.tanh(sympy.log(1 + sympy.exp(t) - 1))
            del outer
    for v, adj in zip(g.inputs, g.gradient()):
        assert sympy.simplify(adj - sympy.diff(f, v)) == 0
    d_node = g.node("d").adjoint.xreplace(back)
    assert sympy.simplify(d_node - (1 - sympy.tanh(sympy.log(1 + g.node("d").definition)) ** 2)
                          / (1 + g.node("d").definition)) == 0


def test_shared_subexpression_is_one_node():
    g = build_graph((x * y + 1) ** 2 + sympy.sin(x * y + 1) / (x * y + 1))
    products = [n for n in g.nodes if n.expr == x * y]
    assert len(products) == 1
    consumers = [n for n in g.nodes if products[0].name in n.inputs]
    assert len(consumers) >= 2


def test_user_names_and_letter_skipping():
    a = sympy.Symbol("a")
    g = build_graph(sympy.sin(a * x) + sympy.exp(a * x), names={"u": a * x})
    names = [n.name for n in g.nodes]
    assert names[:2] == ["a", "x"] and "u" in names and names.count("a") == 1
    assert g.node("u").expr == a * x


def test_constants_are_not_nodes_and_sums_fold_coefficients():
    g = build_graph((x - 3) ** 2 + 2 * (y + 1) ** 2)
    assert all(not n.expr.is_number for n in g.nodes)
    assert len([n for n in g.nodes if n.kind == "op"]) == 3
    assert g.gradient() == (2 * x - 6, 4 * y + 4)


def test_output_may_be_an_input_and_constants_have_no_nodes():
    g = build_graph(x)
    assert g.output == "x" and g.gradient() == (1,)
    assert build_graph(sympy.Integer(3)).gradient() == ()


def test_wrt_treats_other_symbols_as_constants():
    g = build_graph(x * y**2, wrt="y")
    assert g.inputs == (y,) and g.gradient() == (2 * x * y,)
    assert g.evaluate({"x": 2.0, "y": 3.0})["y"].adjoint == 12.0


def test_evaluate_outside_the_domain_names_the_node():
    g = build_graph(sympy.log(x - 2))
    with pytest.raises(DomainError, match="log"):
        g.evaluate({"x": 1.0})


@pytest.mark.parametrize("name", sorted(EXPRS))
def test_numeric_reverse_sweep_equals_exact(name):
    g = build_graph(EXPRS[name])
    vals = g.evaluate(POINT)
    _, want = exact(EXPRS[name])
    for v, w in zip(g.inputs, want):
        assert vals[v.name].adjoint == pytest.approx(w, rel=1e-12, abs=1e-12)


def test_unrolled_rosenbrock_graph_grows_linearly():
    # per term: x_i**2, x_{i+1} - a, (.)**2, (1 - x_i)**2; then one sum; plus the n inputs
    for n in (3, 21, 41):
        xs = sympy.symbols(f"x0:{n}")
        f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
        assert len(build_graph(f).nodes) == n + 4 * (n - 1) + 1


PIECEWISE = sympy.Piecewise((x**2 * y, x < 1), (sympy.sin(x) + y, sympy.And(x >= 1, y > 0)), (x * y, True))


@pytest.mark.parametrize("point", [{"x": 0.5, "y": 2.0}, {"x": 1.5, "y": 2.0}, {"x": 1.5, "y": -1.0}])
def test_piecewise_is_one_node_with_piecewise_partials(point):
    # regression: build_graph failed with 'ExprCondPair' object has no attribute 'as_coeff_Add'
    g = build_graph(PIECEWISE)
    assert g.node(g.output).expr.is_Piecewise
    vals = g.evaluate(point)
    subs = {S(k): v for k, v in point.items()}
    for v in g.inputs:
        want = float(sympy.diff(PIECEWISE, v).subs(subs))
        assert vals[v.name].adjoint == pytest.approx(want, rel=1e-13)
        assert float(g.gradient()[g.inputs.index(v)].subs(subs)) == pytest.approx(want, rel=1e-13)


def test_piecewise_compiles_on_scalar_and_array_backends():
    from symgd.codegen.api import compile as symgd_compile
    import numpy as np
    xs, ys = np.array([0.5, 1.5, 1.5]), np.array([2.0, 2.0, -1.0])
    v_np, g_np = symgd_compile(PIECEWISE, backend="numpy").value_and_grad(xs, ys)
    py = symgd_compile(PIECEWISE, backend="python")
    for k in range(3):
        subs = {x: xs[k], y: ys[k]}
        want = [float(sympy.diff(PIECEWISE, v).subs(subs)) for v in (x, y)]
        assert py.grad(float(xs[k]), float(ys[k])) == pytest.approx(want, rel=1e-13)
        assert [g_np[0][k], g_np[1][k]] == pytest.approx(want, rel=1e-13)
        assert v_np[k] == pytest.approx(float(PIECEWISE.subs(subs)), rel=1e-13)


def test_output_is_named_f_and_intermediates_skip_f():
    g = build_graph(sympy.sin(sympy.exp(x) * sympy.cos(y) + x**2 + y**2 + x * y))
    names = [n.name for n in g.nodes if n.kind == "op"]
    assert names[-1] == "f" and g.output == "f" and names.count("f") == 1
    assert names[:-1] == ["a", "b", "c", "d", "g", "h", "i"][:len(names) - 1]
    f = sympy.Symbol("f")
    g2 = build_graph(sympy.sin(f * x))
    assert g2.output == "out" and "f" in [n.name for n in g2.nodes if n.kind == "input"]


def test_wide_products_split_so_the_backward_sweep_stays_linear():
    """A product of n names as one node costs n² in its partials (each the product of the n - 1 others):
    200 names gave 367 kB of code. Split in halves past MUL_FANIN factors, the code grows ~n log n."""
    from symgd.calculus.decompose import MUL_FANIN
    from symgd.codegen.api import compile as symgd_compile
    sizes = {n: len(symgd_compile("*".join(f"x{k}" for k in range(n)), backend="python").source)
             for n in (50, 200)}
    assert sizes[200] / sizes[50] < 6  # 16 for the n² form
    expr = sympy.Mul(*sympy.symbols("a0:20"))
    g = build_graph(expr)
    assert all(len(node.inputs) <= MUL_FANIN for node in g.nodes if node.kind == "op")
    point = {f"a{k}": 1.0 + 0.05 * k for k in range(20)}
    grads = [float(gr.subs({sympy.Symbol(k): v for k, v in point.items()})) for gr in g.gradient()]
    want = [float(sympy.diff(expr, s).subs({sympy.Symbol(k): v for k, v in point.items()}))
            for s in g.inputs]
    assert grads == pytest.approx(want, rel=1e-12)
