"""Problems found in rule packs, with the place in the YAML where an analyst can fix them;
and pydantic's validation errors as one line of text, worded the same wherever they come from
(profiles, settings, records read by the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError


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


@dataclass(frozen=True)
class FieldProblem:
    """One validation error: the dotted place (``search.ads.1.css``) and what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def field_problems(exc: ValidationError) -> list[FieldProblem]:
    """Each error of ``exc``, first first.

    Pydantic puts "Value error, " before a validator's message and starts its own messages with
    a capital; both are undone so that every message reads on after "field: ".
    """
    out = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        out.append(
            FieldProblem(
                ".".join(str(part) for part in error["loc"]), message[:1].lower() + message[1:]
            )
        )
    return out


def validation_problems(exc: ValidationError, name: Callable[[str], str] | None = None) -> str:
    """``field: message`` for every error of ``exc``, joined by "; ".

    ``name`` turns a dotted field into what the reader knows it as (an environment variable,
    say); by default the field is shown as it is.
    """
    problems = field_problems(exc)
    if name:
        problems = [FieldProblem(name(p.field), p.message) for p in problems]
    return "; ".join(map(str, problems))
