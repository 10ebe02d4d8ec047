"""JSON Schemas generated from pydantic models: the pack format here (python -m rules.schema),
the platform profile format through the same ``ModelSchema`` (``spiders.schema``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from rules.model import Pack


@dataclass(frozen=True)
class ModelSchema:
    """The committed JSON Schema of one model: generated, rendered, written."""

    model: type[BaseModel]
    path: Path
    id: str  # the schema's $id

    def generate(self) -> dict[str, Any]:
        schema = self.model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = self.id
        return schema

    def render(self) -> str:
        return json.dumps(self.generate(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def write(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(self.render(), encoding="utf-8")
        return self.path


PACK_SCHEMA = ModelSchema(
    Pack,
    Path(__file__).resolve().parent / "schema" / "pack.schema.json",
    "https://wangjian.invalid/rules/pack.schema.json",
)
SCHEMA_PATH = PACK_SCHEMA.path
generate, render, write = PACK_SCHEMA.generate, PACK_SCHEMA.render, PACK_SCHEMA.write

if __name__ == "__main__":
    print(write())
