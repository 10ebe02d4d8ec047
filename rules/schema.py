"""JSON Schema of the pack format, generated from the models (python -m rules.schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rules.model import Pack

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "pack.schema.json"


def generate() -> dict[str, Any]:
    schema = Pack.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://wangjian.invalid/rules/pack.schema.json"
    return schema


def render() -> str:
    return json.dumps(generate(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write(path: Path = SCHEMA_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
