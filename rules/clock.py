"""The time this process takes as now: the system clock, or a simulated one for rehearsals.

``WANGJIAN_CLOCK`` (an ISO 8601 time with an offset, e.g. ``2026-11-05T10:00:00+08:00``)
makes the process start at that time and run on from it at the real rate: tests and
rehearsals sweep ten days of a marketplace in seconds, each sweep on its day. Every time the
project records (sightings, captures, custody lines, sweep rows) comes from ``now()``, and
the evidence says when the clock was simulated (``store.evidence.clock``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

ENV = "WANGJIAN_CLOCK"

_offset: timedelta | None = None
_read = False


def parse(text: str) -> datetime:
    """A ``WANGJIAN_CLOCK`` value as a time (ValueError saying what is wrong)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise ValueError(
            f"{text!r} is not an ISO 8601 time with its offset (2026-11-05T10:00:00+08:00)"
        )
    return at


def simulated() -> str | None:
    """The simulated start time this process runs on, None on the system clock."""
    return os.environ.get(ENV) or None


def _shift() -> timedelta | None:
    global _offset, _read
    if not _read:
        text = simulated()
        _offset = None if text is None else parse(text) - datetime.now(UTC)
        _read = True
    return _offset


def now() -> datetime:
    """Now, aware, in UTC."""
    shift = _shift()
    real = datetime.now(UTC)
    return real if shift is None else real + shift


__all__ = ["ENV", "now", "parse", "simulated"]
