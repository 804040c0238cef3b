"""``symgd serve``: the local web page (derivatives, steps, graphs, answer checking, descent, fits) and
its JSON API. Needs the ``web`` extra (Starlette, uvicorn, Jinja2, python-multipart), imported lazily."""
from __future__ import annotations

from typing import Any

WEB_HINT = "the web page needs the web extra: pip install 'symgd[web]'"


def create_app(**limits: Any) -> Any:
    """The Starlette application (``limits``: see ``symgd.web.app.Limits``)."""
    from symgd.web.app import create_app as create
    return create(**limits)
