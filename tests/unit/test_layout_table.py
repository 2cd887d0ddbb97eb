"""The README's layout table names only what the tree has, and every top-level package in it.

The table is printed by `tools/layout_table.py --write`; this keeps it from drifting when modules
move and nobody reruns it.
"""

from __future__ import annotations

import re

from tools.layout_table import END, PACKAGES, ROOT, START, replace_between, table

ROW = re.compile(r"^\| `(?P<folder>[^`]+)/` \|.*\| (?P<modules>[^|]*) \|$")


def _rows() -> list[tuple[str, list[str]]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    between = readme.partition(START)[2].partition(END)[0]
    rows = [ROW.match(line) for line in between.splitlines() if line.startswith("| `")]
    assert rows and all(rows), "the README's layout table is missing or malformed"
    return [(m["folder"], re.findall(r"`([\w.]+)`", m["modules"])) for m in rows if m]


def test_every_folder_and_module_in_the_readme_table_exists() -> None:
    missing = [f"{folder}/" for folder, _ in _rows() if not (ROOT / folder / "__init__.py").is_file()]
    missing += [f"{folder}/{name}.py" for folder, names in _rows() for name in names
                if not (ROOT / folder / f"{name}.py").is_file()]
    assert not missing, f"the README's layout table names what the tree does not have: {missing}; " \
                        "run `python tools/layout_table.py --write`"


def test_every_top_level_package_is_in_the_table() -> None:
    in_tree = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert in_tree <= set(PACKAGES), f"add to tools/layout_table.PACKAGES: {sorted(in_tree - set(PACKAGES))}"
    assert in_tree <= {folder for folder, _ in _rows()}, "run `python tools/layout_table.py --write`"


def test_the_generator_writes_between_the_markers_only() -> None:
    text = f"before\n{START}\nold\n{END}\nafter\n"
    assert replace_between(text, table()) == f"before\n{START}\n{table()}\n{END}\nafter\n"
