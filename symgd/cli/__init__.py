"""The ``symgd`` command: argparse front end, and the one place that turns errors into messages.

Each command lives in its own module of this package with ``add_parser(subparsers)`` and
``run(args) -> int``. Exit status: 0 success, 1 a descent or fit that did not converge, 2 bad input.
"""
from __future__ import annotations

import argparse
import sys
from importlib import import_module
from collections.abc import Sequence

from symgd import __version__
from symgd.errors import ParseError, SymgdError, VariableError, DataError, DomainError

# Module names under symgd.cli, in the order `symgd --help` lists the commands.
COMMANDS = ("solve", "grad", "compile", "parse_cmd", "steps_cmd", "graph_cmd", "check_cmd", "fit_cmd")

EXIT_OK, EXIT_NOT_CONVERGED, EXIT_BAD_INPUT = 0, 1, 2
_BAD_INPUT = (ParseError, VariableError, DataError, DomainError)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors print ``error: ...`` and exit 2 (argparse's own rule)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="symgd", description="Exact gradients of math strings, explained, "
                     "and compiled to fast descent loops.")
    parser.add_argument("--version", action="version", version=f"symgd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = import_module(f"symgd.cli.{name}")
        except ModuleNotFoundError as exc:  # a command still being built: skip it, keep the rest
            if exc.name != f"symgd.cli.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``symgd`` command line with ``argv``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.run(args))
    except SymgdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, _BAD_INPUT) else EXIT_NOT_CONVERGED
    except BrokenPipeError:  # `symgd ... | head`: the reader left, nothing more to say
        return EXIT_OK


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main(sys.argv[1:]))
