"""The package's import graph: imports point forward along the data flow, and no module imports itself
back through others (docs/architecture.md). Every import counts, at module level or inside a function."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "symgd"
#: The stages in data-flow order; a module may import from its own stage or an earlier one.
STAGES = ("errors", "parse", "calculus", "explain", "codegen", "loops", "optim", "fit", "interop", "report", "cli",
          "web")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: Display hooks: a record may render itself (in Jupyter, with print) through ``symgd.report``, lazily, as
#: sympy's objects print themselves. These methods' imports of ``symgd.report`` are the one exception.
DISPLAY_HOOKS = ("__str__", "__repr__", "render", "report", "to_dict")


def _is_hook(name: str) -> bool:
    return name in DISPLAY_HOOKS or name.startswith("_repr_")


def _imports(path: Path, name: str) -> set[str]:
    """The symgd modules ``path`` imports at run time (``from symgd.x import y`` counts y when y is a
    module); imports under ``if TYPE_CHECKING:`` and display hooks' imports of symgd.report are left out."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST, hook: bool) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            hook = hook or _is_hook(node.name)
        found = set()
        if isinstance(node, ast.Import):
            found = {a.name for a in node.names if a.name.startswith("symgd")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            if base.startswith("symgd"):
                found = {base} | {f"{base}.{a.name}" for a in node.names}
        out.update(m for m in found if not (hook and m.startswith("symgd.report")))
        for child in ast.iter_child_nodes(node):
            visit(child, hook)
    visit(ast.parse(path.read_text()), False)
    return out


PACKAGES = {_module(p) for p in ROOT.rglob("__init__.py")}


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path, name) if m in modules and m != name}
    return graph


def _stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


GRAPH = _graph()


def test_every_subpackage_has_a_stage():
    packages = {m.split(".")[1] for m in GRAPH if m.count(".") >= 1}
    assert packages - set(STAGES) <= {"__main__"}, packages - set(STAGES)


def test_no_import_points_backward():
    backward = sorted(f"{a} -> {b}" for a, deps in GRAPH.items() for b in deps
                      if _stage(a) is not None and _stage(b) is not None and _stage(b) > _stage(a))
    assert not backward, "\n".join(backward)


def test_no_import_cycles():
    """Tarjan's strongly connected components over the module graph (packages' __init__ files excluded:
    they re-export their modules' names)."""
    graph = {a: deps - PACKAGES for a, deps in GRAPH.items() if a not in PACKAGES}
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


@pytest.mark.parametrize("a, b", [("symgd.cli.solve", "symgd.parse.points"), ("symgd.codegen.api", "symgd.codegen.ir"),
                                  ("symgd.explain.graphview", "symgd.parse.points")])
def test_the_graph_sees_imports(a, b):
    """The test reads imports at all (a regression guard for the walker itself)."""
    assert b in GRAPH[a] or any(b.startswith(m) for m in GRAPH[a])
