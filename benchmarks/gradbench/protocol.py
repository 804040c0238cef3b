"""The GradBench protocol's side of the symgd tool: timed repeats, responses, one cache per shape.

GradBench (../shared/gradbench/PROTOCOL.md) sends JSON lines: ``start``, ``define`` (a module),
``evaluate`` (a function of that module on an input) and ``analysis``. An eval here is an ``Eval``:
``define`` builds what does not depend on the input (reported as a ``prepare`` timing), and each
function is a ``Function``: ``pre`` turns the JSON input into arrays (outside the timer, as the upstream
PyTorch and JAX tools do in their ``pre``), ``run`` is the timed call, ``post`` turns its result into
JSON (outside the timer). A function compiled for one shape is cached by ``Cache``; its compilation is
reported as its own ``prepare`` timing, never inside an ``evaluate`` timing.
"""
from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Function:
    """One function of an eval: ``pre(input) -> args`` (may compile, through a ``Cache``),
    ``run(*args)`` timed, ``post(result) -> JSON``."""

    pre: Callable[[Mapping[str, Any]], tuple]
    run: Callable[..., Any]
    post: Callable[[Any], Any]
    repeated: bool = True  # False for hello: no min_runs / min_seconds in its input


@dataclass
class Eval:
    """An eval module: its functions, ``define`` (warm-up and shape-free compilation), and ``startup``
    (a library's once-per-process start-up, such as numba's: True when it ran now)."""

    functions: Mapping[str, Function]
    define: Callable[[], None] = lambda: None
    cache: "Cache" = field(default_factory=lambda: Cache())
    startup: Callable[[], bool] = lambda: False


class Cache:
    """Compiled functions by shape key, and the time spent compiling since the last ``take``."""

    def __init__(self) -> None:
        self.compiled: dict = {}
        self.spent = 0

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        if key not in self.compiled:
            start = time.perf_counter_ns()
            self.compiled[key] = build()
            self.spent += time.perf_counter_ns() - start
        return self.compiled[key]

    def take(self) -> int:
        """Nanoseconds spent compiling since the last call (0 when everything came from the cache)."""
        spent, self.spent = self.spent, 0
        return spent


def repeat(run: Callable[..., Any], args: tuple, min_runs: int, min_seconds: float) -> tuple[Any, list[dict]]:
    """Call ``run(*args)`` until both ``min_runs`` calls and ``min_seconds`` have passed; one
    ``evaluate`` timing per call (PROTOCOL.md, ``Runs``)."""
    timings, elapsed = [], 0
    while len(timings) < min_runs or elapsed < min_seconds * 1e9:
        start = time.perf_counter_ns()
        out = run(*args)
        spent = time.perf_counter_ns() - start
        timings.append({"name": "evaluate", "nanoseconds": spent})
        elapsed += spent
    return out, timings


def prepare_timing(ns: int) -> list[dict]:
    return [{"name": "prepare", "nanoseconds": ns}] if ns else []


def define(evals: Mapping[str, Callable[[], Eval]], loaded: dict, module: str) -> dict:
    """The response to ``define``: success when symgd implements ``module``, with its prepare time
    (and, in the first define of a process that needs it, a library's start-up time apart)."""
    if module not in evals:
        return {"success": False, "error": f"symgd does not implement the eval {module!r}"}
    start, startup = time.perf_counter_ns(), 0
    try:
        ev = loaded[module] = evals[module]()
        before = time.perf_counter_ns()
        if ev.startup():
            startup = time.perf_counter_ns() - before
        ev.define()
    except Exception as exc:  # a tool answers, never dies: the eval reports the error
        loaded.pop(module, None)
        return {"success": False, "error": _error(exc)}
    timings = [{"name": "start-up", "nanoseconds": startup}] if startup else []
    return {"success": True, "timings": timings + prepare_timing(time.perf_counter_ns() - start - startup)}


def evaluate(loaded: Mapping[str, Eval], message: Mapping[str, Any]) -> dict:
    """The response to ``evaluate``: the output and one timing per run (plus ``prepare`` when this
    input's shape was compiled now)."""
    ev = loaded.get(message.get("module"))
    fn = ev.functions.get(message.get("function")) if ev else None
    if fn is None:
        return {"success": False, "error": f"no function {message.get('module')}::{message.get('function')}"}
    try:
        data = message["input"]
        ev.cache.take()
        args = fn.pre(data)
        prepared = ev.cache.take()
        if fn.repeated:
            out, timings = repeat(fn.run, args, int(data["min_runs"]), float(data["min_seconds"]))
        else:
            out, timings = repeat(fn.run, args, 1, 0.0)
        return {"success": True, "output": fn.post(out), "timings": prepare_timing(prepared) + timings}
    except Exception as exc:
        return {"success": False, "error": _error(exc)}


def _error(exc: Exception) -> str:
    """One line for the eval; the traceback goes to stderr (the tool's log)."""
    traceback.print_exception(exc, file=sys.stderr)
    return f"{type(exc).__name__}: {exc}".splitlines()[0]
