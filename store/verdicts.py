"""Writing what the rules say about a target: its rule hits and its leads.

``record_verdict`` writes one target's verdict through the ORM (rescoring, the CLI);
``record_verdicts`` writes a batch's with set-based statements (the sweep's writer, through
``store.batch``), to the same effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from rules.record import Verdict
from store.base import utc
from store.models import Lead, LeadStatus, RuleHit, Sweep, Target, utcnow


def _target_column(model: type[RuleHit] | type[Lead], target: Target):
    return getattr(model, f"{target.kind}_id")


def record_verdict(
    s: Session,
    sweep: Sweep | None,
    target: Target,
    verdict: Verdict,
    when: datetime | None = None,
    new: bool = False,
) -> list[Lead]:
    """Replace the target's rule hits with the verdict's; upsert one lead per category.

    ``new`` says the target was inserted in this transaction, so it has no hits or leads to
    look up and replace.

    A category that no longer fires keeps its lead (staff may already be working on it) with
    its score and last_seen as they were, marked ``cleared_at=when``; it is un-cleared when
    the category fires again. A lead's review status is never changed here.
    """
    when = utcnow() if when is None else utc(when)
    sweep_id = sweep.id if sweep else None
    if not new:
        s.execute(delete(RuleHit).where(_target_column(RuleHit, target) == target.id))
    if verdict.hits:
        target_id = {f"{target.kind}_id": target.id}
        s.execute(
            insert(RuleHit),
            [
                {**target_id, **hit.model_dump(), "sweep_id": sweep_id, "created_at": when}
                for hit in verdict.hits
            ],
        )
    existing = {} if new else leads_of(s, target)
    leads = []
    for category in verdict.categories:
        lead = existing.get(category)
        if lead is None:
            lead = Lead(
                **{f"{target.kind}_id": target.id},
                category=category,
                status=LeadStatus.new,
                first_seen=when,
            )
            s.add(lead)
        lead.score, lead.pack_version = _scored(verdict, category)
        lead.last_seen = when
        lead.last_sweep_id = sweep_id
        lead.cleared_at = None
        leads.append(lead)
    for category, lead in existing.items():
        if category not in verdict.categories and lead.cleared_at is None:
            lead.cleared_at = when
    s.flush()
    return leads


def leads_of(s: Session, target: Target) -> dict[str, Lead]:
    """Every lead of the target, cleared or not, by category."""
    column = _target_column(Lead, target)
    return {lead.category: lead for lead in s.scalars(select(Lead).where(column == target.id))}


def _scored(verdict: Verdict, category: str) -> tuple[float, str]:
    """A lead's score and pack version from the verdict that puts it in ``category``."""
    version = verdict.pack_versions.get(category) or next(
        (h.pack_version for h in verdict.hits if h.pack_id == category), ""
    )
    return verdict.pack_scores.get(category, verdict.score), version


@dataclass(frozen=True)
class Judged:
    """A target of a batch and its verdict (``record_verdicts``)."""

    kind: str  # listing, shop or ad
    id: int
    new: bool  # inserted in this transaction: no hits or leads to look up
    verdict: Verdict
    when: datetime


TARGETS = ("listing", "shop", "ad")
HITS = RuleHit.__table__
LEADS = Lead.__table__


def _of_targets(table, judged: Sequence[Judged]):
    """Rows of ``table`` (rule hits or leads) about the given targets."""
    ids: dict[str, list[int]] = {}
    for j in judged:
        ids.setdefault(j.kind, []).append(j.id)
    return or_(*(table.c[f"{kind}_id"].in_(ids[kind]) for kind in TARGETS if kind in ids))


def record_verdicts(s: Session, sweep_id: int | None, judged: Sequence[Judged]) -> None:
    """``record_verdict`` of many targets, each at most once: the earlier targets' hits
    deleted in one statement and the new ones inserted in one; their leads read in one, the
    new leads inserted in one and the others updated in one."""
    earlier = [j for j in judged if not j.new]
    if earlier:
        s.execute(delete(HITS).where(_of_targets(HITS, earlier)))
    none = dict.fromkeys(f"{kind}_id" for kind in TARGETS)
    hits = [
        {
            **none,
            f"{j.kind}_id": j.id,
            **hit.model_dump(),
            "sweep_id": sweep_id,
            "created_at": utc(j.when),
        }
        for j in judged
        for hit in j.verdict.hits
    ]
    if hits:
        s.execute(insert(HITS), hits)
    leads: dict[tuple[str, int], dict[str, Any]] = {}
    if earlier:
        columns = [LEADS.c[c] for c in (*none, "id", "category", "score", "pack_version")]
        columns += [LEADS.c.last_seen, LEADS.c.last_sweep_id, LEADS.c.cleared_at]
        for row in s.execute(select(*columns).where(_of_targets(LEADS, earlier))).mappings():
            kind = next(k for k in TARGETS if row[f"{k}_id"] is not None)
            leads.setdefault((kind, row[f"{kind}_id"]), {})[row["category"]] = row
    added, changed = [], []
    for j in judged:
        when, existing = utc(j.when), leads.get((j.kind, j.id), {})
        for category in j.verdict.categories:
            score, version = _scored(j.verdict, category)
            lead = existing.get(category)
            if lead is None:
                added.append(
                    {
                        **none,
                        f"{j.kind}_id": j.id,
                        "category": category,
                        "status": LeadStatus.new.value,
                        "first_seen": when,
                        "score": score,
                        "pack_version": version,
                        "last_seen": when,
                        "last_sweep_id": sweep_id,
                        "cleared_at": None,
                    }
                )
            else:
                changed.append(_lead_update(lead["id"], score, version, when, sweep_id, None))
        for category, lead in existing.items():
            if category not in j.verdict.categories and lead["cleared_at"] is None:
                # No longer fires: kept as it was, marked cleared.
                kept = (lead["score"], lead["pack_version"], lead["last_seen"])
                changed.append(_lead_update(lead["id"], *kept, lead["last_sweep_id"], when))
    if added:
        s.execute(insert(LEADS), added)
    if changed:
        values = {c: bindparam(f"b_{c}") for c in changed[0] if c != "id"}
        s.execute(
            update(LEADS).where(LEADS.c.id == bindparam("b_id")).values(values),
            [{f"b_{k}": v for k, v in row.items()} for row in changed],
        )


def _lead_update(lead_id, score, version, last_seen, sweep_id, cleared_at) -> dict[str, Any]:
    return {
        "id": lead_id,
        "score": score,
        "pack_version": version,
        "last_seen": last_seen,
        "last_sweep_id": sweep_id,
        "cleared_at": cleared_at,
    }
