"""JSON Schema of the profile format, generated from the models (python -m spiders.schema)."""

from __future__ import annotations

from pathlib import Path

from rules.schema import ModelSchema
from spiders.profile import PlatformProfile

PROFILE_SCHEMA = ModelSchema(
    PlatformProfile,
    Path(__file__).resolve().parent / "schema" / "profile.schema.json",
    "https://wangjian.invalid/spiders/profile.schema.json",
)
SCHEMA_PATH = PROFILE_SCHEMA.path
generate, render, write = PROFILE_SCHEMA.generate, PROFILE_SCHEMA.render, PROFILE_SCHEMA.write

if __name__ == "__main__":
    print(write())
