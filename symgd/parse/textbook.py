"""Textbook readings decided on the parse tree, before any SymPy (docs/language.md, "Textbook readings").

- a function applied to a parenthesised argument ends there: ``sinh^5 (x) cosh (x)`` = sinh(x)^5 cosh(x);
- a bare one-letter argument followed by a bracket is a product: ``cos x(x + 1)`` = cos(x)(x + 1);
- a power binds tighter than a one-letter name glued to a bracket: ``x(3x^2 + 1)^2`` = x (3x^2 + 1)^2,
  ``E**x(1 + x)`` = e^x (1 + x) and ``e^x(1 + x)^2`` = e^x (1 + x)^2.
- a run of letters that are this input's one-letter variables is their product: ``2xy`` = 2·x·y, also
  before a bracket (``xy(x + y)^2`` = x·y·(x + y)^2); ``sinx`` = sin(x).
A Unicode superscript (``x(x + 1)²``) is a power like ``^``: every rewrite of a ``pow`` node also applies
to a ``pow_superscript`` node (whose exponent is one token, never a letter's bracket).
The rewrites mark a function's argument with a ``head_arg`` node (apply.HeadArg) or reshape the tree;
user-defined functions (``f(x) = ...``) are never touched.
"""
from __future__ import annotations

import keyword

from lark import Token, Tree
from lark.tree import Meta

from symgd.parse.latex import GREEK_WORDS

#: Names never split into letters: constants, Greek letters and function names spelled out.
_KEEP = frozenset({"pi", "inf", "oo", "nan"}) | GREEK_WORDS
#: ``sinx``: a function name glued to one of these letters is that function applied (noted).
_FUNC_NAMES = ("sinh", "cosh", "tanh", "sin", "cos", "tan", "sec", "csc", "cot", "exp", "ln", "log")
_FUNC_ARGS = frozenset("xyz")
#: The two power nodes: ``x^2`` (base, op, exponent) and ``x²`` (base, SUPERSCRIPT token).
_POWERS = ("pow", "pow_superscript")


class NotedMeta(Meta):
    """The position of a node this module rewrote and noted (the transformer adds no note of its own)."""


def _start(node) -> int:
    if isinstance(node, Tree):
        return node.meta.start_pos if not node.meta.empty else _start(node.children[0])
    return node.start_pos


def _meta(start: int, end: int) -> Meta:
    meta = Meta()
    meta.start_pos, meta.end_pos, meta.empty = start, end, False
    return meta


def _user_functions(tree: Tree) -> set[str]:
    """Names defined as functions in this input (``f(t) = ...``)."""
    return {stmt.children[0].children[0].value for stmt in tree.children
            if isinstance(stmt, Tree) and stmt.data == "assign" and isinstance(stmt.children[0], Tree)
            and stmt.children[0].data == "name_call"}


def _letter_call(node, functions: set[str]) -> bool:
    """``x(...)`` with one argument, x a one-letter name that is not a defined function."""
    return isinstance(node, Tree) and node.data == "name_call" and len(node.children) == 2 \
        and len(node.children[0].value) == 1 and node.children[0].value not in functions


def _symbol(tok: Token) -> Tree:
    return Tree("symbol", [Token.new_borrow_pos("NAME", tok.value, tok)])


def textbook_reading(tree: Tree, source: str, known: frozenset[str] = frozenset(),
                     latex: bool = False) -> list[str]:
    """Rewrite ``tree`` in place to the textbook readings; returns the notes of the rewrites.

    ``known`` are one-letter variables from elsewhere (check's answer knows the expression's)."""
    functions, notes = _user_functions(tree), []
    letters, defined = known | _letters(tree), _defined(tree)
    nodes = list(tree.iter_subtrees())
    for node in nodes:  # letter runs first: a power then takes only the last letter
        if node.data == "symbol" and not latex:
            _letter_run(node, letters, defined, notes)
        elif node.data == "name_call" and not latex:
            _letter_run_call(node, letters, defined | functions, source, notes)
    for node in nodes:  # before the inner power is read as x·(…)^2 on its own
        if node.data == "pow":
            _exponent_power(node, functions, source, notes)
    letter_powers: set[int] = set()  # ids of the x·(…)^2 nodes _power made from x(…)^2
    for node in nodes:  # bottom-up: a power inside a product is rewritten before the product
        if node.data in _POWERS:
            if _power(node, functions, source, notes):
                letter_powers.add(id(node))
            _power_of_run(node)
        elif node.data == "juxtapose":
            _arguments(node, functions, source, letter_powers)
        elif node.data == "mul":
            _numeric_fraction(node, source, notes)
    return notes


