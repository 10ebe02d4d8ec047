from __future__ import annotations

import json

from rules.checks import CHECKS
from rules.schema import SCHEMA_PATH, generate, render


def test_committed_schema_is_current():
    # regenerate with: python -m rules.schema
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render()


def test_every_field_is_described():
    schema = generate()
    missing = []
    for name, definition in [("Pack", schema), *schema.get("$defs", {}).items()]:
        for prop, spec in definition.get("properties", {}).items():
            if "description" not in spec:
                missing.append(f"{name}.{prop}")
    assert missing == []


def test_every_check_kind_has_an_implementation():
    kinds = {
        d["properties"]["kind"]["const"]
        for n, d in generate()["$defs"].items()
        if n.endswith("Check")
    }
    assert kinds == set(CHECKS)
    assert json.loads(render())["title"] == "Pack"
