"""Each layer depends one way: rules/ at the bottom, then store/, spiders/, pipelines/,
crawler/ and cli.py on top; components talk through settings and items, not stats."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Our packages each may import, besides itself (third-party libraries are not limited here;
#: tests/test_rules_imports.py bans Scrapy and SQLAlchemy from rules/).
ALLOWED = {
    "rules": set(),
    "store": {"rules"},
    "spiders": {"rules"},
    "pipelines": {"rules", "store"},
    "crawler": {"rules", "store", "spiders", "pipelines"},
}
OURS = set(ALLOWED) | {"cli", "cli_schedule"}


def imports(path: Path) -> set[str]:
    """Dotted names of every module ``path`` imports (absolute imports)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package):
    wrong = {}
    for path in modules(package):
        found = {n.split(".")[0] for n in imports(path)} & OURS - {package}
        if found - ALLOWED[package]:
            wrong[str(path.relative_to(ROOT))] = sorted(found - ALLOWED[package])
    assert wrong == {}


def test_store_does_not_import_spiders():
    # The issue's own check, spelled out: the database layer is not built on the crawler.
    offenders = [p for p in modules("store") if any(n.startswith("spiders") for n in imports(p))]
    assert offenders == []


def test_spiders_load_no_rule_packs():
    # Search terms reach a spider as plain settings; only the runner loads packs.
    loaders = {"rules.loader", "rules.engine"}
    offenders = [p.name for p in modules("spiders") if imports(p) & loaders]
    assert offenders == []


def stats_reads(path: Path) -> list[str]:
    """Calls that read Scrapy stats in ``path``: ``….get_value(…)`` and ``….get_stats()``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("get_value", "get_stats"):
                found.append(f"{path.name}:{node.lineno} {node.func.attr}")
    return found


def test_components_read_no_stats_that_another_component_set():
    # Stats are for counting and reporting: a component may count, but what it needs from
    # another component reaches it through settings or items. The one read allowed is the
    # store pipeline's copy of every count onto the finished sweep row (reporting).
    reads = [r for pkg in ("spiders", "pipelines") for p in modules(pkg) for r in stats_reads(p)]
    assert [r.split(":")[0] + " " + r.split(" ")[1] for r in reads] == ["store.py get_stats"]
