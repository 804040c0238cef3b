"""The web page's fragments, the JSON API and the exports, through Starlette's test client: every result
checked against an independent oracle, and hostile requests answered with one clear error."""
import contextlib
import html as markup
import io
import json
import re
import warnings

import pytest
import sympy

pytest.importorskip("starlette")
pytest.importorskip("httpx")
pytest.importorskip("jinja2")
with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; the client works with either
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from symgd.cli import main  # noqa: E402
from symgd.web.app import create_app  # noqa: E402
from symgd.web.views import math  # noqa: E402

x, y = sympy.symbols("x y")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(seconds=20, workers=2, max_upload=1 << 20)) as c:
        yield c


def _cli_out(*argv, fmt="json"):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main([*argv, "--format", fmt])
    return out.getvalue()


def _cli_json(*argv):
    return json.loads(_cli_out(*argv))


def test_page_has_every_tab_and_fills_the_input_from_the_url(client):
    page = client.get("/", params={"expr": "sin(x*y)", "tab": "graph"})
    assert page.status_code == 200
    for tab in ("derivative", "graph", "check", "descent", "fit"):
        assert f'data-tab="{tab}"' in page.text
    assert 'value="sin(x*y)"' in page.text
    assert "http" not in re.sub(r"https?://(127\.0\.0\.1|localhost)", "", page.text.split("<body>")[0])


def test_reading_shows_math_notes_and_variables(client):
    html = client.get("/fragment/read", params={"expr": "2xy + y^2 sinx"}).text
    assert "<math" in html and "sin(x)" in html
    assert "<mi>x</mi>" in html and "<mi>y</mi>" in html


def test_invalid_input_shows_the_caret_and_hint(client):
    response = client.get("/fragment/read", params={"expr": "sin(x +* 2)"})
    assert response.status_code == 422
    lines = re.search(r"<pre>(.*)</pre>", response.text, re.S).group(1).split("\n")
    assert lines[0].startswith("error:") and lines[1] == "sin(x +* 2)"
    assert lines[2].index("^") == lines[1].index("*")
    assert any(line.startswith("hint:") for line in lines)


def test_derivative_matches_sympy_and_every_step_is_marked_verified(client):
    html = client.post("/fragment/derivative", data={"expr": "x^2 sin(x)"}).text
    assert str(math(sympy.diff(x**2 * sympy.sin(x), x))) in html  # the oracle's derivative, drawn alike
    assert html.count("verified") == html.count('class="step"') > 3


def test_graph_svg_has_the_adjoints_of_the_gradient(client):
    html = markup.unescape(client.post("/fragment/graph", data={"expr": "sin(x*y)", "at": "x=1,y=2"}).text)
    assert "<svg" in html and html.count('class="node"') >= 3
    adjoint_x = float(sympy.diff(sympy.sin(x * y), x).subs({x: 1, y: 2}))
    assert f"{adjoint_x:.6g}" in html


def test_check_names_the_wrong_term(client):
    html = client.post("/fragment/check", data={"expr": "x^2 sin(x)", "wrt": "x", "answer": "2x cos(x)"}).text
    assert "not correct" in html and "product rule" in html
    right = client.post("/fragment/check", data={"expr": "x^2 sin(x)", "wrt": "x",
                                                "answer": "2x sin(x) + x^2 cos(x)"}).text
    assert "✓ correct" in right


def test_descent_reaches_the_minimum_and_draws_the_plot(client):
    html = client.post("/fragment/descent", data={"expr": "(x-1)^2 + (y+2)^2", "at": "x=3,y=3", "lr": "0.1"}).text
    values = dict(re.findall(r"<th>([xy])</th><td>([-0-9.e]+)</td>", html))
    assert abs(float(values["x"]) - 1) < 1e-6 and abs(float(values["y"]) + 2) < 1e-6
    assert "<svg" in html


def test_fit_of_an_uploaded_csv_recovers_the_line(client):
    rows = "\n".join(f"{t / 10},{3 * t / 10 - 1}" for t in range(30))
    files = {"file": ("line.csv", f"x,y\n{rows}\n", "text/csv")}
    html = client.post("/fragment/fit", data={"model": "a*x + b", "target": "y"}, files=files).text
    params = dict(re.findall(r"<tr><td>([ab])</td><td>([-0-9.e]+)</td>", html))
    assert abs(float(params["a"]) - 3) < 1e-9 and abs(float(params["b"]) + 1) < 1e-9


