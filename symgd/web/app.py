"""The Starlette application: the page, its fragments, the JSON API and the exports.

Every job runs in a worker process (``workers``) under a time and a memory limit; request bodies are
capped before they are read; every failure comes back as the CLI's own ``error:`` lines, never as a
stack trace."""
from __future__ import annotations

import json
from collections.abc import Mapping
from functools import partial
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from symgd import __version__
from symgd.web.commands import COMMANDS, RequestError, build_argv
from symgd.web.workers import Limits, Workers

#: The page's tabs: fragment name -> (worker job, title).
FRAGMENTS = {"read": ("views:read", ""), "derivative": ("views:derivative", "Derivative & steps"),
             "graph": ("views:graph_at", "Chain-rule graph"), "check": ("views:check_answer", "Check an answer"),
             "descent": ("views:descent", "Descent"), "fit": ("views:fit_data", "Fit data"),
             "calculus": ("calculus:solve", "Calculus")}
#: The largest request body (an uploaded CSV file), in bytes.
MAX_UPLOAD = 10 << 20
TYPES = {"markdown": ("text/markdown", "md"), "latex": ("application/x-tex", "tex"),
         "json": ("application/json", "json"), "text": ("text/plain", "txt")}


class TooLarge(RequestError):
    """A request body over the upload limit."""


