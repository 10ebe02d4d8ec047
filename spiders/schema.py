"""JSON Schema of the profile format, generated from the models (python -m spiders.schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spiders.profile import PlatformProfile

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "profile.schema.json"


def generate() -> dict[str, Any]:
    schema = PlatformProfile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://wangjian.invalid/spiders/profile.schema.json"
    return schema


def render() -> str:
    return json.dumps(generate(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
