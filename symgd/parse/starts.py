"""What a statement starts with, decided on tokens: a derivative operator, or a Python statement.

- ``d/dx (x^3)``, ``d^2/dx^2 x^3``, ``d²/dx² …``, ``∂/∂x …``, ``∂²/∂x∂y …``, ``\\frac{d}{dx} …`` and
  ``\\frac{\\partial^2}{\\partial x \\partial y} …`` at the start of a statement become one DIFF token
  whose value is the variables in differentiation order (the grammar's ``derivative`` rule: the operand
  is everything after it). ∂²f/∂x∂y = ∂/∂x(∂f/∂y): the rightmost variable is differentiated first.
- ``import os``, ``from os import path``, ``def f(x): …``, ``class A:`` and ``lambda x: x`` at the start of
  a statement are refused ("this is Python, not math"); the keywords stay ordinary names elsewhere
  (``lambda*x``, ``(import - 1)^2``).
The rules need many tokens of lookahead, more than the LALR grammar has, so they run in the postlexer.
"""
from __future__ import annotations

from collections.abc import Iterator

from lark import Token
from lark.exceptions import UnexpectedCharacters

from symgd.errors import ParseError

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_OPENS, _CLOSES = {"LPAR", "LBRACE", "LSQB"}, {"RPAR", "RBRACE", "RSQB"}
_ENDS = {"SEMICOLON", "NEWLINE"}
#: A derivative order above this is refused (a typo, and SymPy would build a huge expression).
MAX_ORDER = 20
PYTHON_HINT = "this is Python, not math: type an expression such as x^2 + sin(x) " \
              "(a keyword is an ordinary name inside one, as in lambda*x)"


class Fail(Exception):
    """A refused input at ``token`` (the postlexer turns it into a ParseError with a caret)."""

    def __init__(self, token: Token, message: str, hint: str | None = None,
                 cls: type[ParseError] = ParseError) -> None:
        super().__init__(message)
        self.token, self.message, self.hint, self.cls = token, message, hint, cls


class _Tokens:
    """The token stream with look-ahead: ``peek(k)`` buffers; the lexer's error is kept, not raised early."""

    def __init__(self, stream: Iterator[Token]) -> None:
        self.stream, self.buffer = stream, []
        self.error: UnexpectedCharacters | None = None

    def peek(self, k: int) -> Token | None:
        while len(self.buffer) <= k and self.error is None:
            try:
                tok = next(self.stream, None)
            except UnexpectedCharacters as exc:
                self.error = exc
                break
            if tok is None:
                break
            self.buffer.append(tok)
        return self.buffer[k] if k < len(self.buffer) else None

    def take(self, n: int) -> list[Token]:
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out


def statement_starts(stream: Iterator[Token]) -> Iterator[Token]:
    """``stream`` with derivative operators merged into DIFF tokens (DIFF_AT inside an expression) and
    Python statements refused; the ``[ ]`` right after an operator become ``( )`` (``d/dx [x^2]``)."""
    tokens, depth, start = _Tokens(stream), 0, True
    squares: list[int] = []  # depths at which a `[` after an operator was opened
    while True:
        if start:
            _python(tokens)
        diff = _operator(tokens) if start else _inline_operator(tokens)
        if diff is not None:
            yield diff
        tok = tokens.peek(0)
        if tok is None:
            if tokens.error is not None:
                raise tokens.error
            return
        tokens.take(1)
        if tok.type == "PARTIAL":
            raise Fail(tok, "'∂' is read only in a derivative operator, as in ∂/∂x (x^2 y)",
                       "write the operator before what it differentiates: ∂/∂x (...), "
                       "or use symgd grad --wrt x")
        if diff is not None and tok.type == "LSQB":
            squares.append(depth)
            tok = Token.new_borrow_pos("LPAR", tok.value, tok)
        depth += (tok.type in _OPENS) - (tok.type in _CLOSES)
        if tok.type == "RSQB" and squares and squares[-1] == depth:
            squares.pop()
            tok = Token.new_borrow_pos("RPAR", tok.value, tok)
        start = tok.type in _ENDS and depth <= 0
        yield tok


