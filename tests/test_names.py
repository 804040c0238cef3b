"""The one mangling step (symgd/codegen/names.py): no user name reaches generated code as written.

Names are drawn at random (hypothesis) and from a list of the worst ones: keywords, builtins, the
generated modules' own names, quotes, '=', parentheses, newlines, dunders, Unicode. Code is generated on
every backend and every data path; results are checked against sympy.diff and NumPy.
"""
from __future__ import annotations

import builtins
import keyword
import os
import re

import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

import symgd
from symgd.errors import CompileError
from symgd.codegen import runtime
from symgd.codegen.data import compile_data
from symgd.codegen.names import DATA_NAMES, LOOP_NAMES, RESERVED, is_safe, mangle

HOSTILE = ["n", "theta", "values", "make", "hoist", "h0", "l0", "F0", "f0", "d_a", "d_x", "grad", "value",
           "numpy", "math", "lambda", "in", "None", "import", "print", "__class__", "_g0", "x y", "y z",
           "z=__import__('os').system('touch CANARY')", "a\nb", "'q'", '"q"', "f(x)", "é", "λ", "\ufeffx",
           "ﬁ", "fi", "x__y", "1x", "", " ", "loop", "steps", "hist", "T", "x" * 500]


def _check_names(rename, symbols, reserved=()):
    names = [rename.get(s, s).name for s in symbols]
    assert len(set(names)) == len(names), names  # distinct names stay distinct
    for original, name in zip(symbols, names):
        assert name.isascii() and name.isidentifier() and not keyword.iskeyword(name), name
        assert name not in dir(builtins) and name not in RESERVED and name not in reserved, name
        assert "__" not in name and not name.startswith("_") and len(name) <= 40, name
        if is_safe(original.name, reserved):
            assert name == original.name  # plain names stay readable


def test_mangle_hostile_list():
    symbols = [sympy.Symbol(n) for n in dict.fromkeys(HOSTILE)]
    _check_names(mangle(symbols, DATA_NAMES | LOOP_NAMES), symbols, DATA_NAMES | LOOP_NAMES)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=12, unique=True))
def test_mangle_any_text(names):
    symbols = [sympy.Symbol(n) for n in names]
    rename = mangle(symbols, DATA_NAMES)
    _check_names(rename, symbols, DATA_NAMES)
    assert mangle(symbols, DATA_NAMES) == rename  # deterministic


def test_mangle_keeps_assumptions():
    s = sympy.Symbol("lambda", real=True)
    assert mangle([s])[s].is_real


def test_adjoint_never_takes_an_input_name():
    """x and d_x: the adjoint of x used to be the symbol d_x, the user's own variable (wrong gradient)."""
    expr = symgd.parse("(f - 1)^2 + (d_x - 2)^2 + (x - 3)^2 + 0.1*f*d_x")
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    point = [0.1, 0.4, 0.7]
    want = [float(sympy.diff(expr, s).subs(dict(zip(syms, point)))) for s in syms]
    for backend in ("python", "numpy", "numba"):
        got = [float(g) for g in symgd.compile(expr, backend=backend).grad(*point)]
        assert np.allclose(got, want, rtol=1e-13), backend


