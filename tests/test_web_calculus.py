"""The page's calculus tab: every problem solved in a job process and rendered as MathML with its checks,
its write-ups exported through the CLI command that solves the same problem, and each answer compared
with an oracle computed here by sympy (diff, hessian, idiff, solve, series)."""
import json
import warnings

import pytest
import sympy

pytest.importorskip("starlette")
pytest.importorskip("httpx")
pytest.importorskip("jinja2")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from symgd import parse  # noqa: E402
from symgd.web.app import create_app  # noqa: E402
from symgd.web.calculus import PROBLEMS  # noqa: E402
from symgd.web.views import math  # noqa: E402

x, y, z, t = sympy.symbols("x y z t")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(seconds=60, workers=2, max_upload=1 << 20)) as c:
        yield c


def _solve(client, **fields):
    response = client.post("/fragment/calculus", data=fields)
    assert response.status_code == 200, response.text
    assert "<math" in response.text and "✓" in response.text  # math as MathML, each line's check shown
    return response.text


def _export(client, fmt="json", **fields):
    response = client.post(f"/export/calculus?format={fmt}", data=fields)
    assert response.status_code == 200, response.text
    return json.loads(response.text) if fmt == "json" else response


def _same(text, oracle):
    assert sympy.simplify(parse(text) - oracle) == 0, (text, oracle)


def test_the_page_has_the_calculus_tab_with_every_problem(client):
    page = client.get("/", params={"tab": "calculus", "kind": "taylor"}).text
    assert 'data-tab="calculus"' in page
    for kind in PROBLEMS:
        assert f'value="{kind}"' in page
    assert '<option value="taylor" selected>' in page


def test_mixed_partial(client):
    fields = dict(kind="partial", expr="x^3 y^2", diff="x,y")
    oracle = sympy.diff(x**3 * y**2, x, y)
    assert str(math(oracle)) in _solve(client, **fields)
    _same(_export(client, **fields)["result"], oracle)


def test_hessian_and_clairaut(client):
    f = x**3 * y**2 + sympy.sin(x * y)
    fields = dict(kind="hessian", expr="x^3 y^2 + sin(x y)")
    assert "Clairaut" in _solve(client, **fields)
    data = _export(client, **fields)
    oracle = sympy.hessian(f, (x, y))
    for i in range(2):
        for j in range(2):
            _same(data["hessian"][i][j], oracle[i, j])
    assert all(pair["equal"] for pair in data["symmetry"])


def test_directional_derivative(client):
    f, point, v = x**2 * y, {x: 1, y: 2}, sympy.Matrix([3, 4])
    fields = dict(kind="directional", expr="x^2 y", at="x=1,y=2", direction="3,4")
    _solve(client, **fields)
    result = _export(client, **fields)["directional"]
    gradient = sympy.Matrix([f.diff(s) for s in (x, y)]).subs(point)
    _same(result["result"], (gradient.T * v / v.norm())[0])


def test_tangent_plane(client):
    f, point = x**2 + y**2 + z**2, {x: 1, y: 2, z: 2}
    fields = dict(kind="tangent", expr="x^2+y^2+z^2", at="x=1,y=2,z=2")
    _solve(client, **fields)
    lhs, rhs = _export(client, **fields)["tangent"]["result"].split("=")
    plane = sum(f.diff(s).subs(point) * (s - point[s]) for s in (x, y, z))
    assert sympy.simplify((parse(lhs) - parse(rhs)) - plane) == 0


def test_linearisation(client):
    f, point = sympy.sqrt(x * y), {x: 1, y: 4}
    fields = dict(kind="linearize", expr="sqrt(x y)", at="x=1,y=4")
    _solve(client, **fields)
    oracle = f.subs(point) + sum(f.diff(s).subs(point) * (s - point[s]) for s in (x, y))
    _same(_export(client, **fields)["linearization"]["result"], oracle)


def test_taylor_polynomial(client):
    f = sympy.exp(x) * sympy.cos(y)
    fields = dict(kind="taylor", expr="exp(x) cos(y)", at="x=0,y=0", order="3")
    _solve(client, **fields)
    series = sympy.series(f.subs({x: t * x, y: t * y}), t, 0, 4).removeO().subs(t, 1)
    _same(_export(client, **fields)["result"], sympy.expand(series))


def test_implicit_derivative(client):
    fields = dict(kind="implicit", expr="x^2 + x y + y^2 = 7", implicit="y(x)")
    _solve(client, **fields)
    _same(_export(client, **fields)["result"]["derivative"], sympy.idiff(x**2 + x * y + y**2 - 7, y, x))


def test_critical_points_with_a_saddle(client):
    f = x**3 - 3 * x + y**3 - 3 * y  # a minimum, a maximum and two saddles
    fields = dict(kind="critical", expr="x^3 - 3x + y^3 - 3y")
    html = _solve(client, **fields)
    assert "saddle point" in html
    points = _export(client, **fields)["result"]["points"]
    found = {tuple(parse(c) for c in p["point"]) for p in points}
    oracle = {(s[x], s[y]) for s in sympy.solve([f.diff(x), f.diff(y)], [x, y], dict=True)
              if all(v.is_real for v in s.values())}
    assert found == oracle
    for p in points:
        a, b = (parse(c) for c in p["point"])
        h = sympy.hessian(f, (x, y)).subs({x: a, y: b})
        assert (p["kind"] == "saddle point") == (h.det() < 0)


def test_lagrange_extremum(client):
    fields = dict(kind="extremum", expr="x y", subject_to="x^2 + y^2 = 1")
    _solve(client, **fields)
    values = {parse(c["value"]) for c in _export(client, **fields)["result"]["candidates"]}
    assert values == {sympy.Rational(1, 2), -sympy.Rational(1, 2)}  # x y on the unit circle: ±1/2


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_write_ups_come_from_the_cli_command_of_the_problem(client, fmt):
    response = _export(client, fmt, kind="taylor", expr="exp(x) cos(y)", at="x=0,y=0", order="2")
    assert response.headers["content-disposition"].endswith(f'symgd-calculus.{ {"markdown": "md", "latex": "tex"}[fmt]}"')
    assert "Taylor" in response.text


@pytest.mark.parametrize("fields, words", [
    (dict(kind="eval", expr="x"), "unknown problem"),
    (dict(kind="directional", expr="x^2 y", at="x=1,y=2"), "direction"),
    (dict(kind="directional", expr="x^2 y", at="x=1,y=2", direction="0,0"), "error:"),
    (dict(kind="directional", expr="x^2 y", at="x=1,y=2", direction="1,nan"), "error:"),
    (dict(kind="tangent", expr="x^2 y"), "point"),
    (dict(kind="taylor", expr="exp(x)", order="1000000000"), "order"),
    (dict(kind="implicit", expr="x^2 + y^2 = 1 = 2", implicit="y(x)"), "error:"),
    (dict(kind="critical", expr="x^2 + y^2", box="x=2:1,y=0:1"), "error:"),
    (dict(kind="extremum", expr="x y"), "constraint"),
    (dict(kind="partial", expr="__import__('os').system('echo hacked')"), "error:"),
    (dict(kind="partial", expr="x^2", diff="q"), "error:"),
])
def test_bad_problems_get_one_error_and_no_traceback(client, fields, words):
    response = client.post("/fragment/calculus", data=fields)
    assert response.status_code == 422
    assert "error:" in response.text and words in response.text
    assert "Traceback" not in response.text and "hacked" not in response.text.replace("echo hacked", "")
