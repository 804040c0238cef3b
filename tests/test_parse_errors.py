"""Rejected inputs: each with its error class, a fragment of the message and the caret column."""
from __future__ import annotations

import pytest

from symgd.errors import BudgetError, ParseError, SymgdError, UnknownFunctionError
from symgd.parse import parse

P, U, B = ParseError, UnknownFunctionError, BudgetError

# (input, error class, message fragment (message + hint), 1-based caret column or None)
REJECTED = [
    # empty
    ("", P, "empty input", 1),
    ("   ", P, "empty input", 1),
    (";", P, "empty input", 1),
    # unbalanced brackets
    ("sin(x", P, "'(' at column 4 is never closed", 6),
    ("(((x)", P, "'(' at column 2 is never closed", 6),
    ("x[", P, "'[' at column 2 is never closed", 3),
    ("|x", P, "'|' at column 1 is never closed", 3),
    ("(x+1))", P, "')' has no matching opening bracket", 6),
    (")", P, "')' has no matching opening bracket", 1),
    ("sin(x))", P, "no matching opening bracket", 7),
    # trailing operators
    ("x**", P, "ends with '**': an exponent is missing", 4),
    ("x^", P, "ends with '^': an exponent is missing", 3),
    ("x +", P, "ends with '+': a term is missing", 4),
    ("x *", P, "ends with '*': a factor is missing", 4),
    ("x /", P, "ends with '/'", 4),
    ("x^-", P, "ends with '-'", 4),
    ("x\n+", P, "line 2, column 2", 2),
    # numbers
    ("2..3", P, "more than one decimal point", 1),
    ("1.2.3", P, "more than one decimal point", 1),
    ("2 3", P, "two numbers side by side", 3),
    ("1,5", P, "decimals use '.'", 2),
    # operators and stray characters
    ("x y +* 2", P, "two operators in a row", 6),
    ("2^^3", P, "expected a number, a name or '('", 3),
    ("x == 1", P, "a comparison ('==') is only the condition of where", 3),
    ("x = = 1", P, "a comparison is where's condition", 5),
    ("sin(x < 1)", P, "sin takes numbers, not a comparison", 1),
    ("x # comment", P, "unexpected character '#'", 3),
    ("x @ y", P, "unexpected character '@'", 3),
    ("x!", P, "factorials are not supported", 2),
    ("x$", P, "'$' may only wrap the whole input", 2),
    ("é", P, "unexpected character 'é'", 1),
    ("(a, b)", P, "unexpected ','; expected ')'", 3),
    ("a = b = c", P, "'=' only defines a name", 7),
    ("x = ", P, "expected a number, a name or '('", 4),
    # safety: no Python
    ("__import__('os')", P, "names cannot begin with '_'", 1),
    ("_x", P, "names cannot begin with '_'", 1),
    ("x_", P, "'_' must be followed by a subscript", 2),
    ('"x"', P, "strings are not part of the language", 1),
    ("x.real", P, "attribute access", 2),
    ("lambda x: x", P, "'lambda' starts a Python statement", 1),
    ("import os", P, "'import' starts a Python statement", 1),
    ("from os import path", P, "'from' starts a Python statement", 1),
    ("def f(x): return x", P, "'def' starts a Python statement", 1),
    ("class A(B): pass", P, "'class' starts a Python statement", 1),
    ("x^2; import os", P, "'import' starts a Python statement", 6),
    ("lambda: 1", P, "'lambda' starts a Python statement", 1),
    ("x : y", P, "unexpected character ':'", 3),
    # derivative operators (Leibniz and partial notation)
    ("d/dx", P, "a derivative operator needs an expression after it", 1),
    ("d^2/dx (x^3)", P, "orders do not match: 2 on top, 1 below", 1),
    ("∂²/∂x (x^3)", P, "orders do not match", 1),
    ("x + ∂/∂x x", P, "differentiates the bracket right after it, and none follows", 5),
    ("d/de (x^2)", P, "cannot differentiate with respect to the constant e", 1),
    ("u = x^2; d/du (u)", P, "cannot differentiate with respect to u", 10),
    ("d/dx x; x", P, "only the last statement can be an expression", 1),
    ("d^99/dx^99 (x)", P, "the limit is 20", 1),
    ("().__class__", P, "attribute access", 3),
    # functions
    ("sinn(x)", U, "did you mean sin", 1),
    ("sqr(x)", U, "did you mean sqrt", 1),
    ("lgo(x)", U, "did you mean log", 1),
    ("SIN(x)", U, "did you mean sin", 1),
    ("foo(x)", U, "unknown function 'foo'", 1),
    ("sin", P, "a function needs an argument", 4),
    ("sin + 1", P, "a function needs an argument", 5),
    ("x sin", P, "sin needs an argument", 3),
    ("sin()", P, "sin() needs an argument", 1),
    ("atan2(x)", P, "atan2 takes 2 arguments, not 1", 1),
    ("atan2 x", P, "needs parentheses", 1),
    ("min(x)", P, "min takes 2 or more arguments", 1),
    ("exp^-1 x", P, "no inverse-function reading", 1),
    ("exp_2 x", P, "only log takes a base subscript", 4),
    ("f(x, y)", P, "f is not a function", 1),
    ("sum(x)", P, "sum takes 2 to 4 arguments", 1),
    ("sum(x, 1, 1, n)", P, "the index of sum must be a name", 1),
    # definitions
    ("u=1; u=2; u", P, "u is defined twice", 6),
    ("x+1; y", P, "only the last statement can be an expression", 1),
    ("sin = 3; x", P, "a function needs an argument", 5),
    ("pi = 3; pi", P, "pi is a constant", 1),
    ("f(2) = 3; f(1)", P, "left side of '='", 1),
    ("f(t) = t^2", P, "ends with the definition of f", 1),
    ("f(t) = t; f(1, 2)", P, "f takes 1 argument, not 2", 11),
    ("f(t) = t; f + 1", P, "f is a function defined above", 11),
    ("u = 1; u[i]", P, "u cannot be indexed", 8),
    # LaTeX
    ("\\foo x", P, "unknown LaTeX command '\\foo'", 1),
    ("\\frac{1}", P, "expected a number, a name or '('", 9),
    ("\\sqrt[x]{y}", P, "root index must be a whole number", 1),
    ("\\operatorname x", P, "must be followed by a name in braces", 1),
    # undefined values
    ("1/0", P, "division by zero", 2),
    ("x/(y-y)", P, "division by zero", 2),
    ("log(0)", P, "undefined", 1),
    ("sqrt(-1)", P, "imaginary", 1),
    # budget
    ("9**9**9**9", B, "digits; the limit is 4,000", 5),
    ("2^(10^10)", B, "digits; the limit is 4,000", 2),
    ("((9**9)**9999)**9999", B, "digits; the limit is 4,000", 8),
    ("(2x)^(10^10)", B, "digits", 5),
    ("sqrt(2)^(10^10)", B, "digits", 8),
    ("sqrt(10^200 + 1)", B, "digits", 1),
    ("1" * 5000, B, "a number with 5,000 digits", 1),
    ("(" * 10_000 + "x" + ")" * 10_000, B, "more than 50 brackets deep", 51),
    ("-" * 10_000 + "x", B, "more than 50 signs in a row", 51),
    ("sin(" * 2000 + "x" + ")" * 2000, B, "more than 50 brackets deep", 204),
    ("sin " * 3000 + "x", B, "more than 50 functions applied in a row", 201),
    ("x" + "^x" * 300, B, "nests more than 200 operations", None),
    ("x" * 100_001, B, "the limit is 100,000", None),
    ("x+" * 30_000 + "x", B, "more than 25,000 tokens", 25_001),
    ("a0 = x; " + "".join(f"a{k} = sin(a{k - 1}); " for k in range(1, 120)) + "a119",
     B, "levels deep", None),
    ("a0 = x + 1; " + "".join(f"a{k} = a{k - 1}*a{k - 1} + a{k - 1}; " for k in range(1, 40)) + "a39",
     B, "nodes", None),
]


