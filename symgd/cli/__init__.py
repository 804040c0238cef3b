"""The ``symgd`` command: argparse front end, and the one place that turns errors into messages.

Each command lives in its own module of this package with ``add_parser(subparsers)`` and
``run(args) -> int``. Exit status:

- 0 success;
- 1 a descent or fit that did not converge (or diverged);
- 2 bad input or usage, and a problem too large for the machine (MemoryError, RecursionError):
  one ``error:`` line, sometimes a caret under the column and a ``hint:`` line;
- 70 an internal error, a bug in symgd (EX_SOFTWARE of sysexits.h): one ``error: internal error`` line
  asking for a report; ``symgd --debug COMMAND ...`` prints the traceback too;
- 130 interrupted (Ctrl-C), quietly.

Every line of a message is cut to under 300 characters (input quoted back can be megabytes).
"""
from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from importlib import import_module
from typing import Any, NoReturn

from symgd import __version__
from symgd.errors import DivergenceError, SymgdError

# Module names under symgd.cli (or a full module name: `serve` lives with the web page, the stage after
# this one), in the order `symgd --help` lists the commands.
COMMANDS = ("solve", "grad", "compile", "parse_cmd", "steps_cmd", "graph_cmd", "check_cmd", "fit_cmd",
            "taylor_cmd",
            "critical_cmd", "extremum_cmd",  # calculus B (issue 17)
            "symgd.web.serve")

EXIT_OK, EXIT_NOT_CONVERGED, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130

#: The longest line an error message prints (the issue's limit is 300 characters).
MAX_LINE = 299
REPORT = ("please report this to the symgd maintainers with the command you ran "
          "(symgd --debug ... adds the traceback)")


class UsageError(SymgdError):
    """A command line argparse cannot read (raised instead of argparse's print-usage-and-exit)."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors, and expressions that start with '-' read as positionals."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} ({self.prog})", hint=f"`{self.prog} --help` lists the options")

    def _parse_optional(self, arg_string: str) -> Any:
        # argparse takes every word starting with '-' for an option unless it is a negative number, so
        # "-x^2" or "-sin(x)" would be an unknown option. A single-dash word that is not one of this
        # parser's options (as a whole, or before '=') is a positional: an expression or a value.
        if (arg_string[:1] == "-" and arg_string[1:2] not in ("", "-")
                and arg_string.partition("=")[0] not in self._option_string_actions):
            return None
        return super()._parse_optional(arg_string)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="symgd", description="Exact gradients of math strings, explained, "
                    "and compiled to fast descent loops.")
    parser.add_argument("--version", action="version", version=f"symgd {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback of an error (for a bug report)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        import_module(name if "." in name else f"symgd.cli.{name}").add_parser(sub)
    for command in sub.choices.values():  # also after the command; SUPPRESS keeps a --debug given before
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="print the traceback of an error (for a bug report)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``symgd`` command line with ``argv``; return the exit status (never raises)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = plain = False
    try:
        args = build_parser().parse_args(argv)
        debug, plain = args.debug, getattr(args, "plain", False)
        return int(args.run(args))
    except SystemExit as exc:  # --help and --version print, then argparse exits
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `symgd ... | head`: the reader left, nothing more to say
        return EXIT_OK
    except Exception as exc:  # the one handler: every other exception becomes one message
        if debug:
            traceback.print_exception(exc)
        lines, code = message_lines(exc, plain)
        print("\n".join(lines), file=sys.stderr)
        return code


def message_lines(exc: Exception, plain: bool = False) -> tuple[list[str], int]:
    """The lines ``main`` prints for ``exc`` (the first starts with ``error:``) and the exit status; the
    expressions the message quotes are Unicode math unless ``plain`` (``_math``)."""
    if isinstance(exc, SymgdError):
        # A run that left the finite numbers did not converge; every other SymgdError is about the input
        # (the text, a point, the data, a backend or option that cannot serve it).
        code = EXIT_NOT_CONVERGED if isinstance(exc, DivergenceError) else EXIT_BAD_INPUT
        text, message = str(exc), exc.message
        # the message is one line whatever it quotes (a file or column name may hold a newline); the
        # caret context and the hint follow on their own lines
        rest = text[len(message):].split("\n")[1:] if text.startswith(message) else text.split("\n")[1:]
        message = message if plain else _math(message, getattr(exc, "exprs", ()))
        return _shorten([f"error: {_printable(message)}", *rest]), code
    if isinstance(exc, (MemoryError, RecursionError)):
        what = "memory" if isinstance(exc, MemoryError) else "recursion depth"
        return [f"error: the problem is too large: it ran out of {what} ({type(exc).__name__})",
                "hint: try a smaller expression, size, count or file"], EXIT_BAD_INPUT
    detail = (str(exc).strip().split("\n") or [""])[0]
    detail = f"{type(exc).__name__}: {_cut(detail, 80)}" if detail else type(exc).__name__
    return [_cut(f"error: internal error ({detail}); {REPORT}")], EXIT_INTERNAL


def _math(message: str, exprs: tuple) -> str:
    """``message`` with the derived expressions it quotes in SymPy syntax (``exprs``, listed by the library:
    x**2 + y**2) as Unicode math, like every text output. What the user typed is not listed, so it stays
    as typed; a symbol or number alone is left as it is (its text is also part of words)."""
    if not exprs:
        return message
    import sympy

    from symgd.report.mathtext import math_text
    for expr in sorted((e for e in exprs if isinstance(e, sympy.Basic) and not e.is_Atom), key=lambda e: -len(sympy.sstr(e))):
        message = message.replace(sympy.sstr(expr), math_text(expr))
    return message


def _printable(text: str) -> str:
    """``text`` with control and other unprintable characters written as escapes (\\n, \\x00)."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _cut(line: str, limit: int = MAX_LINE) -> str:
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _shorten(lines: list[str]) -> list[str]:
    """Every line cut to MAX_LINE; a long source line with a caret line under it is windowed around the
    caret (the parser's context), so the caret still points at the column."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        below = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if len(lines[i]) > MAX_LINE and below and set(below) == {"^"}:
            out += _window(lines[i], lines[i + 1])
            i += 2
        else:
            out.append(_cut(lines[i]))
            i += 1
    return out


def _window(source: str, marks: str, width: int = MAX_LINE - 40) -> list[str]:
    """``source`` cut to ``width`` characters around the caret of ``marks``, and the caret moved with it."""
    column = marks.index("^")
    start = max(0, min(column - width // 2, len(source) - width))
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(source) else ""
    return [prefix + source[start:start + width] + suffix, " " * (len(prefix) + column - start) + marks.strip()]


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main(sys.argv[1:]))
