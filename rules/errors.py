"""Problems found in rule packs, with the place in the YAML where an analyst can fix them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Issue:
    """One problem in a pack file; ``line``/``column`` are 1-based (0 when unknown)."""

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class PackError(Exception):
    """Raised when packs cannot be loaded; ``issues`` lists what is wrong, first issue first."""

    def __init__(self, issues: list[Issue]):
        if not issues:
            raise ValueError("PackError needs at least one issue")
        self.issues = list(issues)
        super().__init__(str(self.issues[0]))

    def __str__(self) -> str:
        return str(self.issues[0])
