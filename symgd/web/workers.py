"""Every job of the page and the API runs in its own process, with a time and a memory limit, so a
hostile or huge input stops alone and the server keeps serving.

A process per job (forked from a server that preloaded symgd and sympy, so it starts in milliseconds)
rather than concurrent.futures' pool: a pool cannot stop one task that hangs, only the whole pool.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
from dataclasses import dataclass
from importlib import import_module
from typing import Any

#: The functions a worker may run, "module:function" under symgd.web; nothing else is ever called.
JOBS = frozenset({"views:read", "views:derivative", "views:graph_at", "views:check_answer", "views:descent",
                  "views:fit_data", "calculus:solve", "commands:run_cli"})


@dataclass(frozen=True)
class Limits:
    """What one job may use: ``seconds`` of wall time and ``memory`` bytes of address space; ``workers``
    jobs run at once (the rest wait, and the page says they are running)."""

    seconds: float = 30.0
    memory: int = 4 << 30
    workers: int = 4


class Workers:
    """Runs jobs in killable child processes, at most ``limits.workers`` at a time."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["symgd.web.views", "symgd.web.calculus", "symgd.web.commands"])
        self._slots = threading.BoundedSemaphore(limits.workers)

    def run(self, job: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The job's result dict, or ``{"error": [lines]}`` when it failed, ran out of time or memory.
        Blocking: call it from a thread."""
        if job not in JOBS:
            raise ValueError(f"unknown job {job!r}")
        with self._slots:
            receiver, sender = self._context.Pipe(duplex=False)
            # not a daemon: a job may fork its own time-limited child (sympy.solve in explain/solving.py);
            # the job leads its own process group, and the whole group is killed when the job ends
            process = self._context.Process(target=_child, args=(sender, job, payload, self.limits.memory))
            process.start()
            sender.close()
            try:
                if receiver.poll(self.limits.seconds):
                    return receiver.recv()
                return {"error": [f"error: the job took longer than {self.limits.seconds:g} s and was stopped",
                                  "hint: try a smaller expression, fewer steps or a smaller file"]}
            except EOFError:  # the child died without answering: killed for memory, or crashed
                return {"error": ["error: the job ran out of memory and was stopped",
                                  "hint: try a smaller expression, size or file"]}
            finally:
                _kill_group(process)
                process.join()
                receiver.close()


def _kill_group(process: Any) -> None:
    """Kill the job and every process it started (its process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.kill()


def _child(sender: Any, job: str, payload: dict[str, Any], memory: int) -> None:
    """Run one job in this (child) process and send its result back."""
    os.setpgid(0, 0)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from symgd.cli import message_lines
    module, name = job.split(":")
    try:
        result = getattr(import_module(f"symgd.web.{module}"), name)(payload)
    except Exception as exc:  # every error becomes the CLI's own message lines, never a traceback
        result = {"error": message_lines(exc)[0]}
    sender.send(result)
    sender.close()
