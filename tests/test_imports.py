"""The project's own modules import each other in one direction, at the top of the file.

An import circle hides the route from readers and breaks with the first import-time use; a
function-level import of a project module is how circles are usually hidden, so both fail here.
Django's ``AppConfig.ready`` is the one place that imports for a side effect (registering the
OpenAPI extensions) once the apps are loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("diary", "config", "frontend")
# (module, function) pairs allowed to import project modules inside the function.
READY_HOOKS = {("diary.apps", "ready")}


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = _modules()


def _imported(node: ast.Import | ast.ImportFrom, *, module: str, is_package: bool) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            anchor = package[: len(package) - node.level + 1]
            base = ".".join([*anchor, *([base] if base else [])])
        names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return {name for name in names if name in MODULES and name != module}


def _imports(module: str) -> Iterator[tuple[str, set[str], bool]]:
    """(function name or "", modules imported, whether at module level)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, function: str) -> Iterator[tuple[str, set[str], bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                targets = _imported(child, module=module, is_package=is_package)
                if targets:
                    yield function, targets, not function
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, child.name)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                continue  # annotations only: not a runtime import
            else:
                yield from visit(child, function)

    yield from visit(tree, "")


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for _, targets, top_level in _imports(module):
            if top_level:
                graph[module] |= targets
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_module_of_the_project_imports_itself_in_a_circle():
    assert _circles(_graph()) == []


def test_the_circle_check_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_project_modules_are_imported_at_the_top_of_the_file(module):
    hidden = [
        (function, sorted(targets))
        for function, targets, top_level in _imports(module)
        if not top_level and (module, function) not in READY_HOOKS
    ]
    assert hidden == []
