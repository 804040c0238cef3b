"""Runs one hostile input in a child process under a memory and a CPU-time limit, in a fresh folder.

The children are forked from a clean fork server (multiprocessing's "forkserver": symgd, sympy and
numpy preloaded, no torch or numba threads), so each case starts in milliseconds. A child limits its own
memory (RLIMIT_DATA: its heap and anonymous mappings, 1 GiB above what it holds at the start) and CPU
time (RLIMIT_CPU, 5 s), then runs ``symgd.cli.main(argv)`` or a library case and sends back what
happened. The parent waits at most ``WALL`` seconds (a hang guard, not a speed figure: a child blocked on
a pipe uses no CPU), then kills the child and reports a hang.
"""
from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import resource
import signal
import traceback
from dataclasses import dataclass

MEMORY = 2**30   # bytes a case may add to what the child holds when it starts
CPU_SECONDS = 5  # the "ends within 5 s", as CPU time (immune to a loaded machine)
WALL = 60        # hang guard

_context = None


def _ctx():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["numpy", "sympy", "symgd", "symgd.cli", "symgd.parse", "hostile_cases"])
    return _context


@dataclass
class Outcome:
    """What a case did: ``kind`` is "exit" (CLI), "value" or "raised" (library), "hang", "killed"."""

    kind: str
    rc: int | None = None
    out: str = ""
    err: str = ""
    error_type: str = ""
    is_symgd: bool = False
    files: tuple[str, ...] = ()
    detail: str = ""


def _limit() -> None:
    for line in open("/proc/self/status"):
        if line.startswith("VmData:"):
            data = int(line.split()[1]) * 1024
            resource.setrlimit(resource.RLIMIT_DATA, (data + MEMORY, data + MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))


def _child(conn, cwd: str, kind: str, payload) -> None:
    os.chdir(cwd)
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)  # past the CPU limit: die, reported as "killed"
    _limit()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if kind == "cli":
            from symgd.cli import main
            try:
                rc = main(payload)
            except SystemExit as exc:  # argparse's way out, if main lets it through
                rc = exc.code if isinstance(exc.code, int) else 2
            except BaseException as exc:  # noqa: BLE001 - the test reports whatever escaped main
                conn.send(Outcome("raised", error_type=type(exc).__name__, detail=traceback.format_exc()[-2000:]))
                return
            result = Outcome("exit", rc=rc)
        else:
            import hostile_cases
            from symgd.errors import SymgdError
            try:
                value = getattr(hostile_cases, payload)(cwd)
                result = Outcome("value", detail=repr(value)[:500])
            except SymgdError as exc:
                result = Outcome("raised", error_type=type(exc).__name__, is_symgd=True, detail=str(exc))
            except BaseException as exc:  # noqa: BLE001 - reported, and the test fails on it
                result = Outcome("raised", error_type=type(exc).__name__, detail=traceback.format_exc()[-2000:])
    result.out, result.err = out.getvalue(), err.getvalue()
    conn.send(result)


def run(kind: str, payload, cwd: str) -> Outcome:
    """Run a CLI argv (``kind`` "cli") or a library case function name ("lib") in ``cwd`` under limits."""
    ctx = _ctx()
    before = set(os.listdir(cwd))
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, cwd, kind, payload))
    proc.start()
    send.close()
    got = None
    if recv.poll(WALL):
        with contextlib.suppress(EOFError):
            got = recv.recv()
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return Outcome("hang")
    if got is None:
        return Outcome("killed", detail=f"exit code {proc.exitcode}")
    got.files = tuple(sorted(set(os.listdir(cwd)) - before))
    return got