@pytest.mark.parametrize("backend", ["python", "numpy", "numba", "torch", "auto"])
def test_compile_keyword_and_generated_names(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    text = "(lambda - 1)^2*in + (None - 2)^2*theta + d_a*n + sin(values)*hist + math*loop*value"
    expr = symgd.parse(text)
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    point = [0.2 + 0.15 * k for k in range(len(syms))]
    want = [float(sympy.diff(expr, s).subs(dict(zip(syms, point)))) for s in syms]
    c = symgd.compile(text, backend=backend)
    assert [v.name for v in c.variables] == [s.name for s in syms]
    got = [float(g) for g in c.grad(*point)]
    assert np.allclose(got, want, rtol=1e-12)
    assert not re.search(r"(?<!\w)(lambda|None|in)\b\s*[=,)]", c.source), c.source


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_fused_loop_with_loop_names(backend):
    r = symgd.minimize("(steps - 1)^2 + (hist + 2)^2 + (tol2 - 3)^2 + (loop - 4)^2", lr=0.1, steps=4000,
                       backend=backend)
    assert r.converged
    assert [round(r.x[k], 6) for k in ("steps", "hist", "tol2", "loop")] == [1, -2, 3, 4]


@pytest.mark.parametrize("backend", ["numpy", "numba", "torch"])
def test_indexed_names_and_order(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    c = symgd.compile("sum((lambda[i] - in)^2 + 0.1*(lambda[i+1] - lambda[i])^2, i, 0, n-2)", backend=backend)
    assert [v.name for v in c.variables] == ["in", "lambda"]  # the user's names, sorted as always
    v = np.linspace(0.0, 1.0, 6)
    value, (g_in, g_vec) = c.value_and_grad(0.5, v)
    ref = sum((v[i] - 0.5) ** 2 + 0.1 * (v[i + 1] - v[i]) ** 2 for i in range(5))
    assert float(value) == pytest.approx(ref, rel=1e-12)
    assert float(g_in) == pytest.approx(-2 * sum(v[i] - 0.5 for i in range(5)), rel=1e-12)


def _data_case(col: str, param: str):
    c, p, b = sympy.Symbol(col, real=True), sympy.Symbol(param, real=True), sympy.Symbol("b", real=True)
    return (p + b * sympy.exp(c) - sympy.Symbol("y", real=True)) ** 2, (p, b), (c, sympy.Symbol("y", real=True))


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=20).filter(lambda s: s not in ("y", "b")),
       st.sampled_from(["theta", "n", "values", "make", "a", "h0", "l0", "lambda", "d_b"]))
def test_data_program_any_column_name(col, param):
    """A column may be called anything a file's header holds: the program binds it by that name and the
    generated code never holds it as written."""
    expr, params, data = _data_case(col, param)
    x = np.linspace(-1, 1, 7)
    prog = compile_data(expr, params, data)
    bound = prog.bind({col: x, "y": 1 + 2 * np.exp(x)})
    theta = np.array([0.5, 1.5])
    value, grad = bound.sum_value_and_grad(theta)
    r = theta[0] + theta[1] * np.exp(x) - (1 + 2 * np.exp(x))
    assert value == pytest.approx(float(r @ r), rel=1e-12)
    assert np.allclose(grad, [2 * r.sum(), 2 * (r * np.exp(x)).sum()], rtol=1e-12)
    assert is_safe(prog.data[0].name, DATA_NAMES) and prog.columns == (col, "y")
    if not is_safe(col, DATA_NAMES):
        assert prog.data[0].name != col


def test_data_program_hostile_names_every_backend(tmp_path):
    """The data paths (in-place NumPy, numba loop, torch) with the worst names, and the canary unharmed."""
    canary = tmp_path / "CANARY"
    evil = f"z=__import__('os').system('touch {canary}')"
    expr, params, data = _data_case(evil, "theta")
    x = np.linspace(-1, 1, 9)
    prog = compile_data(expr, params, data)
    bound = prog.bind({evil: x, "y": 1 + 2 * np.exp(x)})
    theta = np.array([1.0, 2.0])
    assert bound.sum_value_and_grad(theta)[0] == pytest.approx(0.0, abs=1e-20)
    assert evil not in prog.source and "__import__" not in prog.source
    torch = pytest.importorskip("torch")
    from symgd.codegen.data_torch import bind_torch
    tb = bind_torch(prog, {evil: torch.tensor(x), "y": torch.tensor(1 + 2 * np.exp(x))})
    assert float(tb.sum_value_and_grad(torch.tensor([1.0, 3.0], dtype=torch.float64))[0]) > 0
    assert not os.path.exists(canary)


