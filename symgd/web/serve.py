"""``symgd serve``: the local web page (needs the ``web`` extra); a command registered by ``symgd.cli``."""
from __future__ import annotations

import argparse

from symgd.cli._options import real_number, whole_number
from symgd.web import WEB_HINT


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the local web page (derivatives, steps, graphs, descent, fits)",
                       description="Serve symgd's page and JSON API on this computer. Every job runs in its "
                                   "own process under a time and memory limit.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this computer only)")
    p.add_argument("--port", type=whole_number(0), default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.add_argument("--workers", type=whole_number(1), default=4, help="jobs that run at once (default 4)")
    p.add_argument("--time-limit", type=real_number(0, above=True), default=30.0,
                   help="seconds one job may run before it is stopped (default 30)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd.errors import BackendUnavailableError
    if args.port > 65535:
        from symgd.errors import VariableError
        raise VariableError(f"--port must be at most 65535, not {args.port}")
    try:
        import uvicorn
        from symgd.web.app import create_app
    except ImportError as exc:
        raise BackendUnavailableError(f"{WEB_HINT} ({exc.name} is missing)") from None
    app = create_app(seconds=args.time_limit, workers=args.workers)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    server = uvicorn.Server(config)
    if args.open:
        _open_when_started(server, args.host)
    print(f"symgd serves on http://{args.host}:{args.port} (Ctrl-C stops it)")
    server.run()
    return 0


def _open_when_started(server, host: str) -> None:
    """Open the browser once uvicorn listens (it knows the port only then, when --port is 0)."""
    import threading
    import time
    import webbrowser

    def wait_and_open() -> None:
        while not server.started:
            time.sleep(0.1)
        port = server.servers[0].sockets[0].getsockname()[1]
        webbrowser.open(f"http://{host}:{port}/")
    threading.Thread(target=wait_and_open, daemon=True).start()
