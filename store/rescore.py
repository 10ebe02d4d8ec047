"""Re-score stored listings, shops and ads with the current packs, without crawling again.

Each run opens one sweep per platform (kind ``rescore``, status running → finished or
failed, ``pack_versions`` the packs scored with, ``stats`` the report's counts): hits written
by the run and leads it touched point to it, so a lead's history tells a crawl from a rescore.

A target is rewritten only when its verdict differs from what is stored (hits, or the active
categories and their scores), so rescoring twice with the same packs writes nothing. Rewritten
verdicts are dated at the target's ``last_seen``: the content scored is the one seen then, and
a lead's ``last_seen`` keeps meaning "last seen firing on the platform". A category that no
longer fires keeps its lead, marked ``cleared_at`` (see ``store.verdicts.record_verdict``).

Pages of ``batch`` targets are each their own transaction: an interrupted run leaves what it
finished written (its sweeps "failed"), and running it again completes the rest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from itertools import islice
from typing import Any

from sqlalchemy import Engine, select, union
from sqlalchemy.orm import Session, sessionmaker

from rules.engine import Scorer
from rules.items import record_of
from rules.record import Hit, Verdict
from store import db, queries
from store.leads import title_of
from store.models import Ad, Lead, Listing, Platform, RuleHit, Shop, Sweep, SweepKind, Target
from store.rescore_report import KINDS, LeadChange, RescoreReport
from store.verdicts import record_verdict

__all__ = ["LeadChange", "RescoreReport", "rescore", "stored_versions"]

ROWS: dict[str, Callable[[Session, int, int], Iterator[Target]]] = {
    "listing": queries.listings_for_rescore,
    "shop": queries.shops_for_rescore,
    "ad": queries.ads_for_rescore,
}
HIT_FIELDS = tuple(Hit.model_fields)

Scope = Callable[[], AbstractContextManager[Session]]


def rescore(
    session_factory_or_engine: Engine | sessionmaker,
    scorer: Scorer,
    batch: int = 500,
) -> RescoreReport:
    """Score every stored listing, shop (page fetched) and ad with ``scorer``; write changes.

    ``session_factory_or_engine`` is an Engine or a ``sessionmaker``. Returns what changed;
    raises what the database raises, after marking the run's sweeps failed.
    """
    scope = _scope(session_factory_or_engine)
    packs = scorer.packset
    report = RescoreReport(
        versions_after=packs.versions(), labels={p.id: p.title for p in packs.packs}
    )
    with scope() as s:
        report.versions_before = stored_versions(s)
        platforms = {p.id: p.code for p in s.scalars(select(Platform))}
        sweeps = {
            platform.id: queries.start_sweep(
                s,
                platform.code,
                platform.name,
                platform.base_url,
                None,
                report.versions_after,
                kind=SweepKind.rescore,
            ).id
            for platform in _platforms_with_targets(s)
        }
    report.sweep_ids = sorted(sweeps.values())
    try:
        for kind in KINDS:
            after: int | None = 0
            while after is not None:
                with scope() as s:
                    page = _Page(s, kind, batch, after, platforms, sweeps)
                    after = page.rescore(scorer, report)
    except BaseException:
        _finish(scope, sweeps, "failed", report)
        raise
    _finish(scope, sweeps, "finished", report)
    return report


def stored_versions(s: Session) -> dict[str, list[str]]:
    """Pack id -> versions found on stored hits and active leads, sorted."""
    rows = s.execute(
        union(
            select(RuleHit.pack_id, RuleHit.pack_version),
            select(Lead.category, Lead.pack_version).where(Lead.cleared_at.is_(None)),
        )
    )
    versions: dict[str, set[str]] = defaultdict(set)
    for pack_id, version in rows:
        if version:
            versions[pack_id].add(version)
    return {pack_id: sorted(found) for pack_id, found in sorted(versions.items())}


def _scope(session_factory_or_engine: Engine | sessionmaker) -> Scope:
    return lambda: db.session_scope(session_factory_or_engine)


def _platforms_with_targets(s: Session) -> list[Platform]:
    ids = union(*(select(model.platform_id) for model in (Listing, Shop, Ad))).subquery()
    return list(
        s.scalars(select(Platform).where(Platform.id.in_(select(ids))).order_by(Platform.id))
    )


def _finish(scope: Scope, sweeps: dict[int, int], status: str, report: RescoreReport) -> None:
    with scope() as s:
        for sweep_id in sweeps.values():
            queries.finish_sweep(s, s.get_one(Sweep, sweep_id), status, report.stats())


def _hit_key(hit: Hit | RuleHit) -> tuple[Any, ...]:
    return tuple(getattr(hit, name) for name in HIT_FIELDS)


def _lead_scores(verdict: Verdict) -> dict[str, float]:
    return {c: verdict.pack_scores.get(c, verdict.score) for c in verdict.categories}


class _Page:
    """Up to ``batch`` targets of one kind after id ``after``, with their stored verdicts."""

    def __init__(
        self,
        s: Session,
        kind: str,
        batch: int,
        after: int,
        platforms: dict[int, str],
        sweeps: dict[int, int],
    ) -> None:
        self.s, self.kind, self.platforms, self.sweeps = s, kind, platforms, sweeps
        self.rows = list(islice(ROWS[kind](s, batch, after), batch))
        self.more = len(self.rows) == batch
        ids = [row.id for row in self.rows]
        hit_column = getattr(RuleHit, f"{kind}_id")
        lead_column = getattr(Lead, f"{kind}_id")
        self.hits: dict[int, Counter] = defaultdict(Counter)
        for hit in s.scalars(select(RuleHit).where(hit_column.in_(ids))):
            self.hits[getattr(hit, f"{kind}_id")][_hit_key(hit)] += 1
        self.leads: dict[int, dict[str, Lead]] = defaultdict(dict)
        for lead in s.scalars(select(Lead).where(lead_column.in_(ids))):
            self.leads[getattr(lead, f"{kind}_id")][lead.category] = lead

    def rescore(self, scorer: Scorer, report: RescoreReport) -> int | None:
        """Score the page, write what changed; the id to continue after, None when done."""
        for row in self.rows:
            verdict = scorer.score(record_of(row))
            report.scored[self.kind] += 1
            before = {c: lead.score for c, lead in self.leads[row.id].items() if lead.active}
            after = _lead_scores(verdict)
            hits = Counter(_hit_key(hit) for hit in verdict.hits)
            if before == after and hits == self.hits[row.id]:
                continue
            # Snapshot before record_verdict updates the same Lead objects in place.
            previous = dict(self.leads[row.id])
            sweep = self.s.get_one(Sweep, self.sweeps[row.platform_id])
            leads = record_verdict(self.s, sweep, row, verdict, when=row.last_seen)
            report.rewritten[self.kind] += 1
            self._note(
                report, row, before, after, {lead.category: lead for lead in leads}, previous
            )
        return self.rows[-1].id if self.more else None

    def _note(
        self,
        report: RescoreReport,
        row: Target,
        before: dict[str, float],
        after: dict[str, float],
        firing: dict[str, Lead],
        previous: dict[str, Lead],
    ) -> None:
        def change(lead: Lead, score: float | None, previous_score: float | None) -> LeadChange:
            return LeadChange(
                lead_id=lead.id,
                kind=self.kind,
                platform=self.platforms[row.platform_id],
                external_id=row.external_id,
                title=title_of(row),
                category=lead.category,
                score=score,
                previous_score=previous_score,
            )

        for category, score in after.items():
            if category not in before:
                report.added.append(change(firing[category], score, None))
            elif before[category] != score:
                report.changed.append(change(firing[category], score, before[category]))
        for category, score in before.items():
            if category not in after:
                report.cleared.append(change(previous[category], None, score))
