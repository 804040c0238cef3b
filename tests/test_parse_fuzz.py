"""Property-based fuzzing: whatever a user types, parsing returns an expression or raises a symgd
error — never another exception, a RecursionError or a hang (hypothesis' deadline bounds each input).

20,000 examples in all: arbitrary text, soups of the language's own tokens (the inputs most likely
to reach deep into the grammar and the Transformer), and soups with LaTeX and Unicode pieces.
"""
from __future__ import annotations

import os
import signal

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symgd.errors import SymgdError
from symgd.parse import parse

# Hang guard: hypothesis' deadline is only checked after an example returns, so a parse that never
# returns would stall the run instead of failing. An alarm turns it into a failure naming the input.
HANG_SECONDS = 20


#: The suite replays a fixed, reproducible set of examples on any machine (CI or not, fast or slow: no
#: deadline, the hang guard below catches hangs); SYMGD_FUZZ=explore draws new ones each run.
EXPLORE = os.environ.get("SYMGD_FUZZ") == "explore"


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=2000 if EXPLORE else None, derandomize=not EXPLORE,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang()

TOKENS = [
    "x", "y", "z", "xy", "theta", "w1", "x_1", "w_{0}", "e", "E", "pi", "i", "n", "t", "u", "f",
    "0", "1", "2", "10", "0.5", ".5", "2.", "1e3", "1e-3", "9", "99999", "4000",
    "+", "-", "*", "/", "**", "^", "(", ")", "[", "]", "{", "}", ",", "=", ";", "\n", "|", "_",
    "sin", "cos", "tan", "asin", "atan2", "sinh", "exp", "log", "ln", "log10", "sqrt", "cbrt",
    "abs", "sign", "sigmoid", "softplus", "relu", "min", "max", "erf", "sum", "Sum", "Abs", "Max",
    "Heaviside", "sec", "arcsin", "sgn",
]
EXTRA = [
    "π", "θ", "α", "λ", "²", "³", "⁻¹", "√", "∛", "·", "×", "÷", "−", "\\frac", "\\sqrt", "\\sin",
    "\\ln", "\\cdot", "\\left(", "\\right)", "\\left|", "\\right|", "\\alpha", "\\pi", "\\,",
    "\\operatorname", "\\foo", "$", "$$", "'", '"', ".", "!", "@", "#", "__import__", "lambda",
    "\\", "\t", "é", "\x00", "P3(t)", "u =", "9**9**9**9", "((", "))",
]


def soup(vocabulary: list[str]):
    """Token soups drawn as bytes (cheap for hypothesis to generate and shrink): each byte picks a
    token, its high bit a space after it."""
    def build(data: bytes) -> str:
        return "".join(vocabulary[b % len(vocabulary)] + (" " if b & 128 else "") for b in data)
    return st.binary(max_size=20).map(build)


def check(text: str) -> None:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        result = parse(text)
    except SymgdError:
        return
    except _Hang:
        pytest.fail(f"parsing {text!r} did not return within {HANG_SECONDS} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert isinstance(result, sympy.Expr)


@fuzz(3000)
@given(st.text(max_size=40))
def test_arbitrary_text(text):
    check(text)


@fuzz(3000)
@given(st.text(alphabet="xyz0129+-*/^().,|; =e", max_size=30))
def test_arbitrary_text_over_math_characters(text):
    check(text)


@fuzz(10000)
@given(soup(TOKENS))
def test_token_soup(text):
    check(text)


@fuzz(4000)
@given(soup(TOKENS + EXTRA))
def test_token_soup_with_latex_and_unicode(text):
    check(text)