def test_runtime_refuses_dunder_source():
    with pytest.raises(CompileError, match="__"):
        runtime.load("def value(x):\n    return x.__class__\n", "python")


@pytest.mark.parametrize("backend", ["python", "numba", "numpy", "torch"])
def test_fused_data_loop_hostile_names(backend, tmp_path):
    """The fused data loops (generated per backend) over a program whose column is a code string and
    whose parameters are called theta and n: they reach the least-squares answer."""
    if backend == "torch":
        pytest.importorskip("torch")
    from symgd.loops.fused_data import fused_data_minimize
    from symgd.optim.gd import gd_rule
    canary = tmp_path / "CANARY"
    evil = f"z=__import__('os').system('touch {canary}')"
    t, n, y = (sympy.Symbol(s, real=True) for s in ("theta", "n", "y"))
    col = sympy.Symbol(evil, real=True)
    x = np.linspace(-1, 1, 21)
    bound = compile_data((t + n * col - y) ** 2, (t, n), (col, y)).bind({evil: x, "y": 1 + 2 * x})
    r = fused_data_minimize(bound, gd_rule(0.02), [0.0, 0.0], 3000, tol=1e-20, backend=backend)
    np.testing.assert_allclose(r.x, [1.0, 2.0], rtol=1e-8)
    assert not canary.exists()


def test_python_power_of_a_negative_base_leaves_the_domain():
    """x^0.5 at a negative x was a complex number in the python code (a TypeError later in the fused
    loop); math.pow raises ValueError, which the loops read as leaving the domain."""
    c = symgd.compile("x^0.5 + x^y", backend="python")
    assert c.value(4.0, 0.5) == pytest.approx(4.0)
    with pytest.raises(ValueError):
        c.value(-1.0, 0.5)
    r = symgd.minimize("x^0.5", {"x": 0.5}, lr=2.0, steps=10)
    assert not r.converged and r.x["x"] == 0.5


def test_fused_loop_of_many_variables_compiles():
    """10,000-term sums in the loop's own lines (the gradient norm, the finiteness sum) are chunked:
    Python's compiler recursed past its limit on them (a RecursionError in runtime.load)."""
    n = 3000
    r = symgd.minimize("+".join(f"x{k}^2" for k in range(n)), lr=0.25, steps=50, backend="python")
    assert r.converged and max(abs(v) for v in r.x.values()) < 1e-6 and len(r.x) == n


@pytest.mark.parametrize("backend", ["python", "numpy", "numba", "auto"])
def test_a_crafted_sympy_symbol_name_never_runs(backend, capsys):
    """A library caller's Symbol whose name is code: as a variable, and left out of wrt (a parameter, an
    extra argument after the variables), it is mangled like every argument: the right value and
    gradient, and nothing printed or run."""
    y, evil = sympy.Symbol("y"), sympy.Symbol("print('PWNED')")
    c = symgd.compile(evil * y, backend=backend)
    assert float(c.value(3.0, 2.0)) == 6.0 and "print(" not in c.source
    p = symgd.compile(evil * y, wrt=[y], backend=backend)
    assert p.parameters == (evil,) and "print(" not in p.source
    assert float(p.value(2.0, 3.0)) == 6.0 and [float(g) for g in p.grad(2.0, 3.0)] == [3.0]
    assert "PWNED" not in capsys.readouterr().out


def test_a_long_name_whose_cut_ends_on_an_underscore_gets_a_safe_name():
    """Regression: the stem was stripped before it was cut to length, so a cut ending on "_" left only
    candidates holding "__" and mangle searched forever (a path in a crafted symbol's name did it)."""
    from symgd.codegen.names import is_safe, mangle
    for cut in range(20, 45):
        sym = sympy.Symbol("a" * cut + "_(" + "b" * 30 + ")")
        name = mangle([sym])[sym].name
        assert is_safe(name) and len(name) <= 40