def create_app(seconds: float = 30.0, memory: int = 4 << 30, workers: int = 4,
               max_upload: int = MAX_UPLOAD) -> Starlette:
    """The application; each job may take ``seconds`` and ``memory`` bytes, ``workers`` run at once."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    pool = Workers(Limits(seconds=seconds, memory=memory, workers=workers))
    pages = Environment(loader=PackageLoader("symgd.web", "templates"), autoescape=select_autoescape(["html"]))
    state = {"pool": pool, "pages": pages, "max_upload": max_upload}
    routes = [Route("/", partial(_page, state)),
              Route("/fragment/{name}", partial(_fragment, state), methods=["GET", "POST"]),
              Route("/api", _api_index), Route("/api/{command}", partial(_api, state), methods=["POST"]),
              Route("/export/{command}", partial(_export, state), methods=["GET", "POST"]),
              Mount("/static", StaticFiles(packages=[("symgd.web", "static")]), name="static")]
    return Starlette(routes=routes, exception_handlers={Exception: _internal_error})


async def _page(state: dict[str, Any], request: Request) -> HTMLResponse:
    from symgd.cli.fit_cmd import METHODS
    from symgd.optim.registry import OPTIMIZERS
    from symgd.web.calculus import PROBLEMS
    tabs = [(name, title) for name, (_, title) in FRAGMENTS.items() if title]
    html = state["pages"].get_template("page.html").render(
        query=dict(request.query_params), tabs=tabs, optimizers=list(OPTIMIZERS), methods=METHODS.split(", "),
        problems=[(kind, problem.title) for kind, problem in PROBLEMS.items()],
        static="/static", version=__version__)
    return HTMLResponse(html)


async def _fields(state: dict[str, Any], request: Request) -> dict[str, Any]:
    """The request's fields: query parameters, then a form (an uploaded file becomes ``csv`` text) or a
    JSON object; a body over the limit is refused before it is read."""
    fields: dict[str, Any] = dict(request.query_params)
    limit = state["max_upload"]
    declared = request.headers.get("content-length")
    if declared and (not declared.isdigit() or int(declared) > limit):
        raise TooLarge(f"the request is {_size(declared)}; the page accepts at most {limit >> 20} MB")
    kind = request.headers.get("content-type", "")
    if request.method != "POST":
        return fields
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        async with request.form(max_files=1, max_fields=40, max_part_size=limit) as form:
            for key, value in form.items():
                if hasattr(value, "read"):
                    fields["csv"] = _decode(await value.read(limit + 1), limit)
                else:
                    fields[key] = value
        return fields
    body = bytearray()
    async for chunk in request.stream():  # no content-length (chunked): count while reading
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the request is over {limit >> 20} MB; the page accepts at most that")
    if body.strip():
        try:
            data = json.loads(body)
        except ValueError:
            raise RequestError("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise RequestError("the request body must be a JSON object of fields")
        fields.update(data)
    return fields


def _size(declared: str) -> str:
    return f"{int(declared) / 2**20:.0f} MB" if declared.isdigit() else "of unknown size"


def _decode(raw: bytes, limit: int) -> str:
    if len(raw) > limit:
        raise TooLarge(f"the file is over {limit >> 20} MB; the page accepts at most that")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RequestError("the file is not UTF-8 text (a CSV file is expected)") from None


async def _run(state: dict[str, Any], job: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    return await anyio.to_thread.run_sync(state["pool"].run, job, dict(payload))


async def _fragment(state: dict[str, Any], request: Request) -> HTMLResponse:
    name = request.path_params["name"]
    try:
        if name not in FRAGMENTS:
            raise RequestError(f"no such page part {name!r}")
        fields = await _fields(state, request)
        if name == "fit" and not fields.get("model"):
            fields["model"] = fields.get("expr", "")
        result = await _run(state, FRAGMENTS[name][0], fields)
    except RequestError as exc:
        result = {"error": [f"error: {exc.message}"]}
    if "error" in result:
        html = state["pages"].get_template("error.html").render(lines=result["error"])
        return HTMLResponse(html, status_code=422)
    return HTMLResponse(result["html"])


async def _api_index(request: Request) -> JSONResponse:
    """What the API offers: each command, its fields and formats (docs/web.md says more)."""
    return JSONResponse({name: {"expression field": spec[1], "fields": sorted({spec[1], *spec[2], *spec[3]}),
                                "formats": list(spec[4])} for name, spec in COMMANDS.items()})


async def _cli(state: dict[str, Any], request: Request, command: str, fmt: str, *, from_page: bool = False
               ) -> dict[str, Any]:
    """Run the CLI command for this request; ``{"code", "stdout", "stderr"}`` or ``{"error": lines}``.
    An API request with a field the command does not take is refused; the page's export sends its whole
    form (the other tabs' fields too), so there the fields the command takes are picked out."""
    try:
        fields = await _fields(state, request)
        fields.pop("format", None)
        if command == "fit" and "expr" in fields and "model" not in fields:
            fields["model"] = fields.pop("expr")
        if command == "calculus" and from_page:  # the tab's problem names its CLI command
            from symgd.web.calculus import cli_request
            command, fields = cli_request(fields)
        if from_page:
            fields = {k: v for k, v in fields.items() if k in _accepted(command) or k == "csv"}
        argv, csv = build_argv(command, fields, fmt)
    except RequestError as exc:
        return {"error": [f"error: {exc.message}"]}
    return await _run(state, "commands:run_cli", {"argv": argv, "csv": csv})


def _accepted(command: str) -> set[str]:
    """The fields a page form may send that this command reads (a form also sends the other tabs')."""
    if command not in COMMANDS:
        return set()
    _, positional, options, flags, _ = COMMANDS[command]
    return {positional, *options, *flags} | ({"data"} if command == "fit" else set())


async def _api(state: dict[str, Any], request: Request) -> JSONResponse:
    result = await _cli(state, request, request.path_params["command"], "json")
    if "error" in result:
        return JSONResponse({"error": result["error"]}, status_code=400)
    if result["code"] not in (0, 1):  # 1: ran, did not converge; the payload says so
        return JSONResponse({"error": result["stderr"].strip().split("\n")}, status_code=400)
    return JSONResponse(json.loads(result["stdout"]))


async def _export(state: dict[str, Any], request: Request) -> Response:
    command, fmt = request.path_params["command"], request.query_params.get("format", "markdown")
    if fmt not in TYPES:
        return Response(f"error: unknown format {fmt[:40]!r}", status_code=400, media_type="text/plain")
    result = await _cli(state, request, command, fmt, from_page=True)
    lines = result.get("error") or (result["stderr"].strip().split("\n") if result["code"] not in (0, 1) else None)
    if lines:
        return Response("\n".join(lines), status_code=400, media_type="text/plain")
    media, suffix = TYPES[fmt]
    return Response(result["stdout"], media_type=media,
                    headers={"content-disposition": f'attachment; filename="symgd-{command}.{suffix}"'})


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug in symgd: one line, no traceback (the server log has it)."""
    return Response("error: internal error in the symgd server; please report it", status_code=500,
                    media_type="text/plain")
