"""How a sweep ended and what kind of run it was: plain enums, without the database layer.

They are what the command line and a scan's report read (``crawler.results``); kept apart
from ``store.models`` so that reading them does not import SQLAlchemy and the tables (a scan
that stores nothing starts without either). ``store.models`` uses them for its columns.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any


class SweepStatus(enum.StrEnum):
    running = "running"
    finished = "finished"  # ran out of pages (some may have failed: see stats["failures"])
    failed = "failed"  # our own error stopped it (a rescore that raised)
    interrupted = "interrupted"  # stopped before its end: Ctrl-C, page limit, shutdown
    unreachable = "unreachable"  # ran to its end without one page answered: nothing seen
    blocked = "blocked"  # stopped because the platform kept showing a block or login wall

    @classmethod
    def after(cls, close_reason: str, stats: Mapping[str, Any] | None = None) -> SweepStatus:
        """How a crawl ended, from Scrapy's close reason and its response counts."""
        if close_reason == "blocked":
            return cls.blocked
        if close_reason != "finished":
            return cls.interrupted
        if stats is not None and answered(stats) == 0:
            return cls.unreachable
        return cls.finished


def answered(stats: Mapping[str, Any]) -> int:
    """Responses that were not errors (status below 400), from Scrapy's downloader counts."""
    prefix = "downloader/response_status_count/"
    return sum(
        n for key, n in stats.items() if key.startswith(prefix) and int(key[len(prefix) :]) < 400
    )


class SweepKind(enum.StrEnum):
    sweep = "sweep"  # a crawl of a platform
    scan = "scan"  # ``wangjian scan --keep``: the URLs a person named
    rescore = "rescore"  # stored targets scored again with other packs, nothing fetched
