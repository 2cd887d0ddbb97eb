"""The layers import one way: the composition root wires everything, nothing inside reaches back.

Read from the source with `ast`, so an import hidden under `if TYPE_CHECKING:` or inside a
function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: package -> packages it must never import.
FORBIDDEN = {
    "events": ("onecard", "ingress", "workers", "adapters", "store", "backoffice", "chatsim", "pages"),
    "ingress": ("onecard", "workers", "backoffice", "chatsim", "pages"),
    "workers": ("onecard", "ingress", "backoffice", "chatsim", "pages"),
    # The WeChat adapter keeps the shared access token in the database, so adapters may use store.
    "adapters": ("onecard", "ingress", "workers", "backoffice", "chatsim", "pages"),
    "store": ("onecard", "ingress", "workers", "adapters", "backoffice", "chatsim", "pages"),
    # Vendored front-end files: everything may serve them, they know nothing of us.
    "webassets": ("onecard", "events", "ingress", "workers", "adapters", "store", "backoffice", "chatsim", "pages"),
    # The pages inside WeChat read through the workers' functions; only the web process wires them.
    "pages": ("onecard", "ingress", "backoffice", "chatsim"),
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_an_inner_layer_never_imports_an_outer_one(package: str) -> None:
    offending = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in _imports(path):
            if module.split(".")[0] in FORBIDDEN[package]:
                offending.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offending == []


def test_tests_never_import_the_benchmarks() -> None:
    offending = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "tests").rglob("*.py"))
                 if any(m.split(".")[0] == "bench" for m in _imports(p))]
    assert offending == []
