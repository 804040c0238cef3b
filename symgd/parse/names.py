"""How a name reads: a variable, a constant, a definition, a user function, or a LaTeX product.

A mixin of the Transformer (it uses ``self.variables``, ``self.functions``, ``self.params``,
``self.latex``, ``self.note`` and ``self.fail``).
"""
from __future__ import annotations

import sympy
from lark import Token

from symgd.errors import UnknownFunctionError
from symgd.parse.functions import ALIASES, FUNCTIONS, suggest
from symgd.parse.latex import GREEK_WORDS

_CONSTANTS = {"e": sympy.E, "E": sympy.E, "pi": sympy.pi}


def clean_name(value: str) -> str:
    """``w_{0}`` -> ``w_0``: LaTeX subscript braces are spelling, not part of the name."""
    return value.replace("{", "").replace("}", "")


#: Function names, longest first (sorted once: a 12,000-name input asks for each name).
_PREFIXES = tuple(sorted((k for k in set(FUNCTIONS) | set(ALIASES) if len(k) >= 2), key=len, reverse=True))


def _function_prefix(name: str) -> str | None:
    """The function name that ``sinx`` starts with, if any."""
    for key in _PREFIXES:
        if name.startswith(key) and len(name) > len(key):
            return key
    return None


class NameReader:
    """Mixin: reading NAME tokens."""

    def read_name(self, tok: Token) -> sympy.Expr:
        """The value of a name at ``tok``: parameter, definition, constant or new Symbol."""
        name = clean_name(tok.value)
        typed = self.text[tok.start_pos:tok.end_pos]
        if name in self.params:
            return sympy.Symbol(name)
        if name in self.variables:
            return self.variables[name]
        if name in self.functions:
            raise self.fail(tok.start_pos, f"{name} is a function defined above; call it as "
                                           f"{name}(...)")
        if name in _CONSTANTS:
            self._note_constant(name, typed)
            return _CONSTANTS[name]
        if self.latex and name.isalpha() and len(name) > 1 and name not in GREEK_WORDS:
            letters = [self._letter(c) for c in name]
            self.note(f"`{name}` read as {'*'.join(name)}: in LaTeX each letter is a variable")
            return sympy.Mul(*letters)
        if typed != name and not typed.startswith("\\") and "{" not in typed:
            self.note(f"`{typed}` read as the name {name}")
        self._note_long_name(name)
        return sympy.Symbol(name)

    def _letter(self, name: str) -> sympy.Expr:
        if name in self.params:
            return sympy.Symbol(name)
        if name in self.variables:
            return self.variables[name]
        if name in _CONSTANTS:
            self._note_constant(name, name)
        return _CONSTANTS.get(name) or sympy.Symbol(name)

    def _note_constant(self, name: str, typed: str) -> None:
        if name == "pi":
            self.note(f"`{typed}` read as the constant pi = 3.14159…")
        else:
            self.note(f"`{name}` is Euler's number e = 2.71828… (e^x is exp(x)); "
                      "choose another name for a variable")

    def _note_long_name(self, name: str) -> None:
        if not (name.isalpha() and len(name) > 1) or name in GREEK_WORDS:
            return
        prefix = _function_prefix(name)
        if prefix is not None:
            rest = name[len(prefix):]
            self.note(f"`{name}` is one name; write `{prefix} {rest}` or `{prefix}({rest})` "
                      f"for the function {prefix}")
        else:
            self.note(f"`{name}` is one name; write `{'*'.join(name)}` or `{' '.join(name)}` "
                      f"for a product")

    def is_variable_like(self, name: str) -> bool:
        """Names that read as variables before ``(`` (so ``x(y+1)`` is a product)."""
        return (len(name) == 1 or name in GREEK_WORDS or name in self.variables
                or name in _CONSTANTS or not name.isalpha() or self.latex)

    def call_name(self, tok: Token, args: list) -> sympy.Expr:
        """``name(args)``: a user-defined function, a product like ``x(y+1)``, or an error."""
        name = clean_name(tok.value)
        if name in self.functions:
            params, body = self.functions[name]
            if len(args) != len(params):
                raise self.fail(tok.start_pos, f"{name} takes {len(params)} argument"
                                f"{'s' * (len(params) != 1)}, not {len(args)}")
            return body.xreplace(dict(zip(params, args)))
        if name in self.params or self.is_variable_like(name):
            if len(args) != 1:
                raise self.fail(tok.start_pos, f"{name} is not a function, so {name}(a, b, ...) "
                                               f"means nothing", f"define it first: {name}(t) = ...")
            value = self.read_name(Token.new_borrow_pos("NAME", tok.value, tok))
            self.note(f"`{name}(...)` read as {name}*(...): {name} is not a function")
            return sympy.Mul(value, args[0])
        close = suggest(name)
        hint = (f"did you mean {' or '.join(close)}?" if close
                else "the known functions are listed in docs/language.md; define your own "
                     f"with {name}(t) = ...")
        raise self.fail(tok.start_pos, f"unknown function '{name}'", hint, UnknownFunctionError)

    def array_base(self, tok: Token) -> sympy.IndexedBase:
        """The array of ``x[i]``; constants and definitions cannot be indexed."""
        name = clean_name(tok.value)
        if name in _CONSTANTS or name in self.variables or name in self.functions:
            raise self.fail(tok.start_pos, f"{name} cannot be indexed with [ ]",
                            "indexing is for data arrays, as in sum(x[i]^2, i, 1, n)")
        return sympy.IndexedBase(name)
