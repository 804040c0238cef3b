"""Text -> Program: parse the statements, build each with the Transformer, check the budget.

A program is definitions (``u = x^2 + y^2``, ``P3(t) = (5t^3 - 3t)/2``) separated by ``;`` or new
lines, then the expression. Definitions are substituted into the expression, and kept by name for
the explanations.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import sympy
from lark import Token, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError

from symgd.errors import BudgetError, ParseError, SymgdError
from symgd.parse import budget
from symgd.parse._loader import get_parser
from symgd.parse._postlex import _Fail
from symgd.parse.latex import is_latex, strip_dollars
from symgd.parse.messages import bad_constant, error_at, from_lark, shown
from symgd.parse.names import clean_name
from symgd.parse.leibniz import check_request, operand
from symgd.parse.textbook import textbook_reading
from symgd.parse.transformer import ToSympy


@dataclass(frozen=True)
class Program:
    """What the input meant: the final expression, its variables, definitions and reading notes."""

    expr: sympy.Expr
    variables: tuple[sympy.Symbol, ...]
    definitions: Mapping[str, tuple[tuple[sympy.Symbol, ...], sympy.Expr]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False)
    notes: list[str] = field(default_factory=list, hash=False)
    source: str = ""
    #: The variables of a derivative operator written first (``d²/dx²`` -> ("x", "x")), in the order they
    #: are differentiated; None without one. ``expr`` is then what it differentiates.
    derivative: tuple[str, ...] | None = None


def sorted_variables(expr: sympy.Expr) -> tuple[sympy.Symbol, ...]:
    """Free symbols (and array names of ``x[i]``) sorted by name: the one order of every stage."""
    free = {s.name: s for s in expr.free_symbols if isinstance(s, sympy.Symbol)}
    free.update({b.label.name: b.label for b in expr.atoms(sympy.IndexedBase)})
    return tuple(free[name] for name in sorted(free))


def parse_tree(text: str) -> Tree:
    """The parse tree of ``text``, or a ParseError with a caret.

    Valid input takes Lark's plain parse; on an error the text is parsed again interactively, so the
    tokens read before the error are at hand for the hints (an unclosed bracket, a trailing operator).
    The plain parse is 13% faster (0.82 s against 0.94 s for unrolled Rosenbrock, n = 1,000).
    """
    try:
        return get_parser().parse(text)
    except (_Fail, UnexpectedInput):
        pass
    interactive = get_parser().parse_interactive(text)
    seen: list[Token] = []
    try:
        for tok in interactive.iter_parse():
            seen.append(tok)
        return interactive.feed_eof(seen[-1] if seen else None)
    except _Fail as exc:
        raise error_at(text, exc.token.start_pos, exc.message, hint=exc.hint, cls=exc.cls) from None
    except UnexpectedToken as exc:
        before = seen if exc.token.type == "$END" else seen[:-1]
        raise from_lark(text, exc, before) from None
    except UnexpectedInput as exc:
        raise from_lark(text, exc, seen) from None


_DIVIDE = ("/", "÷")


def split_divisors(tree: Tree) -> Tree:
    """Rewrite ``a / (b * c)`` as ``a / b / c`` in place (a tree rewrite, before any SymPy).

    SymPy prints Mul(1/2, 1/(x - y)) as ``1/(2*(x - y))``; building the divisor first would
    distribute 2 over (x - y) and give the different expression 1/(2*x - 2*y).
    """
    for node in tree.iter_subtrees():
        if node.data != "mul":
            continue
        children = [node.children[0]]
        for op, factor in zip(node.children[1::2], node.children[2::2]):
            if op.value in _DIVIDE and isinstance(factor, Tree) and factor.data == "mul":
                children += [op, factor.children[0]]
                for inner, sub in zip(factor.children[1::2], factor.children[2::2]):
                    flipped = "*" if inner.value in _DIVIDE else "/"
                    children += [Token.new_borrow_pos("MUL_OP", flipped, inner), sub]
            else:
                children += [op, factor]
        node.children = children
    return tree


def _tree_depth(tree: Tree) -> int:
    depth, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        depth = max(depth, level)
        stack.extend((c, level + 1) for c in node.children if isinstance(c, Tree))
    return depth


def _check_input(text: str) -> None:
    if len(text) > budget.MAX_LENGTH:
        raise BudgetError(f"the input is {len(text):,} characters long; the limit is "
                          f"{budget.MAX_LENGTH:,}", text=text[:80])
    if not text.strip() or not text.strip("$ \t\r\n;"):
        raise ParseError("empty input: there is no expression to read", text=text, column=1,
                         context=f"{text}\n^", hint="type an expression such as x^2 + 1")


def _check_result(text: str, expr: sympy.Expr) -> None:
    size, depth, digits = budget.walk_stats(expr)
    limits = ((size, budget.MAX_EXPR_SIZE, "nodes"), (depth, budget.MAX_EXPR_DEPTH, "levels deep"),
              (digits, budget.MAX_DIGITS, "digit numbers"))
    for value, limit, what in limits:
        if value > limit:
            raise BudgetError(f"the expression is too large: {value:,} {what}; the limit is "
                              f"{limit:,}", text=text)
    bad = bad_constant(expr)
    if bad is not None and bad.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ParseError("the expression is undefined (it divides by zero or takes log(0))",
                         text=text)
    if bad is not None:
        raise ParseError(f"the expression has an imaginary part ({shown(bad, 80)}); "
                         "symgd works with real numbers", text=text)


class _Builder:
    """Builds the statements of one program in order, carrying the definitions forward."""

    def __init__(self, text: str, latex: bool) -> None:
        self.text = text
        self.notes: dict[str, None] = {}
        self.variables: dict[str, sympy.Expr] = {}
        self.functions: dict[str, tuple] = {}
        self.definitions: dict[str, tuple] = {}
        self.latex = latex

    def transform(self, tree, params: frozenset[str] = frozenset()) -> sympy.Expr:
        transformer = ToSympy(self.text, self.latex, self.notes, self.variables, self.functions)
        transformer.params = params
        try:
            value = transformer.transform(tree)
        except VisitError as exc:
            raise self._visit_error(exc) from None
        if isinstance(value, tuple) or not isinstance(value, sympy.Basic):
            raise error_at(self.text, tree.meta.start_pos, "a list in parentheses (a, b, ...) is "
                           "only allowed as the bounds of sum")
        if isinstance(value, sympy.logic.boolalg.Boolean) and not isinstance(value, sympy.Symbol):
            raise error_at(self.text, tree.meta.start_pos, "a comparison is only the condition of where",
                           hint="write where(x > 0, a, b)")
        return value

    def _visit_error(self, exc: VisitError) -> SymgdError:
        if isinstance(exc.orig_exc, SymgdError):
            return exc.orig_exc
        if isinstance(exc.orig_exc, (ValueError, TypeError, ArithmeticError, NotImplementedError)):
            meta = exc.obj.meta if isinstance(exc.obj, Tree) else None
            pos = meta.start_pos if meta is not None and not meta.empty else 0
            return error_at(self.text, pos, f"cannot build this expression: {exc.orig_exc}")
        raise exc.orig_exc

    def define(self, tree: Tree) -> tuple[str, sympy.Expr]:
        """Record ``name = value`` or ``name(params) = body``; returns (name, value)."""
        lhs, rhs = tree.children
        name, params = self._target(lhs)
        if name in self.definitions:
            raise error_at(self.text, lhs.meta.start_pos, f"{name} is defined twice")
        value = self.transform(rhs, frozenset(params))
        symbols = tuple(sympy.Symbol(p) for p in params)
        self.definitions[name] = (symbols, value)
        if params:
            self.functions[name] = (symbols, value)
        else:
            self.variables[name] = value
        _check_result(self.text, value)
        return name, value

    def _target(self, lhs) -> tuple[str, list[str]]:
        where = lhs.meta.start_pos if isinstance(lhs, Tree) else lhs.start_pos
        bad = error_at(self.text, where, "the left side of '=' must be a name or a function "
                       "with named parameters", hint="write u = x^2 + 1 or f(t) = t^2 + 1")
        if not isinstance(lhs, Tree):
            raise bad
        if lhs.data == "symbol" and lhs.children[0].type == "NAME":
            name = clean_name(lhs.children[0].value)
            if name in ("e", "E", "pi"):
                raise error_at(self.text, where, f"{name} is a constant and cannot be redefined")
            return name, []
        if lhs.data == "name_call":
            params = [c.children[0].value for c in lhs.children[1:]
                      if isinstance(c, Tree) and c.data == "symbol"]
            if len(params) != len(lhs.children) - 1 or len(set(params)) != len(params):
                raise bad
            return clean_name(lhs.children[0].value), [clean_name(p) for p in params]
        if lhs.data == "call":
            raise error_at(self.text, where, f"{lhs.children[0].value} is a built-in function "
                           "and cannot be redefined")
        raise bad


def parse_program(text: str | sympy.Expr, known: frozenset[str] = frozenset()) -> Program:
    """Parse ``text`` (or wrap a SymPy expression) into a Program; raise ParseError on bad input.

    ``known``: one-letter variables from outside the text (an answer's expression), so ``2xy`` reads
    as 2·x·y there too."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = sympy.Integer(text) if isinstance(text, int) else sympy.Float(text)  # a number, no text
    if isinstance(text, sympy.Basic):
        return Program(text, sorted_variables(text), MappingProxyType({}), [], sympy.sstr(text, order="none"))
    if not isinstance(text, str):
        raise ParseError(f"expected a string or a SymPy expression, not {type(text).__name__}")
    _check_input(text)
    latex = is_latex(text)
    source = strip_dollars(text) if latex else text
    tree = parse_tree(source)
    if _tree_depth(tree) > budget.MAX_TREE_DEPTH:
        raise BudgetError(f"the input nests more than {budget.MAX_TREE_DEPTH} operations deep",
                          text=text, hint="split it into definitions, as in 'u = ...; sin(u)'")
    split_divisors(tree)
    builder = _Builder(source, latex)
    if latex:
        builder.notes["read as LaTeX"] = None
    *defs, last = tree.children
    request, last = operand(last, source, builder.notes)
    builder.notes.update(dict.fromkeys(textbook_reading(tree, source, frozenset(known), latex)))
    for stmt in defs:
        if not (isinstance(stmt, Tree) and stmt.data == "assign"):
            raise error_at(source, _start(stmt), "only the last statement can be an expression; "
                           "the ones before it must be definitions", hint="write u = ...; sin(u)")
        builder.define(stmt)
    expr = _last(builder, last, source)
    check_request(source, request, tree.children[-1], builder.definitions)
    _check_result(source, expr)
    for name, (params, value) in builder.definitions.items():
        if not params:
            builder.notes.setdefault(f"{name} = {sympy.sstr(value)} is substituted into the "
                                     "expression", None)
    return Program(expr, sorted_variables(expr), MappingProxyType(dict(builder.definitions)),
                   one_note_per_span(builder.notes), text, request)


def one_note_per_span(notes: Iterable[str]) -> list[str]:
    """The notes, one per quoted piece of input: the textbook reading and the generic "read as" of the
    same `span` said the same thing twice (`sinx`), so the fuller one is kept, where the first stood."""
    kept: dict[str, str] = {}
    for note in notes:
        span = note[:note.index("`", 1) + 1] if note.startswith("`") and "`" in note[1:] else note
        if len(note) > len(kept.get(span, "")):
            kept[span] = note
    return list(kept.values())


def _start(stmt) -> int:
    return stmt.meta.start_pos if isinstance(stmt, Tree) else stmt.start_pos


def _last(builder: _Builder, stmt, source: str) -> sympy.Expr:
    if isinstance(stmt, Tree) and stmt.data == "assign":
        name, value = builder.define(stmt)
        if name in builder.functions:
            raise error_at(source, _start(stmt), f"the input ends with the definition of {name}; "
                           "add the expression to evaluate after it",
                           hint=f"for example: ...; {name}(x)")
        if not value.free_symbols and len(builder.definitions) == 1:  # `x = 1`: an assignment, no f
            typed = " ".join(source[_start(stmt):stmt.meta.end_pos].split())  # as typed, not as read
            raise error_at(source, _start(stmt), f"`{typed}` only defines {name}; "
                           "there is no expression to work on",
                           hint=f"write the expression itself, or a definition then it: {name} = ...; f({name})")
        builder.notes.setdefault(f"the input ends with the definition of {name}; its value is "
                                 "the expression", None)
        return value
    return builder.transform(stmt)


def program_parts(text: str | sympy.Expr, known: frozenset[str] = frozenset()) -> tuple[sympy.Expr, dict]:
    """(expression, definitions) of ``text`` or of a SymPy expression (which has none): the one way the
    library's entry points (steps, check, graph) read what they are given."""
    if isinstance(text, sympy.Basic):
        return text, {}  # nothing to read (and no source text to print: 20 ms for a 300-term sum)
    program = parse_program(text, known)
    return program.expr, dict(program.definitions)


def derivative_request(text: str | sympy.Expr) -> tuple[str, ...] | None:
    """The variables of the derivative operator ``text`` starts with, in differentiation order, or None.

    ``d/dx (x^3)`` -> ("x",); ``d^2/dx^2 …`` -> ("x", "x"); ``∂²/∂x∂y f`` -> ("y", "x"), since
    ∂²f/∂x∂y = ∂/∂x(∂f/∂y). Raises ParseError where ``text`` does not parse.

    >>> derivative_request("d/dx (x^2 y)")
    ('x',)
    """
    return None if isinstance(text, sympy.Basic) else parse_program(text).derivative


def parse(text: str | sympy.Expr) -> sympy.Expr:
    """The SymPy expression of ``text`` with definitions substituted.

    >>> parse("2x sin^2 x")
    2*x*sin(x)**2
    """
    return text if isinstance(text, sympy.Basic) else parse_program(text).expr
