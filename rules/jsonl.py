"""Records from a JSON-lines file, losing nothing: a line that cannot be read is reported
with its file and line and the others are still given; ``null`` means absent (the normal way
an export writes an empty field); a file that is missing, a folder or not UTF-8 is one
clear error, not a traceback.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """The input cannot be read at all; the message is one line naming the file."""


@dataclass(frozen=True)
class Line:
    """One line of the input: its record, or why it could not be read."""

    number: int
    record: dict[str, Any] | None
    problem: str | None = None


def _text(path: str) -> io.TextIOBase:
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="strict")
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{path}: is a folder, not a JSON-lines file")
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return io.StringIO(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("gb18030")
            hint = " (it reads as GBK/GB18030: iconv -f GBK -t UTF-8 converts it)"
        except UnicodeDecodeError:
            pass
        raise InputError(f"{path}: not UTF-8 at byte {exc.start}{hint}") from None


def without_nulls(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its ``null`` fields left out: absent, so they take their defaults."""
    return {k: v for k, v in record.items() if v is not None}


def _json_type(value: Any) -> str:
    """What JSON calls the type of a decoded value: null, array, string …"""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    names = {list: "an array", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def read_lines(path: str) -> Iterator[Line]:
    """Every non-blank line of ``path`` ('-': standard input), read or with its problem."""
    stream = _text(path)
    try:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield Line(number, None, f"not JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(record, dict):
                yield Line(number, None, f"expected a JSON object, found {_json_type(record)}")
                continue
            yield Line(number, without_nulls(record))
    except UnicodeDecodeError as exc:  # standard input, read as it comes
        raise InputError(f"{path}: not UTF-8 at byte {exc.start}") from None
