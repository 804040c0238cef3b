"""Stage 1: text -> SymPy expression, through the one Lark grammar (never ``eval``).

>>> from symgd.parse import parse
>>> parse("sin(x^2 + y^2)")
sin(x**2 + y**2)
>>> parse("2x sin^2 x")
2*x*sin(x)**2
"""
from symgd.parse.echo import echo_dict, format_echo
from symgd.parse.program import (Program, derivative_request, parse, parse_program, program_parts,
                                 sorted_variables)

__all__ = ["Program", "derivative_request", "echo_dict", "format_echo", "parse", "parse_program", "program_parts", "sorted_variables"]