# ------------------------------------------------------------------ Python statements
def _python(tokens: _Tokens) -> None:
    first, second = tokens.peek(0), tokens.peek(1)
    if first is None or first.type != "NAME" or first.value not in ("import", "from", "def", "class",
                                                                      "lambda"):
        return
    word, third = first.value, tokens.peek(2)
    colon = tokens.error is not None and tokens.error.char == ":"
    if word == "lambda":
        k = 1
        while (tok := tokens.peek(k)) is not None and tok.type in ("NAME", "COMMA"):
            k += 1
        python = tokens.peek(k) is None and colon
    elif second is None or second.type != "NAME":
        return
    elif word == "import":
        python = True
    elif word == "from":
        python = third is not None and third.type == "NAME" and third.value == "import"
    else:  # def f(x): / class A: / class A(B):
        python = (third is not None and third.type == "LPAR" and third.start_pos == second.end_pos) or \
            (third is None and colon)
    if python:
        raise Fail(first, f"'{word}' starts a Python statement; symgd reads math", PYTHON_HINT)


# ------------------------------------------------------------------ derivative operators
def _operator(tokens: _Tokens) -> Token | None:
    """A DIFF token for a Leibniz operator at the head of ``tokens`` (consumed), else None."""
    first = tokens.peek(0)
    if first is None:
        return None
    if first.type == "FRAC":
        found = _latex_operator(tokens)
    elif (first.type == "NAME" and first.value == "d") or first.type == "PARTIAL":
        found = _slash_operator(tokens)
    else:
        return None
    if found is None:
        return None
    used, variables = found
    after = tokens.peek(used)
    if after is None or after.type in _ENDS:
        raise Fail(first, "a derivative operator needs an expression after it",
                   "write it before what it differentiates, as in d/dx (x^3)")
    toks = tokens.take(used)
    return Token("DIFF", ",".join(reversed(variables)), first.start_pos, first.line, first.column,
                 toks[-1].end_line, toks[-1].end_column, toks[-1].end_pos)


def _inline_operator(tokens: _Tokens) -> Token | None:
    """A DIFF_AT token for a derivative operator inside an expression (``3 + d/dx (x^2)``), which must be
    followed by a bracket: that bracket is what it differentiates (docs/language.md says why)."""
    first = tokens.peek(0)
    if first is None or not (first.type in ("FRAC", "PARTIAL") or
                             (first.type == "NAME" and first.value == "d")):
        return None
    found = _latex_operator(tokens) if first.type == "FRAC" else _slash_operator(tokens)
    if found is None:
        return None
    used, variables = found
    after = tokens.peek(used)
    if after is None or after.type not in _OPENS:
        raise Fail(first, "a derivative operator inside an expression differentiates the bracket right "
                          "after it, and none follows",
                   "write 3 + d/dx (x^2), or put the operator first: d/dx x^2 + 3; to divide d by dx, "
                   "write d/(dx)")
    toks = tokens.take(used)
    return Token("DIFF_AT", ",".join(reversed(variables)), first.start_pos, first.line, first.column,
                 toks[-1].end_line, toks[-1].end_column, toks[-1].end_pos)


def _slash_operator(tokens: _Tokens) -> tuple[int, list[str]] | None:
    """``d/dx``, ``d^2/dx^2``, ``d²/dx²``, ``∂/∂x``, ``∂²/∂x∂y``: (tokens used, variables as written)."""
    top = _numerator(tokens, 0)
    if top is None:
        return None
    k, order, partial = top
    slash = tokens.peek(k)
    if slash is None or slash.type != "MUL_OP" or slash.value != "/":
        return None
    bottom = _denominator(tokens, k + 1, partial)
    if bottom is None:
        return None
    end, variables = bottom
    _check_order(tokens.peek(0), order, variables)
    return end, variables


