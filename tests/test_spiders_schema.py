"""The profile format's JSON Schema is current, every field is described, and spiders/FORMAT.md
documents every field and shows a profile that loads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from spiders.profile import PlatformProfile, load_profile
from spiders.schema import SCHEMA_PATH, generate, render

FORMAT = Path(__file__).resolve().parents[1] / "spiders" / "FORMAT.md"


def definitions() -> list[tuple[str, dict]]:
    schema = generate()
    return [("PlatformProfile", schema), *schema.get("$defs", {}).items()]


def test_committed_schema_is_current():
    # regenerate with: python -m spiders.schema
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render()
    assert json.loads(render())["title"] == "PlatformProfile"


def test_every_field_is_described():
    missing = [
        f"{name}.{prop}"
        for name, definition in definitions()
        for prop, spec in definition.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert missing == []


def test_every_field_is_documented_in_format_md():
    doc = FORMAT.read_text(encoding="utf-8")
    fields = {prop for _, d in definitions() for prop in d.get("properties", {})}
    assert len(fields) > 30
    assert sorted(f for f in fields if f"`{f}`" not in doc) == []


def test_the_complete_profile_in_format_md_is_the_demo_profile():
    doc = FORMAT.read_text(encoding="utf-8")
    first_yaml = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    assert PlatformProfile.model_validate(yaml.safe_load(first_yaml)) == load_profile("demo")
