"""The stored history of sweeps: what each one did, for ``wangjian sweeps list/show``.

A finished sweep's row keeps Scrapy's counts (``stats``) and its failures; they are read
here into plain rows, with the same names as ``crawler.results.SweepResult``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.errors import StoreError
from store.models import Platform, Sweep


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


def _row(sweep: Sweep) -> SweepRow:
    stats: dict[str, Any] = sweep.stats or {}
    prefix = "wangjian/errors/"
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
        failures_by_kind={
            k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)
        },
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
