from __future__ import annotations

import ast
from pathlib import Path

import rules

BANNED = {"scrapy", "twisted", "playwright", "scrapy_playwright", "sqlalchemy"}
RULES_DIR = Path(rules.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_rules_is_a_plain_library():
    modules = sorted(RULES_DIR.rglob("*.py"))
    assert len(modules) > 10
    offenders = {str(p.relative_to(RULES_DIR)): sorted(imported_roots(p) & BANNED) for p in modules}
    assert {k: v for k, v in offenders.items() if v} == {}
