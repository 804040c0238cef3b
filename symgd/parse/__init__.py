"""Stage 1: text -> SymPy expression, through the one Lark grammar (never ``eval``).

>>> from symgd.parse import parse
>>> parse("sin(x^2 + y^2)")
sin(x**2 + y**2)
"""
from symgd.parse.program import Program, parse, parse_program, sorted_variables

__all__ = ["Program", "parse", "parse_program", "sorted_variables"]
