"""The wrt a derivative operator typed first asks for: ``grad "d/dx (x^2 y)"`` differentiates by x."""
from __future__ import annotations


def request_wrt(text: str, wrt: str | None) -> str | None:
    """``wrt`` or, when it is not given, the variable of a first-order ``d/dx`` / ``∂/∂x`` in ``text``.
    A different explicit ``wrt`` is a VariableError; higher orders leave ``wrt`` as it is. Input that does
    not parse is left for the command to report."""
    from symgd.errors import SymgdError, VariableError
    from symgd.parse import derivative_request
    try:
        request = derivative_request(text)
    except SymgdError:
        return wrt
    if request is None or len(request) != 1:
        return wrt
    if wrt is not None and [w.strip() for w in wrt.split(",")] != list(request):
        raise VariableError(f"the input asks for d/d{request[0]} but --wrt is {wrt}",
                            hint=f"drop --wrt, or write --wrt {request[0]}")
    return request[0]
