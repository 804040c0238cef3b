"""A real ``symgd serve`` on 127.0.0.1 for the web tests (a subprocess, as a user starts it)."""
from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "web"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(*options: str) -> Iterator[str]:
    """Start ``symgd serve`` on a free port; yield its base URL; stop it."""
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("uvicorn")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "symgd", "serve", "--port", str(port), *options],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # until it listens (a hang guard, not a speed check)
            if server.poll() is not None:
                raise RuntimeError(f"symgd serve exited: {server.stderr.read()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/api", timeout=5).status_code == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
