"""The house rules, read from the source: arrows between layers, no import circle across
packages, small modules and functions, render runs no process.

Every import counts, the lazy ones inside functions and the ones under `TYPE_CHECKING` too:
a type-only import of the CLI's context is still runtime knowing about the CLI.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "anysnake2"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# The DSL's Project has one method per section; it is allowed to grow with the sections.
LONG_MODULES_ALLOWED = {"anysnake2.dsl._project"}
PROCESS_MODULES = {"subprocess", "sh", "anysnake2._proc", "anysnake2.runtime.nix"}
PROCESS_CALLS = {"system", "popen", "posix_spawn", "posix_spawnp", "execv", "execvp", "fork"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imported(name: str, path: Path, tree: ast.AST) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = [f"{target}.{alias.name}" for alias in node.names]
            named = [sub for sub in submodules if sub in MODULES]
            yield from named
            if len(named) < len(submodules):
                yield target


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        for target in _imported(name, path, ast.parse(path.read_text())):
            graph[name].add(target)
    return graph


GRAPH = _graph()


def _layer(name: str) -> str:
    """`anysnake2.resolve.pins` → `resolve`; a top-level module is its own layer."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _arrows(source_layer: str) -> Iterator[tuple[str, str]]:
    for name, targets in sorted(GRAPH.items()):
        if _layer(name) == source_layer:
            yield from ((name, target) for target in sorted(targets))


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("runtime", ("anysnake2.cli", "anysnake2.commands", "anysnake2.pipeline", "anysnake2.dsl")),
        (
            "resolve",
            ("anysnake2.runtime", "anysnake2.render", "anysnake2.cli", "anysnake2.commands"),
        ),
        (
            "render",
            ("anysnake2.runtime", "anysnake2.resolve", "anysnake2.cli", "anysnake2.commands"),
        ),
        (
            "toml_compat",
            ("anysnake2.runtime", "anysnake2.render", "anysnake2.resolve", "anysnake2.cli"),
        ),
        (
            "model",
            ("anysnake2.toml_compat", "anysnake2.dsl", "anysnake2.render", "anysnake2.runtime"),
        ),
    ],
)
def test_layers_import_only_downwards(layer: str, forbidden: tuple[str, ...]) -> None:
    wrong = [
        f"{source} imports {target}"
        for source, target in _arrows(layer)
        if any(target == f or target.startswith(f + ".") for f in forbidden)
    ]
    assert not wrong, "\n".join(wrong)


def test_resolve_uses_no_private_toml_compat_module() -> None:
    wrong = [
        f"{source} imports {target}"
        for source, target in _arrows("resolve")
        if target.startswith("anysnake2.toml_compat._")
    ]
    assert not wrong, "\n".join(wrong)


def test_render_runs_no_process() -> None:
    wrong = []
    for name, path in MODULES.items():
        if _layer(name) != "render":
            continue
        tree = ast.parse(path.read_text())
        wrong += [f"{name} imports {t}" for t in GRAPH[name] if t in PROCESS_MODULES]
        wrong += [
            f"{name}:{node.lineno} calls os.{node.func.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in PROCESS_CALLS
        ]
    assert not wrong, "\n".join(wrong)


def _circles() -> list[list[str]]:
    """Strongly connected components (Tarjan, iterative) with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in MODULES:
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in MODULES), None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(GRAPH.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def _package(name: str) -> str:
    """A subpackage is one package; each top-level module is a package of its own."""
    parts = name.split(".")
    is_subpackage = len(parts) > 1 and (PACKAGE / parts[1]).is_dir()
    return ".".join(parts[:2]) if is_subpackage else name


def test_no_import_circle_spans_two_packages() -> None:
    spanning = [c for c in _circles() if len({_package(m) for m in c}) > 1]
    assert not spanning, "\n".join(" ↔ ".join(c) for c in spanning)


def test_the_circle_finder_finds_circles() -> None:
    global GRAPH
    saved = GRAPH
    GRAPH = defaultdict(
        set, {"anysnake2.cli": {"anysnake2.model"}, "anysnake2.model": {"anysnake2.cli"}}
    )
    try:
        assert _circles() == [["anysnake2.cli", "anysnake2.model"]]
    finally:
        GRAPH = saved


def test_modules_are_small() -> None:
    long = {
        name: count
        for name, path in MODULES.items()
        if (count := len(path.read_text().splitlines())) > MAX_MODULE_LINES
        and name not in LONG_MODULES_ALLOWED
    }
    assert not long, "\n".join(f"{n}: {c} lines" for n, c in long.items())


def test_functions_are_short() -> None:
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                count = (node.end_lineno or node.lineno) - node.lineno + 1
                if count > MAX_FUNCTION_LINES:
                    long.append(f"{name}:{node.lineno} {node.name} ({count} lines)")
    assert not long, "\n".join(long)
