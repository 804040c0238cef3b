"""symgd as a GradBench tool: reads the protocol's JSON lines on stdin, answers on stdout.

    ../shared/gradbench/run-eval lse -- .venv/bin/python benchmarks/gradbench/run.py [--backend B]

Evals: hello, lse, llsq (and those listed in ``EVALS``); each function is a symgd string compiled by
``symgd.compile`` (see the eval modules beside this file and docs/performance.md, GradBench). Logs go to
stderr; stdout carries only protocol lines.
"""
from __future__ import annotations

import argparse
import json
import sys

from backend import Backend
import evals_basic
import evals_ode
import evals_saddle
import evals_tree
import protocol

EVALS = {"hello": evals_basic.hello, "lse": evals_basic.lse, "llsq": evals_basic.llsq,
         "kmeans": evals_tree.kmeans, "gmm": evals_tree.gmm, "saddle": evals_saddle.saddle,
         "det": evals_tree.det, "ode": evals_ode.ode}


def respond(message: dict, evals: dict, loaded: dict) -> dict:
    """The response to one message (PROTOCOL.md): start, define, evaluate; anything else is acknowledged."""
    kind = message.get("kind")
    if kind == "start":
        return {"tool": "symgd"}
    if kind == "define":
        return protocol.define(evals, loaded, message.get("module"))
    if kind == "evaluate":
        return protocol.evaluate(loaded, message)
    return {}


def encode(ident: int, response: dict) -> str:
    """One protocol line; an output JSON cannot carry (inf, nan) fails its message instead."""
    try:
        return json.dumps({"id": ident, **response}, allow_nan=False)
    except ValueError:
        return json.dumps({"id": ident, "success": False, "error": "the output is not finite"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="auto", choices=["auto", "numpy", "numba", "torch"],
                        help="symgd backend (auto: each eval's fastest on CPU)")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda (with --backend torch)")
    args = parser.parse_args(argv)
    backend = Backend(args.backend, args.device)
    evals = {name: (lambda make=make: make(backend)) for name, make in EVALS.items()}
    loaded: dict = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        print(encode(message["id"], respond(message, evals, loaded)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
