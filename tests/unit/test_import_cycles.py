"""No module-level import cycle among the project's packages.

A cycle makes the import order matter (whichever module Python reaches first sees the other half
built), and is how "imported late" workarounds creep in. The imports are read with `ast`, nothing is
imported: every `import` and `from … import` that is not inside a function or class counts,
`if TYPE_CHECKING:` ones too (a cycle only the type checker sees is still two modules that each
need the other). Cycles are the strongly connected components of that graph.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("onecard", "events", "ingress", "workers", "adapters", "store", "backoffice", "pages", "chatsim")
#: Cycles known today, each to be removed from here by the change that breaks it.
KNOWN: set[frozenset[str]] = set()


def modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _module_level(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements outside any function or class (inside module-level if/try blocks too)."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    pending.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules `name` imports at module level."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _module_level(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            targets.add(sub if sub in known else base)
    resolved = set()
    for target in targets:
        while target and target not in known:  # `import a.b.c` of a name: the module that defines it
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


def cycles() -> list[frozenset[str]]:
    """The project's module-level import cycles."""
    known = modules()
    return _components({name: imports(name, path, known) for name, path in known.items()})


def _components(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, set())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_level_import_cycle_but_the_known_ones() -> None:
    found = set(cycles())
    new = [sorted(c) for c in found - KNOWN]
    assert not new, f"module-level import cycles: {new}"


def test_the_known_cycles_are_still_there() -> None:
    # Once a known cycle is broken, its entry goes too, so that it cannot come back unnoticed.
    gone = [sorted(c) for c in KNOWN - set(cycles())]
    assert not gone, f"no longer cycles, remove from KNOWN: {gone}"


def test_a_cycle_is_found_and_a_path_into_it_is_not_part_of_it() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _components(graph) == [frozenset({"a", "b", "c"})]


def test_imports_under_type_checking_and_relative_ones_count(tmp_path: Path) -> None:
    source = tmp_path / "sheet.py"
    source.write_text("from typing import TYPE_CHECKING\nfrom . import state\nif TYPE_CHECKING:\n"
                      "    from pkg.sim import Sim\ndef late():\n    import pkg.other\n", encoding="utf-8")
    known = {name: source for name in ("pkg", "pkg.sheet", "pkg.sim", "pkg.state", "pkg.other")}
    assert imports("pkg.sheet", source, known) == {"pkg.sim", "pkg.state"}