def _letters(tree: Tree) -> frozenset[str]:
    """The one-letter names written anywhere in the input (as variables, parameters or in ``d/dx``)."""
    named = {tok.value for node in tree.iter_subtrees() if node.data in ("symbol", "name_call")
             for tok in node.children[:1] if isinstance(tok, Token)}
    named.update(v for node in tree.iter_subtrees() if node.data in ("derivative", "derivative_at")
                 for v in node.children[0].value.split(","))
    return frozenset(n for n in named if len(n) == 1 and n.isalpha())


def _defined(tree: Tree) -> set[str]:
    """Names on the left of a definition (never split: ``ab = 2; ab x``)."""
    return {stmt.children[0].children[0].value for stmt in tree.children
            if isinstance(stmt, Tree) and stmt.data == "assign" and isinstance(stmt.children[0], Tree)
            and stmt.children[0].children and isinstance(stmt.children[0].children[0], Token)}


def _splittable(name: str, defined: set[str]) -> bool:
    """A run of two or more ASCII letters that is not a constant, Greek word, definition or keyword."""
    return name.isascii() and name.isalpha() and len(name) > 1 and name not in _KEEP \
        and name not in defined and not keyword.iskeyword(name)


def _split(tok: Token) -> list[Tree]:
    """The letters of the name ``tok``, each a symbol at its own column."""
    return [Tree("symbol", [Token("NAME", c, tok.start_pos + k, tok.line, tok.column + k, tok.end_line,
                                  tok.column + k + 1, tok.start_pos + k + 1)]) for k, c in enumerate(tok.value)]


def _letter_run_call(node: Tree, letters: frozenset[str], defined: set[str], source: str,
                     notes: list[str]) -> None:
    """``xy(x + y)`` = x·y·(x + y) when x and y are variables elsewhere (as ``x(x + y)`` is x·(x + y));
    a power after the bracket takes the bracket only (``_power_of_run``)."""
    tok, *args = node.children
    if len(args) != 1 or not _splittable(tok.value, defined) or not set(tok.value) <= letters:
        return
    node.data, node.children = "letters", [*_split(tok), args[0]]
    notes.append(f"`{source[tok.start_pos:node.meta.end_pos]}` read as the product "
                 f"{'·'.join(tok.value)}·(…): each letter is a variable of this input")


def _letter_run(node: Tree, letters: frozenset[str], defined: set[str], notes: list[str]) -> None:
    """``xy`` = x·y when x and y are variables elsewhere; ``sinx`` = sin(x) (the function, noted)."""
    (tok,) = node.children
    name = tok.value
    if not _splittable(name, defined):
        return
    parts = _split(tok)
    func = next((f for f in _FUNC_NAMES if name.startswith(f) and name[len(f):] in _FUNC_ARGS), None)
    if func is not None:
        head = Tree("fhead", [Token.new_borrow_pos("FUNC", func, tok)], _meta(tok.start_pos, tok.start_pos + len(func)))
        node.data, node.children = "juxtapose", [head, parts[-1]]
        notes.append(f"`{name}` read as {func}({name[len(func):]}), the function {func}; "
                     f"write {func}({name[len(func):]}) to say so")
    elif set(name) <= letters:
        node.data, node.children = "letters", parts
        notes.append(f"`{name}` read as the product {'·'.join(name)}: each letter is a variable "
                     "of this input")


def _power_of_run(node: Tree) -> None:
    """``xy^2``, ``xy²`` (a run split into letters) = x·y^2: the power takes the last letter only."""
    if node.data not in _POWERS or not (isinstance(node.children[0], Tree)
                                        and node.children[0].data == "letters"):
        return
    (run, *exponent), kind, node.data = node.children, node.data, "juxtapose"
    *first, last = run.children
    node.children = [*first, Tree(kind, [last, *exponent], _meta(_start(last), node.meta.end_pos))]


def _is_number(node) -> bool:
    return isinstance(node, Tree) and node.data == "number"


def _numeric_fraction(node: Tree, source: str, notes: list[str]) -> None:
    """``1/2 x^2`` = (1/2)·x^2: a number over a number followed by a space ends the divisor there
    (``1/2x`` stays 1/(2x): no space)."""
    children = list(node.children[:1])
    for op, factor in zip(node.children[1::2], node.children[2::2]):
        if op.value in "/÷" and _is_number(children[-1]) and isinstance(factor, Tree) \
                and factor.data == "juxtapose" and _is_number(factor.children[0]) \
                and source[factor.children[0].meta.end_pos:][:1].isspace():
            number, *rest = factor.children
            tail = rest[0] if len(rest) == 1 else Tree("juxtapose", rest, _meta(_start(rest[0]),
                                                                                factor.meta.end_pos))
            children += [op, number, Token.new_borrow_pos("MUL_OP", "*", op), tail]
            notes.append(f"`{source[_start(children[-5]):factor.meta.end_pos]}` read as "
                         f"({source[_start(children[-5]):number.meta.end_pos]})·"
                         f"{source[number.meta.end_pos:factor.meta.end_pos].strip()}: a number over a number, "
                         "then a space, is a fraction times what follows")
        else:
            children += [op, factor]
    node.children = children


