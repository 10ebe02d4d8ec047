"""Where the shared reference data lies: beside the clone (CI), else this workplace's copy."""

from __future__ import annotations

from pathlib import Path

_BESIDE = Path(__file__).resolve().parents[2] / "shared" / "reference"
REFERENCE = _BESIDE if _BESIDE.is_dir() else Path("/work/shared/reference")