def _latex_operator(tokens: _Tokens) -> tuple[int, list[str]] | None:
    r"""``\frac{d}{dx}``, ``\frac{d^2}{dx^2}``, ``\frac{\partial^2}{\partial x \partial y}``."""
    if not _is(tokens.peek(1), "LBRACE"):
        return None
    top = _numerator(tokens, 2)
    if top is None:
        return None
    k, order, partial = top
    if not (_is(tokens.peek(k), "RBRACE") and _is(tokens.peek(k + 1), "LBRACE")):
        return None
    bottom = _denominator(tokens, k + 2, partial)
    if bottom is None or not _is(tokens.peek(bottom[0]), "RBRACE"):
        return None
    _check_order(tokens.peek(0), order, bottom[1])
    return bottom[0] + 1, bottom[1]


def _is(tok: Token | None, type_: str) -> bool:
    return tok is not None and tok.type == type_


def _numerator(tokens: _Tokens, k: int) -> tuple[int, int, bool] | None:
    """``d``, ``d^2``, ``d²``, ``∂^{2}`` at k: (next position, order, whether it is ∂)."""
    tok = tokens.peek(k)
    partial = _is(tok, "PARTIAL")
    if not (partial or (_is(tok, "NAME") and tok.value == "d")):
        return None
    k, order = _order(tokens, k + 1)
    return k, order, partial


def _order(tokens: _Tokens, k: int) -> tuple[int, int]:
    """An optional order after a d, ∂ or variable: ``^2``, ``^{2}``, ``²`` -> (next position, order)."""
    tok = tokens.peek(k)
    if _is(tok, "SUPERSCRIPT") and tok.value.translate(_SUPERSCRIPT).isdigit():
        return k + 1, int(tok.value.translate(_SUPERSCRIPT))
    if not _is(tok, "POW"):
        return k, 1
    nxt = tokens.peek(k + 1)
    if _is(nxt, "NUMBER") and nxt.value.isdigit():
        return k + 2, int(nxt.value)
    if _is(nxt, "LBRACE") and _is(tokens.peek(k + 2), "NUMBER") and tokens.peek(k + 2).value.isdigit() \
            and _is(tokens.peek(k + 3), "RBRACE"):
        return k + 4, int(tokens.peek(k + 2).value)
    return k, 1


def _denominator(tokens: _Tokens, k: int, partial: bool) -> tuple[int, list[str]] | None:
    """``dx``, ``dx^2``, ``d x``, ``∂x∂y``, ``∂x^2``: (next position, variables, each repeated by its order).
    An ordinary d has one variable; ∂ may have several."""
    variables: list[str] = []
    while True:
        tok = tokens.peek(k)
        if partial and _is(tok, "PARTIAL") and _is(tokens.peek(k + 1), "NAME"):
            name, k = tokens.peek(k + 1).value, k + 2
        elif not partial and not variables and _is(tok, "NAME") and tok.value.startswith("d") \
                and len(tok.value) > 1 and tok.value[1].isalpha():
            name, k = tok.value[1:], k + 1
        elif not partial and not variables and _is(tok, "NAME") and tok.value == "d" \
                and _is(tokens.peek(k + 1), "NAME"):
            name, k = tokens.peek(k + 1).value, k + 2
        else:
            return (k, variables) if variables else None
        k, order = _order(tokens, k)
        variables += [name] * min(order, MAX_ORDER + 1)


def _check_order(head: Token, order: int, variables: list[str]) -> None:
    if max(order, len(variables)) > MAX_ORDER:
        raise Fail(head, f"a derivative of order {max(order, len(variables))}; the limit is {MAX_ORDER}")
    if order != len(variables):
        raise Fail(head, f"the derivative operator's orders do not match: {order} on top, "
                         f"{len(variables)} below", "write d^2/dx^2, or ∂^2/∂x∂y for a mixed derivative")