def _power(node: Tree, functions: set[str], source: str, notes: list[str]) -> bool:
    """``x(3x^2 + 1)^2``, ``x(3x^2 + 1)²`` = x·(3x^2 + 1)^2; ``E**x(1 + x)`` = e^x·(1 + x).

    True when the base was a letter's bracket (the node is now the product x·(…)^2)."""
    (base, *exponent), kind = node.children, node.data
    text = source[node.meta.start_pos:node.meta.end_pos]
    if _letter_call(base, functions):  # x(3x^2 + 1)^2 = x * (3x^2 + 1)^2
        tok, inner = base.children
        node.children = [_symbol(tok), Tree(kind, [inner, *exponent], _meta(tok.end_pos, node.meta.end_pos))]
        node.data = "juxtapose"
        power = "^…" if kind == "pow" else exponent[0].value
        notes.append(f"`{text}` read as {tok.value}·(…){power}: the power binds tighter than the product")
        return True
    if kind == "pow" and _letter_call(exponent[1], functions):  # E**x(1 + x) = e^x * (1 + x)
        op, (tok, inner) = exponent[0], exponent[1].children
        meta = NotedMeta()  # noted here, so the transformer's generic "the exponent is one factor" is not
        meta.start_pos, meta.end_pos, meta.empty = node.meta.start_pos, tok.end_pos, False
        node.children = [Tree("pow", [base, op, _symbol(tok)], meta), inner]
        node.data = "juxtapose"
        notes.append(f"`{text}` read as ({source[node.meta.start_pos:tok.end_pos]})·(…): "
                     "the exponent is the one letter")
    return False


def _exponent_power(node: Tree, functions: set[str], source: str, notes: list[str]) -> None:
    """``e^x(1 + x)^2``, ``e^x(1 + x)²`` = e^x·(1 + x)^2: the exponent is the one letter, the bracket keeps
    its own power (the parser read e^(x(1 + x)^2))."""
    base, op, exponent = node.children
    if not (isinstance(exponent, Tree) and exponent.data in _POWERS
            and _letter_call(exponent.children[0], functions)):
        return
    tok, inner = exponent.children[0].children
    power = "^…" if exponent.data == "pow" else exponent.children[1].value
    meta = NotedMeta()
    meta.start_pos, meta.end_pos, meta.empty = node.meta.start_pos, tok.end_pos, False
    exponent.children[0] = inner
    exponent.meta.start_pos = tok.end_pos
    node.children, node.data = [Tree("pow", [base, op, _symbol(tok)], meta), exponent], "juxtapose"
    notes.append(f"`{source[node.meta.start_pos:node.meta.end_pos]}` read as "
                 f"({source[node.meta.start_pos:tok.end_pos]})·(…){power}: the exponent is the one letter")


def _arguments(node: Tree, functions: set[str], source: str, letter_powers: set[int]) -> None:
    """Mark where a function's argument ends: at a parenthesised group or before a letter's bracket
    (``sin x(x + 1)`` and ``sin x(x + 1)^2``: the argument is x)."""
    children: list = []
    items = node.children
    for k, item in enumerate(items):
        head = children[-1] if children else None
        after_head = isinstance(head, Tree) and head.data == "fhead" and k > 0
        if after_head and _letter_call(item, functions):
            tok, inner = item.children
            children += [Tree("head_arg", [_symbol(tok)]), inner]
            continue
        if after_head and id(item) in letter_powers:  # x·(…)^2, made by _power from x(…)^2
            letter, power = item.children
            children += [Tree("head_arg", [letter]), power]
            continue
        if after_head and _parenthesised(items[k - 1], item, source):
            item = Tree("head_arg", [item])
        children.append(item)
    node.children = children


def _parenthesised(head: Tree, item, source: str) -> bool:
    """True when ``item`` is written as ``( ... )`` right after the function ``head``."""
    start = _start(item)
    gap = source[head.meta.end_pos:start].strip()
    return gap == "(" or (not gap and source[start:start + 1] == "(")
