"""The JSON API: ``POST /api/<command>`` runs the CLI command with the same options and returns the
same payload as ``symgd <command> --format json``; ``/export/<command>`` returns its Markdown, LaTeX or
JSON write-up as a download.

Options are allow-listed per command, so no request can reach an option that touches the server's files
(``--output``, ``--plot``, a ``--data`` path): uploaded data arrives as CSV text and is written to a
private temporary file inside the job's process.
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Mapping
from typing import Any

from symgd.errors import SymgdError

#: command -> (CLI name, its expression argument's field, {field: CLI option} for values, flags, formats)
COMMANDS: dict[str, tuple[str, str, dict[str, str], frozenset[str], tuple[str, ...]]] = {
    "parse": ("parse", "expr", {}, frozenset(), ("json", "latex", "text")),
    "grad": ("grad", "expr", {"wrt": "--wrt", "at": "--at", "direction": "--direction"},
             frozenset({"hessian", "tangent", "linearize"}), ("json", "markdown", "latex", "text")),
    "steps": ("steps", "expr", {"wrt": "--wrt", "diff": "--diff", "order": "--order", "implicit": "--implicit"},
              frozenset({"hessian", "entries"}), ("json", "markdown", "latex", "text")),
    "check": ("check", "expr", {"wrt": "--wrt", "answer": "--answer", "implicit": "--implicit", "order": "--order"},
              frozenset(), ("json", "markdown", "text")),
    "graph": ("graph", "expr", {"at": "--at", "wrt": "--wrt"}, frozenset(), ("json", "markdown", "text")),
    "solve": ("solve", "expr", {"at": "--at", "optimizer": "--optimizer", "lr": "--lr", "steps": "--steps",
                                "tol": "--tol", "starts": "--starts", "box": "--box", "seed": "--seed",
                                "size": "--size"}, frozenset(), ("json", "markdown", "latex", "text")),
    "fit": ("fit", "model", {"target": "--target", "at": "--at", "method": "--method", "loss": "--loss"},
            frozenset(), ("json", "markdown", "text")),
    "taylor": ("taylor", "expr", {"at": "--at", "order": "--order"}, frozenset(),
               ("json", "markdown", "latex", "text")),
    "critical": ("critical", "expr", {"box": "--box"}, frozenset({"full"}), ("json", "markdown", "latex", "text")),
    "extremum": ("extremum", "expr", {"subject_to": "--subject-to", "subject_to2": "--subject-to"},
                 frozenset({"full"}), ("json", "markdown", "latex", "text")),
}

#: The longest text field a request may send (a math string, an answer, a point); data travels as CSV.
MAX_FIELD = 5000
_DATA = "\0data"  # placeholder for the uploaded file's path, filled in inside the job


class RequestError(SymgdError, ValueError):
    """A request the API refuses (unknown command or field, a field too long): one message line."""


def build_argv(command: str, fields: Mapping[str, Any], fmt: str = "json") -> tuple[list[str], str | None]:
    """The CLI arguments for an API request, and the CSV text to upload (fit), after checking every field."""
    if command not in COMMANDS:
        raise RequestError(f"unknown command {command!r}; the API has {', '.join(COMMANDS)}")
    name, positional, options, flags, formats = COMMANDS[command]
    if fmt not in formats:
        raise RequestError(f"{command} writes {', '.join(formats)}, not {fmt!r}")
    known = {positional, *options, *flags} | ({"data", "csv"} if command == "fit" else set())
    unknown = sorted(set(fields) - known)
    if unknown:
        raise RequestError(f"unknown field {unknown[0]!r} for {command}; it takes {', '.join(sorted(known))}")
    text = {key: _field(key, value) for key, value in fields.items() if key not in flags and key != "csv"}
    if not text.get(positional, "").strip():
        raise RequestError(f"{command} needs the field {positional!r}")
    argv = [name, "--format", fmt]
    for key, option in options.items():
        if text.get(key, "").strip():
            argv += [option, text[key]]
    argv += [f"--{key}" for key in flags if fields.get(key) in (True, "true", "on", "1")]
    csv = fields.get("csv") if command == "fit" else None
    if command == "fit":
        argv += ["--data", _data_argument(text.get("data", ""), csv)]
    return argv + ["--", text[positional]], csv


def _field(key: str, value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise RequestError(f"the field {key!r} must be text or a number")
    value = str(value)
    if len(value) > MAX_FIELD:
        raise RequestError(f"the field {key!r} is {len(value):,} characters long; at most {MAX_FIELD:,} are read")
    return value


def _data_argument(formula: str, csv: Any) -> str:
    """A fit's data: uploaded CSV text, or a formula (``x = linspace(0, 1, 50); y = ...``) — never a path
    on the server."""
    if csv is not None:
        if not isinstance(csv, str) or not csv.strip():
            raise RequestError("the uploaded CSV is empty")
        return _DATA
    if "=" not in formula:
        raise RequestError("give the data as a CSV upload or as a formula such as "
                           "'x = linspace(0, 1, 50); y = 2*x + 1'")
    return formula


def run_cli(payload: dict[str, Any]) -> dict[str, Any]:
    """(Runs in a job process.) ``symgd`` with ``payload["argv"]``: exit status, stdout and stderr."""
    from symgd.cli import main
    argv = list(payload["argv"])
    with tempfile.TemporaryDirectory(prefix="symgd-web-") as folder:
        if payload.get("csv") is not None:
            path = os.path.join(folder, "upload.csv")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(payload["csv"])
            argv = [path if a == _DATA else a for a in argv]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue().replace(folder, "<upload>")}
