"""Any name a user may write (Python keywords and builtins, the generated modules' own names) works as a
variable, a parameter or a data column on every backend and in every fit method (issue 14, point 3).
Oracles: sympy (values and sympy.diff), the least-squares solution of the data, numpy.linalg.lstsq."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import sympy

import symgd
from symgd.cli import main

NAMES = ["lambda", "in", "is", "def", "None", "True", "print", "len", "np", "math", "torch", "jax", "numpy",
         "value", "grad", "make", "loop", "f", "d_x", "h0", "x"]
BACKENDS = ["python", "numpy", "numba", "torch"] + (["jax"] if importlib.util.find_spec("jax") else [])


def _num(v) -> float:
    return float(np.asarray(v.detach() if hasattr(v, "detach") else v))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", NAMES)
def test_compile_takes_any_name(name, backend):
    if backend in ("torch", "jax"):
        pytest.importorskip(backend)
    if backend == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)  # float64, to compare at 1e-12
    text = f"({name} - 1.5)^2*y + sin({name}*y)"
    c = symgd.compile(text, backend=backend)
    v, y = sympy.symbols("v y")
    expr = (v - 1.5)**2 * y + sympy.sin(v * y)
    names = [str(n) for n in c.variables]
    assert sorted(names) == sorted([name, "y"])
    point = {name: 0.75, "y": -1.25}
    args = [point[n] for n in names]
    at = {v: 0.75, y: -1.25}
    assert _num(c.value(*args)) == pytest.approx(float(expr.subs(at)), rel=1e-12)
    want = {name: float(expr.diff(v).subs(at)), "y": float(expr.diff(y).subs(at))}
    assert [_num(g) for g in c.grad(*args)] == pytest.approx([want[n] for n in names], rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_minimize_takes_any_name(name):
    result = symgd.minimize(f"({name} - 1.5)^2 + (y + 2)^2", {name: 0, "y": 0}, optimizer="newton")
    assert result.x[name] == pytest.approx(1.5) and result.x["y"] == pytest.approx(-2)


XS = np.linspace(0.0, 2.0, 40)
YS = 1.5 + 0.7 * XS + 0.01 * np.sin(7 * XS)  # not an exact line: the oracle is numpy's least squares
LSTSQ = np.linalg.lstsq(np.c_[np.ones_like(XS), XS], YS, rcond=None)[0]
METHODS = {  # fit method -> options (closed-form, least squares, full-batch and mini-batch descent)
    "lm": {}, "gauss-newton": {}, "linear": {}, "adam": dict(steps=6000, lr=0.02),
    "gd": dict(steps=20000, lr=0.005, loss="mse"), "sgd": dict(epochs=600, batch_size=8, lr=0.02, loss="mse"),
}


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("x",)])
def test_fit_parameter_takes_any_name(name, method):
    res = symgd.fit(f"a + {name}*x", {"x": XS, "y": YS}, method=method, **METHODS[method])
    tol = 1e-8 if method in ("lm", "gauss-newton", "linear") else 2e-2
    assert res.params["a"] == pytest.approx(LSTSQ[0], abs=tol)
    assert res.params[name] == pytest.approx(LSTSQ[1], abs=tol)


@pytest.mark.parametrize("name", ["lambda", "in", "None", "print", "torch", "make", "theta", "n"])
def test_out_of_core_fit_and_data_columns_take_any_name(name, tmp_path):
    path = tmp_path / "d.csv"
    np.savetxt(path, np.c_[XS, YS], delimiter=",", header=f"{name},y", comments="")
    res = symgd.fit(f"a + b*{name}", str(path), chunk_size=7)  # read in chunks of 7 rows
    assert [res.params["a"], res.params["b"]] == pytest.approx(list(LSTSQ), abs=1e-8)
    param = "def" if name != "def" else "is"  # a keyword parameter beside a keyword column
    res = symgd.fit(f"a + {param}*{name}", {name: XS, "y": YS}, method="linear")
    assert [res.params["a"], res.params[param]] == pytest.approx(list(LSTSQ), abs=1e-8)


def test_cli_fit_with_lambda(tmp_path, capsys):
    path = tmp_path / "decay.csv"
    xs = np.linspace(0, 4, 30)
    np.savetxt(path, np.c_[xs, 2.0 * np.exp(-0.8 * xs)], delimiter=",", header="x,y", comments="")
    assert main(["fit", "A*exp(-lambda*x)", "--data", str(path), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "lambda" in out and "0.8" in out
