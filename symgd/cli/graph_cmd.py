"""``symgd graph``: the chain-rule graph of an expression at a point (values and adjoints)."""
from __future__ import annotations

import argparse
import sys

from symgd.cli._leibniz import request_wrt
from symgd.cli._notes import format_notes, reading_notes, with_notes
from symgd.cli._options import add_format_argument, add_plain_argument, whole_number
from symgd.parse.points import check_point_names, parse_point

FORMATS = ("text", "dot", "svg", "png", "markdown", "json")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="the chain-rule graph with forward values and adjoints at a point",
                       description="Show EXPR as a graph of elementary operations: each node's definition, "
                                   "its value at the point, the local partial on each edge, and its adjoint "
                                   "from the backward pass. The inputs' adjoints are the gradient. SVG and "
                                   "PNG need Graphviz's `dot` program.")
    p.add_argument("expr", metavar="EXPR", help='the expression, e.g. "tanh(ln(1 + z*2x/sin(y)))"')
    p.add_argument("--at", required=True, help="the point, e.g. x=1,y=2,z=3")
    p.add_argument("--wrt", help="input variables (default: all); the others are constants")
    p.add_argument("--depth", type=whole_number(1), default=12,
                   help="text: fold subtrees deeper than this (default 12)")
    p.add_argument("--rankdir", type=str.upper, choices=("AUTO", "TB", "LR", "BT", "RL"), default="AUTO",
                   help="dot/svg/png: the inputs at the top (TB), left (LR), bottom or right; AUTO (default): "
                        "the layout closest to a 16:9 slide")
    p.add_argument("--output", "-o", help="write to this file instead of standard output")
    add_format_argument(p, FORMATS)
    add_plain_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from symgd.explain.graphview import graph
    from symgd.report.files import check_writable, write_output
    from symgd.report.graph import render_graph, render_image
    if args.output is not None:
        check_writable(args.output)  # before the work: a missing folder is found at once
    args.wrt = request_wrt(args.expr, args.wrt)  # d/dx (...) typed first: x is the wrt
    view = graph(args.expr, at=parse_point(args.at), wrt=args.wrt)
    check_point_names(view.point, sorted(s.name for s in view.f.free_symbols))
    if args.format in ("svg", "png"):
        data = render_image(view, args.format, rankdir=args.rankdir)
    elif args.format == "dot":
        data = render_graph(view, "dot", rankdir=args.rankdir)
    elif args.format == "text":
        data = render_graph(view, "text", max_depth=args.depth, plain=args.plain)
    else:
        data = render_graph(view, args.format)
    if isinstance(data, str):  # text, markdown, json; dot as comments
        data = with_notes(data, reading_notes(args.expr), args.format, args.plain)
    elif notes := format_notes(reading_notes(args.expr), "text", args.plain):  # an image: the notes go to stderr
        print(notes, file=sys.stderr)
    if args.output is not None:
        write_output(args.output, data)
        print(f"wrote {args.output}", file=sys.stderr)
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        print(data.rstrip("\n"))
    return 0
