"""The stored history of sweeps: what each one did, for ``wangjian sweeps list/show``.

A finished sweep's row keeps Scrapy's counts (``stats``) and its failures; they are read
here into plain rows, with the same names as ``crawler.results.SweepResult``. The runner
adds to a row what only it knows (``add_stats``: the log file before the crawl, the health
after it) and reads the platform's recent sweeps back as the baseline of that health
(``recent_stats``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.errors import StoreError
from store.models import Platform, Sweep, SweepKind, SweepStatus

#: Stored listings counted for field coverage; ``COVERAGE/<field>``: those with the field.
COVERAGE = "wangjian/coverage"


def _by(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    """The counts under ``prefix``, by what follows it."""
    return {k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)}


def coverage_shares(stats: dict[str, Any]) -> tuple[int, dict[str, float]]:
    """Listings counted for coverage, and the share of them that had each field."""
    listings = stats.get(COVERAGE, 0)
    counts = _by(stats, COVERAGE + "/")
    return listings, {f: round(n / listings, 4) if listings else 0.0 for f, n in counts.items()}


@dataclass(frozen=True)
class SweepRow:
    id: int
    platform: str
    kind: str
    status: str
    profile: str | None
    started_at: datetime
    finished_at: datetime | None
    pages: int
    listings: int
    shops: int
    ads: int
    leads: int  # items that became leads in this sweep
    errors: int
    close_reason: str | None
    pack_versions: dict[str, str] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    failures_by_kind: dict[str, int] = field(default_factory=dict)
    pages_by_status: dict[str, int] = field(default_factory=dict)  # HTTP status -> responses
    items_by_kind: dict[str, int] = field(default_factory=dict)  # listing, shop, ad, page
    leads_by_category: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    blocked: int = 0  # pages the platform answered with a block or a login wall
    coverage_listings: int = 0  # listings counted for field coverage
    coverage: dict[str, float] = field(default_factory=dict)  # field -> share of listings
    structure_warnings: list[str] = field(default_factory=list)  # 页面结构可能已变化: why
    log_files: list[str] = field(default_factory=list)  # one a run (a resumed sweep has more)


def _row(sweep: Sweep) -> SweepRow:
    stats: dict[str, Any] = sweep.stats or {}
    prefix = "wangjian/errors/"
    health = stats.get("health") or {}
    covered, shares = coverage_shares(stats)
    return SweepRow(
        id=sweep.id,
        platform=sweep.platform.code,
        kind=str(sweep.kind),
        status=str(sweep.status),
        profile=sweep.profile,
        started_at=sweep.started_at,
        finished_at=sweep.finished_at,
        pages=stats.get("response_received_count", 0),
        listings=stats.get("wangjian/items/listing", 0) + stats.get("wangjian/items/page", 0),
        shops=stats.get("wangjian/items/shop", 0),
        ads=stats.get("wangjian/items/ad", 0),
        leads=sum(v for k, v in stats.items() if k.startswith("wangjian/leads/")),
        errors=stats.get("wangjian/errors", 0),
        close_reason=stats.get("close_reason"),
        pack_versions=dict(sweep.pack_versions or {}),
        failures=list(stats.get("failures", [])),
        failures_by_kind=_by(stats, prefix),
        pages_by_status=_by(stats, "downloader/response_status_count/"),
        items_by_kind=_by(stats, "wangjian/items/"),
        leads_by_category=_by(stats, "wangjian/leads/"),
        retries=stats.get("retry/count", 0),
        blocked=stats.get("wangjian/blocked", 0),
        coverage_listings=covered,
        coverage=shares,
        structure_warnings=list(health.get("warnings", [])),
        log_files=list(stats.get("log_files", [])),
    )


def list_sweeps(s: Session, platform: str | None = None, limit: int = 20) -> list[SweepRow]:
    """The newest sweeps first (rescore runs included), of one platform or all."""
    query = select(Sweep).options(selectinload(Sweep.platform)).order_by(Sweep.id.desc())
    if platform is not None:
        query = query.join(Platform).where(Platform.code == platform)
    return [_row(sweep) for sweep in s.scalars(query.limit(limit))]


def get_sweep(s: Session, sweep_id: int) -> SweepRow:
    sweep = s.get(Sweep, sweep_id)
    if sweep is None:
        raise StoreError(f"no sweep with id {sweep_id}")
    return _row(sweep)


def recent_stats(
    s: Session, platform: str, exclude: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Id and stats of the platform's last ``limit`` finished sweeps (kind sweep), newest
    first, leaving out sweep ``exclude`` (the one being judged)."""
    query = (
        select(Sweep.id, Sweep.stats)
        .join(Platform)
        .where(
            Platform.code == platform,
            Sweep.kind == SweepKind.sweep,
            Sweep.status == SweepStatus.finished,
            Sweep.id != exclude,
        )
        .order_by(Sweep.id.desc())
        .limit(limit)
    )
    return [(sweep_id, stats or {}) for sweep_id, stats in s.execute(query)]


def add_stats(
    s: Session, sweep_id: int, values: dict[str, Any], log_file: str | None = None
) -> None:
    """Merge ``values`` into the sweep's stats; ``log_file`` is added to its list of logs."""
    sweep = s.get(Sweep, sweep_id)
    if sweep is None:
        raise StoreError(f"no sweep with id {sweep_id}")
    stats = {**(sweep.stats or {}), **values}
    if log_file is not None:
        stats["log_files"] = [*stats.get("log_files", []), log_file]
    sweep.stats = stats  # a new dict: the JSON column sees the change
    s.flush()
