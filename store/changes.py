"""What changed on a platform between two sweeps: new, changed and vanished listings.

A sweep's observations (``Observation``, one per listing it saw) are compared with those of
the previous sweep of the same platform: a listing seen now and not then is new (or back,
when an older sweep saw it); one seen in both with a different price, original price, title
or availability is changed, with the fields that changed; one seen then and not now has
vanished — marked so on the listing when the sweep finished without failed pages
(``store.observations.mark_vanished``), only "not seen" otherwise. Leads of vanished listings
are listed with them: they are kept, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.errors import StoreError
from store.models import Lead, Listing, Observation, Sweep, SweepKind, SweepStatus

#: The fields compared, in the order they are reported.
FIELDS = ("price", "original_price", "title", "available")


@dataclass(frozen=True)
class Change:
    kind: str  # new, back, changed, vanished, unseen
    listing_id: int
    external_id: str
    title: str
    url: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (before, now)
    leads: list[int] = field(default_factory=list)  # active leads of the listing


@dataclass
class SweepChanges:
    sweep_id: int
    platform: str
    started_at: datetime
    previous_id: int | None
    vanished_judged: bool  # False: pages failed, listings not seen were not marked vanished
    changes: list[Change] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def _sweep(s: Session, sweep_id: int | None) -> Sweep:
    query = select(Sweep).where(Sweep.kind == SweepKind.sweep).options(selectinload(Sweep.platform))
    if sweep_id is not None:
        sweep = s.scalars(query.where(Sweep.id == sweep_id)).one_or_none()
        if sweep is None:
            raise StoreError(f"no sweep of a platform with id {sweep_id}")
        return sweep
    sweep = s.scalars(
        query.where(Sweep.status != SweepStatus.running).order_by(Sweep.id.desc()).limit(1)
    ).one_or_none()
    if sweep is None:
        raise StoreError("no sweep has ended yet: run wangjian sweep first")
    return sweep


def _previous(s: Session, sweep: Sweep) -> Sweep | None:
    return s.scalars(
        select(Sweep)
        .where(
            Sweep.platform_id == sweep.platform_id,
            Sweep.kind == SweepKind.sweep,
            Sweep.status != SweepStatus.running,
            Sweep.id < sweep.id,
        )
        .order_by(Sweep.id.desc())
        .limit(1)
    ).one_or_none()


def _seen(s: Session, sweep_id: int) -> dict[int, Observation]:
    rows = s.scalars(select(Observation).where(Observation.sweep_id == sweep_id))
    return {o.listing_id: o for o in rows}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a.compare(b) == 0
    return a == b


def changes_of(s: Session, sweep_id: int | None = None) -> SweepChanges:
    """The changes a sweep (default: the newest ended sweep of a platform) saw."""
    sweep = _sweep(s, sweep_id)
    previous = _previous(s, sweep)
    now = _seen(s, sweep.id)
    before = _seen(s, previous.id) if previous is not None else {}
    ids = set(now) | set(before)
    listings = {x.id: x for x in s.scalars(select(Listing).where(Listing.id.in_(ids)))}
    leads: dict[int, list[int]] = {}
    if ids:
        for lead_id, listing_id in s.execute(
            select(Lead.id, Lead.listing_id)
            .where(Lead.listing_id.in_(ids), Lead.cleared_at.is_(None))
            .order_by(Lead.id)
        ):
            leads.setdefault(listing_id, []).append(lead_id)
    older: set[int] = set()
    if previous is not None and set(now) - set(before):
        older = set(
            s.scalars(
                select(Observation.listing_id).where(
                    Observation.listing_id.in_(set(now) - set(before)),
                    Observation.sweep_id < previous.id,
                )
            )
        )
    judged = (sweep.stats or {}).get("vanished") is not None
    result = SweepChanges(
        sweep.id, sweep.platform.code, sweep.started_at, previous.id if previous else None, judged
    )

    def change(kind: str, listing_id: int, fields: dict | None = None) -> Change:
        x = listings[listing_id]
        return Change(kind, x.id, x.external_id, x.title, x.url, fields or {}, leads.get(x.id, []))

    if previous is None:
        return result  # the platform's first sweep: everything is new, nothing to compare
    for listing_id in sorted(ids, key=lambda i: listings[i].external_id):
        seen, was = now.get(listing_id), before.get(listing_id)
        if seen is not None and was is None:
            result.changes.append(change("back" if listing_id in older else "new", listing_id))
        elif seen is None and was is not None:
            vanished = listings[listing_id].vanished_sweep_id == sweep.id
            result.changes.append(change("vanished" if vanished else "unseen", listing_id))
        elif seen is not None and was is not None:
            differ = {
                name: (getattr(was, name), getattr(seen, name))
                for name in FIELDS
                if was.title is not None or name != "title"  # rows before 0009 kept no title
                if not _same(getattr(was, name), getattr(seen, name))
            }
            if differ:
                result.changes.append(change("changed", listing_id, differ))
    return result


#: How each kind of change is said.
KIND_LABELS = {
    "new": "新上架",
    "back": "重新上架",
    "changed": "有变化",
    "vanished": "已下架",
    "unseen": "未见（本次有页面失败，未判定下架）",
}
FIELD_LABELS = {"price": "价格", "original_price": "划线价", "title": "标题", "available": "可售"}


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name == "available":
        return "可售" if value else "不可售"
    if isinstance(value, Decimal):
        return f"¥{value:,.2f}"
    return str(value)


def render(found: SweepChanges, limit: int | None = None) -> str:
    """The changes as a person reads them: a summary line, then one line a listing."""
    from rules.terminal import escape_controls as e

    if found.previous_id is None:
        return (
            f"巡查 {found.sweep_id}（{found.platform}）是该平台的第一次巡查，没有可比较的上一次。\n"
        )
    counts = "，".join(
        f"{label} {found.count(kind)}" for kind, label in KIND_LABELS.items() if found.count(kind)
    )
    lines = [
        f"巡查 {found.sweep_id} 与上一次巡查 {found.previous_id}（{found.platform}）相比："
        + (counts or "没有变化")
    ]
    if not found.vanished_judged and found.count("unseen"):
        lines.append("  本次巡查有页面未能获取，未见的商品未标记为下架。")
    shown = found.changes if limit is None else found.changes[:limit]
    for c in shown:
        head = f"  {KIND_LABELS[c.kind].split('（')[0]:<5} {e(c.external_id)}  {e(c.title)[:40]}"
        detail = "；".join(
            f"{FIELD_LABELS[name]} {e(_shown(name, old))} → {e(_shown(name, new))}"
            for name, (old, new) in c.fields.items()
        )
        if detail:
            head += f"  {detail}"
        if c.leads:
            head += "  线索 " + ", ".join(map(str, c.leads))
        lines.append(head)
    if limit is not None and len(found.changes) > limit:
        lines.append(f"  ……另有 {len(found.changes) - limit} 条，用 --limit 0 全部列出")
    return "\n".join(lines) + "\n"


def as_json(found: SweepChanges) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return float(value) if isinstance(value, Decimal) else value

    return {
        "sweep_id": found.sweep_id,
        "platform": found.platform,
        "previous_sweep_id": found.previous_id,
        "vanished_judged": found.vanished_judged,
        "counts": {kind: found.count(kind) for kind in KIND_LABELS},
        "changes": [
            {
                "kind": c.kind,
                "external_id": c.external_id,
                "title": c.title,
                "url": c.url,
                "fields": {k: [plain(a), plain(b)] for k, (a, b) in c.fields.items()},
                "leads": c.leads,
            }
            for c in found.changes
        ],
    }
