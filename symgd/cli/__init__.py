"""The ``symgd`` command: argparse front end, and the one place that turns errors into messages.

Each command lives in its own module of this package with ``add_parser(subparsers)`` and
``run(args) -> int``. Exit status: 0 success, 1 a descent or fit that did not converge (or diverged),
2 bad input or usage.
"""
from __future__ import annotations

import argparse
import sys
from importlib import import_module
from collections.abc import Sequence

from symgd import __version__
from symgd.errors import DivergenceError, SymgdError

# Module names under symgd.cli, in the order `symgd --help` lists the commands.
COMMANDS = ("solve", "grad", "compile", "parse_cmd", "steps_cmd", "graph_cmd", "check_cmd", "fit_cmd")

EXIT_OK, EXIT_NOT_CONVERGED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="symgd", description="Exact gradients of math strings, explained, "
                     "and compiled to fast descent loops.")
    parser.add_argument("--version", action="version", version=f"symgd {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        import_module(f"symgd.cli.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``symgd`` command line with ``argv``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.run(args))
    except SymgdError as exc:
        print(f"error: {exc}", file=sys.stderr)
        # A run that left the finite numbers did not converge; every other SymgdError is about the input
        # (the text, a point, the data, a backend or option that cannot serve it).
        return EXIT_NOT_CONVERGED if isinstance(exc, DivergenceError) else EXIT_BAD_INPUT
    except BrokenPipeError:  # `symgd ... | head`: the reader left, nothing more to say
        return EXIT_OK


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main(sys.argv[1:]))
