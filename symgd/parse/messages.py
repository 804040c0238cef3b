"""Turning positions and Lark's exceptions into symgd errors a person can read.

Every message names what is wrong, shows the input line with a caret under the column, says what
was expected in words (never grammar token names) and, for the common slips, how to fix it.
"""
from __future__ import annotations

import unicodedata

import sympy
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from symgd.errors import ParseError

# What each terminal means to a person; terminals missing here are never worth listing.
_WORDS = {
    "RPAR": "')'", "RBRACE": "'}'", "RSQB": "']'", "BAR_CLOSE": "a closing '|'",
    "COMMA": "','", "$END": "the end of the input",
}
_OPERATORS = {"ADD_OP", "MUL_OP", "POW"}
_OPERANDS = {"NUMBER", "NAME", "LPAR"}
_CLOSERS = {"RPAR", "RBRACE", "RSQB", "BAR_CLOSE"}
_OPENERS = {"LPAR": ")", "LBRACE": "}", "LSQB": "]", "BAR_OPEN": "|"}


def position(text: str, pos: int) -> tuple[int, int]:
    """1-based (line, column) of character offset ``pos`` in ``text``."""
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def caret(text: str, pos: int) -> str:
    """The line holding ``pos`` and, below it, a caret under that character."""
    line_no, column = position(text, pos)
    line = text.split("\n")[line_no - 1].replace("\t", " ")
    return f"{line}\n{' ' * (column - 1)}^"


def error_at(text: str, pos: int, message: str, *, hint: str | None = None,
             cls: type[ParseError] = ParseError) -> ParseError:
    """A ``cls`` error pointing at character offset ``pos`` of ``text``."""
    line, column = position(text, pos)
    if text.count("\n"):
        message = f"{message} (line {line}, column {column})"
    return cls(message, text=text, line=line, column=column, context=caret(text, pos), hint=hint)


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def expected_words(expected: set[str] | frozenset[str]) -> str:
    """``{'NUMBER', 'NAME', 'LPAR', ...}`` as "a number, a name or '('"."""
    words = []
    if _OPERANDS & set(expected):
        words.append("a number, a name or '('")
    elif _OPERATORS & set(expected):
        words.append("an operator")
    words += [w for t, w in _WORDS.items() if t in expected]
    return _join(words) if words else "something else"


def describe(token: Token) -> str:
    """A token as a person would name it: "the name 'y'", "the number 3", "')'"."""
    kinds = {"NUMBER": "the number", "NAME": "the name", "NAME_CALL": "the name",
             "FUNC": "the function", "FUNC_CALL": "the function"}
    if token.type in kinds:
        return f"{kinds[token.type]} '{token.value}'"
    if token.type == "_SEP":
        return "';'" if token.value == ";" else "a new line"
    return f"'{token.value}'"


def unclosed(tokens: list[Token]) -> Token | None:
    """The innermost bracket or bar left open in ``tokens`` (the tokens before the error)."""
    pairs = {"RPAR": "LPAR", "RBRACE": "LBRACE", "RSQB": "LSQB", "BAR_CLOSE": "BAR_OPEN"}
    stack: list[Token] = []
    for tok in tokens:
        if tok.type in _OPENERS:
            stack.append(tok)
        elif tok.type in pairs and stack and stack[-1].type == pairs[tok.type]:
            stack.pop()
    return stack[-1] if stack else None


def _end_of_input(text: str, seen: list[Token], expected) -> ParseError:
    pos = len(text.rstrip())
    last = seen[-1] if seen else None
    open_tok = unclosed(seen)
    if last is not None and last.type in ("FUNC", "SUBSCRIPT"):
        return error_at(text, pos, "the input ends with a function that has no argument",
                        hint="a function needs an argument, as in sin x or sin(x)")
    if last is not None and last.type in _OPERATORS:
        what = "an exponent" if last.type == "POW" else "a term" if last.type == "ADD_OP" else "a factor"
        return error_at(text, pos, f"the input ends with '{last.value}': {what} is missing after it",
                        hint=f"complete it or remove the trailing '{last.value}'")
    if open_tok is not None and _OPENERS[open_tok.type] in ")]}|":
        close = _OPENERS[open_tok.type]
        _, col = position(text, open_tok.start_pos)
        return error_at(text, pos, f"unbalanced brackets: '{open_tok.value}' at column {col} is never closed",
                        hint=f"add '{close}' to close it")
    return error_at(text, pos, f"unexpected end of input; expected {expected_words(expected)}")


def _token_hint(tok: Token, seen: list[Token]) -> str | None:
    if seen and seen[-1].type in ("FUNC", "SUBSCRIPT"):
        return "a function needs an argument, as in sin x or sin(x)"
    if tok.type in _CLOSERS and tok.type != "BAR_CLOSE" and unclosed(seen) is None:
        return f"'{tok.value}' has no matching opening bracket; remove it or add one before"
    if tok.type == "COMMA" and not any(t.type in ("FUNC_CALL", "NAME_CALL", "LSQB") for t in seen):
        return "',' only separates function arguments; decimals use '.' as in 0.5"
    if tok.type == "EQUAL":
        return "'=' only defines a name, as in 'u = x^2; sin(u)'; a comparison is where's condition"
    if tok.type == "CMP_OP":
        return f"a comparison ('{tok.value}') is only the condition of where, as in where(x > 0, 1/x, 0)"
    if tok.type in _OPERATORS and seen and seen[-1].type in _OPERATORS:
        return f"two operators in a row: '{seen[-1].value}' followed by '{tok.value}'"
    return None