@pytest.mark.parametrize("command, fields, argv", [
    ("grad", {"expr": "x^2*y", "at": "x=1,y=2"}, ["grad", "x^2*y", "--at", "x=1,y=2"]),
    ("steps", {"expr": "exp(x)*x", "wrt": "x"}, ["steps", "exp(x)*x", "--wrt", "x"]),
    ("check", {"expr": "1/x", "wrt": "x", "answer": "-1/x^2"}, ["check", "1/x", "--wrt", "x", "--answer", "-1/x^2"]),
    ("parse", {"expr": "-log(x)+x"}, ["parse", "-log(x)+x"]),
])
def test_api_returns_the_cli_json(client, command, fields, argv):
    response = client.post(f"/api/{command}", json=fields)
    assert response.status_code == 200
    assert response.json() == _cli_json(*argv)


def test_api_index_lists_the_commands(client):
    index = client.get("/api").json()
    assert {"grad", "steps", "check", "solve", "fit"} <= set(index)


@pytest.mark.parametrize("fmt", ["markdown", "latex", "json"])
def test_exports_download_the_cli_write_up(client, fmt):
    response = client.post(f"/export/steps?format={fmt}", data={"expr": "x^2 sin(x)", "wrt": "x"})
    assert response.status_code == 200
    assert response.text == _cli_out("steps", "x^2 sin(x)", "--wrt", "x", fmt=fmt)
    assert "attachment" in response.headers["content-disposition"]


HOSTILE = [
    ("/api/grad", {"expr": "x^(10^10^10)"}),
    ("/api/grad", {"expr": "(" * 5000 + "x" + ")" * 5000}),
    ("/api/grad", {"expr": "x" * 1_000_000}),
    ("/api/grad", {"expr": "__import__('os').system('touch /tmp/pwned')"}),
    ("/api/grad", {"expr": "x", "output": "/etc/passwd"}),
    ("/api/fit", {"model": "a*x", "data": "/etc/passwd"}),
    ("/api/compile", {"expr": "x"}),
    ("/api/grad", {"expr": ["x"]}),
]


@pytest.mark.parametrize("path, body", HOSTILE)
def test_hostile_requests_get_one_error_and_run_nothing(client, path, body, tmp_path):
    response = client.post(path, json=body)
    assert response.status_code == 400
    lines = response.json()["error"]
    assert lines[0].startswith("error:") and "Traceback" not in "\n".join(lines)


def test_an_upload_over_the_limit_is_refused_unread(client):
    files = {"file": ("big.csv", b"x,y\n" + b"1,2\n" * 300_000, "text/csv")}  # 1.2 MB > the 1 MB limit
    response = client.post("/fragment/fit", data={"model": "a*x"}, files=files)
    assert response.status_code == 422 and "at most 1 MB" in response.text


def test_a_job_past_its_time_limit_is_stopped_and_the_server_goes_on():
    with TestClient(create_app(seconds=1, workers=1)) as c:
        slow = c.post("/fragment/descent", data={"expr": "sum((x[i]-i)^2, i, 0, n-1)", "steps": "200000"})
        assert slow.status_code == 422  # the indexed sum has no size: an error, or stopped at 1 s
        long = c.post("/api/solve", json={"expr": "sum((x[i]-i)^2, i, 0, n-1)", "size": "n=10000000",
                                           "steps": "100000000", "tol": "0"})
        assert long.status_code == 400 and "was stopped" in long.json()["error"][0]
        assert c.post("/api/grad", json={"expr": "x^2"}).json()["gradient"] == ["2*x"]


@pytest.mark.parametrize("argv", [["serve", "--port", "70000"], ["serve", "--port", "-1"],
                                  ["serve", "--time-limit", "0"], ["serve", "--workers", "0"]])
def test_serve_refuses_bad_options_in_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().split("\n")
    assert err[0].startswith("error:") and len(err) <= 2


def test_serve_without_the_web_extra_says_what_to_install(monkeypatch, capsys):
    import builtins
    real = builtins.__import__

    def without_uvicorn(name, *args, **kwargs):
        if name == "uvicorn":
            raise ImportError("No module named 'uvicorn'", name="uvicorn")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_uvicorn)
    assert main(["serve", "--port", "0"]) == 2
    assert "pip install 'symgd[web]'" in capsys.readouterr().err
