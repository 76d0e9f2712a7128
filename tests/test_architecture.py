"""The house rules, checked on the source: the domain never knows LSP, and no module imports itself back.

Every module under server/codecoach is parsed, imports inside functions
included (they run too, only later). Imports under `if TYPE_CHECKING:` are
left out: they never run, and annotations may name a type from anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "server" / "codecoach"
DOMAIN = ("analysis", "memory", "services", "providers", "runner")
PROTOCOL = ("pygls", "lsprotocol", "codecoach.lsp", "codecoach.web", "fastapi", "starlette", "uvicorn", "websockets",
            "watchfiles")
# The domain, and what every front end shares: none of them knows a protocol.
SHARED = ("codecoach.coach", "codecoach.config", "codecoach.live", "codecoach.live_examples", "codecoach.scheduling")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports at run time (absolute names; `from x import y` may name a module y)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    return imports_in(ast.parse(path.read_text(encoding="utf-8"), str(path)), package)


def imports_in(tree: ast.Module, package: str) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imports_of(path):
            # `from .memory import Memory` names the package; `from . import convert` names a module.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                targets.add(imported)
        edges[name] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return groups


def test_the_domain_never_imports_the_protocol_layers() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        if name.split(".")[1:2] and name.split(".")[1] in DOMAIN or name in SHARED:
            bad = sorted(i for i in imports_of(path) if i.startswith(PROTOCOL))
            if bad:
                offenders.append(f"{name} imports {', '.join(bad)}")
    assert offenders == []


def test_the_front_ends_do_not_import_each_other() -> None:
    """The web front end is a sibling of the language server, not built on it (and the other way round)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        other = {"codecoach.web": ("codecoach.lsp", "pygls", "lsprotocol"),
                 "codecoach.lsp": ("codecoach.web", "fastapi", "starlette", "uvicorn")}
        for front, forbidden in other.items():
            if name == front or name.startswith(front + "."):
                bad = sorted(i for i in imports_of(path) if i.startswith(forbidden))
                if bad:
                    offenders.append(f"{name} imports {', '.join(bad)}")
    assert offenders == []


def test_the_memory_never_imports_the_services() -> None:
    """The services read the memory through `MemoryView`; words for the learner are theirs, not the memory's."""
    offenders = []
    for path in (PACKAGE / "memory").rglob("*.py"):
        bad = sorted(i for i in imports_of(path) if i.startswith("codecoach.services"))
        if bad:
            offenders.append(f"{module_name(path)} imports {', '.join(bad)}")
    assert offenders == []


def test_no_import_cycles_between_modules() -> None:
    assert cycles(graph()) == []


def test_the_guard_sees_what_it_must() -> None:
    """The checks above can fail: a function-level import counts, a TYPE_CHECKING one does not."""
    sample = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pygls\n"
                       "def f():\n    from lsprotocol import types\n    from ..lsp import convert\n")
    assert imports_in(sample, "codecoach.memory") == {
        "typing", "typing.TYPE_CHECKING", "lsprotocol", "lsprotocol.types", "codecoach.lsp", "codecoach.lsp.convert"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "codecoach.lsp.server" in graph()["codecoach.lsp.router"]