def from_unexpected_token(text: str, exc: UnexpectedToken, seen: list[Token]) -> ParseError:
    """A ParseError for a token the grammar does not allow where it stands."""
    tok = exc.token
    expected = exc.accepts or exc.expected
    if tok.type == "$END":
        return _end_of_input(text, seen, expected)
    if tok.type == "_SEP" and seen and seen[-1].type in _OPERATORS:
        return error_at(text, seen[-1].start_pos, f"'{seen[-1].value}' has nothing after it",
                        hint="complete the expression before the ';' or new line")
    if tok.type == "SUBSCRIPT":
        return error_at(text, tok.start_pos, "names cannot begin with '_'",
                        hint="start the name with a letter, as in x_1")
    message = f"unexpected {describe(tok)}; expected {expected_words(expected)}"
    return error_at(text, tok.start_pos, message, hint=_token_hint(tok, seen))


_CHAR_HINTS = {
    "_": ("names cannot begin with '_'", "start the name with a letter, as in x_1"),
    "'": ("strings are not part of the language", "write math only, e.g. sin(x)"),
    '"': ("strings are not part of the language", "write math only, e.g. sin(x)"),
    "!": ("factorials are not supported", None),
    "\\": ("a backslash must start a LaTeX command such as \\frac or \\sin", None),
    "$": ("'$' may only wrap the whole input, as in $x^2$", None),
}


def from_unexpected_character(text: str, exc: UnexpectedCharacters) -> ParseError:
    """A ParseError for a character no token can start with."""
    pos = exc.pos_in_stream
    char = text[pos] if pos < len(text) else ""
    if char == "." and pos + 1 < len(text) and (text[pos + 1].isalpha() or text[pos + 1] == "_"):
        return error_at(text, pos, "attribute access with '.' is not allowed",
                        hint="write math only; use '*' to multiply")
    if char == "_" and pos > 0 and text[pos - 1].isalnum():
        return error_at(text, pos, "'_' must be followed by a subscript",
                        hint="write x_1 or w_{0}")
    if char in _CHAR_HINTS:
        message, hint = _CHAR_HINTS[char]
        return error_at(text, pos, message, hint=hint)
    if unicodedata.decomposition(char).startswith("<fraction>"):  # ½ ⅓ ¾: not a number, not a power
        written = "".join(chr(int(code, 16)) for code in unicodedata.decomposition(char).split()[1:])
        return error_at(text, pos, f"'{char}' is not read as a number; write {written.replace('⁄', '/')}",
                        hint="a power is written with ^, as in x^(1/2)")
    if char.isalpha():
        return error_at(text, pos, f"unexpected character '{char}'",
                        hint="names use Latin letters, digits and '_'; Greek letters stand alone")
    return error_at(text, pos, f"unexpected character '{char}'")


def from_lark(text: str, exc: UnexpectedInput, seen: list[Token]) -> ParseError:
    """Dispatch on Lark's exception type."""
    if isinstance(exc, UnexpectedCharacters):
        return from_unexpected_character(text, exc)
    if isinstance(exc, UnexpectedToken):
        return from_unexpected_token(text, exc, seen)
    return error_at(text, len(text.rstrip()), "unexpected end of input")


_UNDEFINED = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def bad_constant(expr: sympy.Basic) -> sympy.Basic | None:
    """The first constant part of ``expr`` that is not a finite real number (``zoo``, ``I``,
    ``(-8)**(1/3)``, ``asin(2)``), or None. Each distinct subexpression is visited once."""
    seen: set = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.is_Atom:
            if node in _UNDEFINED or node is sympy.I:
                return node
            continue
        if (node.is_Pow or node.is_Function) and node.is_number and node.is_extended_real is False:
            return node
        stack.extend(node.args)
    return None


def shown(value: sympy.Basic | str, limit: int = 60) -> str:
    """``value`` as text, cut to ``limit`` characters with an ellipsis (for one-line messages)."""
    text = value if isinstance(value, str) else sympy.sstr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plain(value: sympy.Basic) -> str:
    """A number as typed: 0.5, not 0.500000000000000."""
    return sympy.sstr(value, full_prec=False)


def constant_message(value: sympy.Expr, what: str = "this constant") -> str:
    """"... is undefined" for an infinite or undefined constant, "... is not a real number" otherwise."""
    if value.has(*_UNDEFINED):
        return f"{shown(what)} is undefined (an infinite or undefined value, as for 1/0 or log(0))"
    return f"{shown(what)} is not a real number: it has an imaginary part ({shown(value)}); symgd works " \
           "with real numbers"
