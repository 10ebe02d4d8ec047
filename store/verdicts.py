"""Writing what the rules say about a target: its rule hits and its leads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
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
        lead.score = verdict.pack_scores.get(category, verdict.score)
        lead.pack_version = verdict.pack_versions.get(category) or next(
            (h.pack_version for h in verdict.hits if h.pack_id == category), ""
        )
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
