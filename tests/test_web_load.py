"""50 requests at once against a real ``symgd serve`` on 127.0.0.1: mixed jobs and 10 hostile inputs
(huge powers, deep nesting, a 1 MB string, a 50 MB upload, a job past its time limit, ...). Every one is
answered — a result or one clear error — and the server keeps serving."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from web_server import running_server

httpx = pytest.importorskip("httpx")

NORMAL = [
    ("GET", "/fragment/read", {"params": {"expr": "sin(x^2 + y^2)"}}, 200),
    ("POST", "/fragment/derivative", {"data": {"expr": "x^2 sin(x) + exp(x*y)"}}, 200),
    ("POST", "/fragment/graph", {"data": {"expr": "tanh(ln(1 + z*2x/sin(y)))", "at": "x=1,y=2,z=3"}}, 200),
    ("POST", "/fragment/check", {"data": {"expr": "x^3", "wrt": "x", "answer": "3x^2"}}, 200),
    ("POST", "/fragment/descent", {"data": {"expr": "(x-1)^2 + (y-2)^2", "at": "x=0,y=0", "lr": "0.1"}}, 200),
    ("POST", "/fragment/fit", {"data": {"model": "a*x + b", "data": "x = linspace(0, 1, 20); y = 3*x - 1"}}, 200),
    ("POST", "/api/grad", {"json": {"expr": "x*y^2", "at": "x=1,y=3"}}, 200),
    ("POST", "/api/steps", {"json": {"expr": "cos(x)^2", "wrt": "x"}}, 200),
]
HOSTILE = [
    ("POST", "/api/grad", {"json": {"expr": "x^(9^9^9^9)"}}, 400),
    ("POST", "/api/grad", {"json": {"expr": "sin(" * 20000 + "x" + ")" * 20000}}, 400),
    ("POST", "/api/grad", {"json": {"expr": "x+" * 350_000 + "x"}}, 400),  # a 1 MB string
    ("POST", "/fragment/fit", {"data": {"model": "a*x"},
                               "files": {"file": ("big.csv", b"x,y\n" + b"1,2\n" * (50 << 18), "text/csv")}}, 422),
    ("POST", "/api/solve", {"json": {"expr": "sum((x[i]-i)^2, i, 0, n-1)", "size": "n=10000000",
                                     "steps": "100000000", "tol": "0"}}, 400),
    ("POST", "/api/grad", {"json": {"expr": "().__class__.__bases__[0].__subclasses__()"}}, 400),
    ("POST", "/api/fit", {"json": {"model": "a*x", "data": "/etc/shadow"}}, 400),
    ("POST", "/api/grad", {"content": b"\xff\xfe{not json", "headers": {"content-type": "application/json"}}, 400),
    ("GET", "/fragment/../../etc/passwd", {}, 404),
    ("POST", "/fragment/descent", {"data": {"expr": "x^2", "steps": "1e99"}}, 422),
]


def _send(base, method, path, options):
    with httpx.Client(base_url=base, timeout=300) as client:  # a hang guard, not a speed check
        return client.request(method, path, **options)


def test_fifty_mixed_requests_at_once_all_answered_and_the_server_goes_on():
    requests = NORMAL * 5 + HOSTILE  # 40 + 10
    with running_server("--time-limit", "30", "--workers", "4") as base:  # 30 s: room for a loaded machine
        with ThreadPoolExecutor(len(requests)) as pool:
            responses = list(pool.map(lambda r: _send(base, *r[:3]), requests))
        for (method, path, _, status), response in zip(requests, responses):
            assert response.status_code == status, (path, response.text[:300])
            body = response.text
            assert "Traceback" not in body and body.strip()
            if status in (400, 422):
                assert "error:" in body or response.json()["error"][0].startswith("error:")
        after = _send(base, "POST", "/api/grad", {"json": {"expr": "x^2*y"}})
        assert after.json()["gradient"] == ["2*x*y", "x**2"]