@pytest.mark.parametrize("text,cls,fragment,column", REJECTED,
                         ids=[repr(t[:24]) for t, *_ in REJECTED])
def test_rejected(text, cls, fragment, column):
    with pytest.raises(cls) as info:
        parse(text)
    err = info.value
    assert fragment in str(err)
    assert isinstance(err, SymgdError) and isinstance(err, ValueError)
    assert err.column == column
    if column is not None:
        line = err.context.split("\n")
        assert line[-1] == " " * (column - 1) + "^"


def test_table_size():
    assert len(REJECTED) >= 40


def test_expected_tokens_are_in_words_not_token_names():
    for text in ("x +", "(x", "2^^3", "x = ", "\\frac{1}", "sin(x,", "x[1,"):
        with pytest.raises(ParseError) as info:
            parse(text)
        message = str(info.value)
        for internal in ("LPAR", "RPAR", "NAME", "NUMBER", "ADD_OP", "MUL_OP", "$END", "FUNC"):
            assert internal not in message


def test_context_shows_the_offending_line_of_multiline_input():
    with pytest.raises(ParseError) as info:
        parse("u = x^2\nv = u +* 1\nv")
    err = info.value
    assert err.line == 2 and err.column == 8
    assert err.context == "v = u +* 1\n       ^"


def test_unknown_function_is_a_parse_error_and_value_error():
    with pytest.raises(ValueError):
        parse("sinn(x)")
