"""Print the project's layout from the tree: each package, the summary of its docstring, its modules.

    python tools/layout_table.py            # the README's table (one row a package)
    python tools/layout_table.py --modules  # docs/layout.md's body (one line a module)
    python tools/layout_table.py --write    # rewrite both between their `layout` markers

The README's table is this output, pasted between `<!-- layout:start -->` and `<!-- layout:end -->`;
rerun `--write` after moving modules, and `tests/unit/test_layout_table.py` fails when the README
names a folder or module the tree no longer has.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The top-level packages, in the order a newcomer meets them (the composition root first).
PACKAGES = ("onecard", "events", "ingress", "workers", "adapters", "store", "backoffice", "pages", "chatsim",
            "webassets", "tests", "bench")
SKIP = {"migrations", "templates", "static", "vendor", "__pycache__"}
START, END = "<!-- layout:start -->", "<!-- layout:end -->"


def first_line(path: Path) -> str:
    """The summary of a module's docstring (its first paragraph, on one line), or '' when it has none."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    return " ".join(doc.strip().split("\n\n")[0].split()) if doc else ""


def packages() -> list[Path]:
    """Every package folder (one with `__init__.py`) under the top-level packages, parents first."""
    found: list[Path] = []
    for name in PACKAGES:
        top = ROOT / name
        found.append(top)
        found.extend(sorted(p.parent for p in top.rglob("*/__init__.py")
                            if not SKIP & set(p.relative_to(ROOT).parts)))
    return found


def modules(package: Path) -> list[Path]:
    """The modules directly in a package, `__init__.py` apart."""
    return sorted(p for p in package.glob("*.py") if p.name != "__init__.py")


def table() -> str:
    """The README's layout table: a row a package."""
    rows = ["| folder | what it holds | modules |", "|---|---|---|"]
    for package in packages():
        folder = f"`{package.relative_to(ROOT).as_posix()}/`"
        found = modules(package)
        names = ", ".join(f"`{m.stem}`" for m in found if not m.stem.startswith("test_"))
        if tests := sum(m.stem.startswith("test_") for m in found):
            names = f"{names}; {tests} test modules" if names else f"{tests} test modules"
        rows.append(f"| {folder} | {_cell(first_line(package / '__init__.py'))} | {names} |")
    return "\n".join(rows)


def module_list() -> str:
    """docs/layout.md's body: every module of every package and the first line of its docstring."""
    lines: list[str] = []
    for package in packages():
        lines += ["", f"## `{package.relative_to(ROOT).as_posix()}/`", "", first_line(package / "__init__.py"), ""]
        lines += [f"- `{m.name}`: {first_line(m) or '(no docstring)'}" for m in modules(package)]
    return "\n".join(lines[1:])


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def replace_between(text: str, body: str) -> str:
    """`text` with what lies between the layout markers replaced by `body`."""
    head, _, rest = text.partition(START)
    _, found, tail = rest.partition(END)
    if not found:
        raise SystemExit(f"no {START} … {END} markers")
    return f"{head}{START}\n{body}\n{END}{tail}"


def main(argv: list[str]) -> None:
    if "--write" in argv:
        for path, body in ((ROOT / "README.md", table()), (ROOT / "docs" / "layout.md", module_list())):
            path.write_text(replace_between(path.read_text(encoding="utf-8"), body), encoding="utf-8")
        return
    print(module_list() if "--modules" in argv else table())


if __name__ == "__main__":
    main(sys.argv[1:])
