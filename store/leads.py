"""Reading leads back: filtered lists for review and export, counts per province."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple
from urllib.parse import urljoin

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from store import places
from store.errors import StoreError
from store.models import Ad, Lead, LeadStatus, Listing, RuleHit, Shop

#: Separator of matched terms in LeadRow.matched (reads naturally in Chinese lists).
TERM_SEPARATOR = "、"
# Well under SQLite's limit on bound parameters per statement.
CHUNK = 500


@dataclass(frozen=True)
class LeadRow:
    """One lead with everything an export needs, flat."""

    id: int
    category: str
    score: float
    status: str
    pack_version: str
    region_code: str | None
    region_name: str | None
    kind: str  # listing, shop or ad
    platform: str
    external_id: str
    url: str
    title: str  # listing title, shop name or ad text
    shop_name: str | None
    uscc: str | None
    first_seen: datetime
    last_seen: datetime
    matched: str  # distinct matched texts of this category's hits, in order of appearance
    # When the target's latest verdict stopped putting it in this category; None: active.
    cleared_at: datetime | None = None


class SummaryRow(NamedTuple):
    category: str
    province_code: str | None
    province_name: str | None
    count: int


def _since(value: date | datetime) -> datetime:
    """A bound for ``last_seen``: naive values are local time, as a user typed them."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value.astimezone(UTC)


def list_leads(
    s: Session,
    category: str | None = None,
    region: str | None = None,
    since: date | datetime | None = None,
    status: str | LeadStatus | None = None,
    limit: int | None = None,
    active: bool | None = None,
) -> list[LeadRow]:
    """Leads newest first (by last_seen).

    ``region`` is a GB/T 2260 prefix: "42" or "420000" all of Hubei, "4207" or "420700" 鄂州市
    with its counties, "420704" that county only. ``since`` keeps leads seen at or after it.
    ``active`` True keeps leads still firing, False those cleared (``LeadRow.cleared_at``),
    None both.
    """
    query = select(Lead).options(
        selectinload(Lead.listing).selectinload(Listing.shop),
        selectinload(Lead.listing).selectinload(Listing.platform),
        selectinload(Lead.shop).selectinload(Shop.platform),
        selectinload(Lead.ad).selectinload(Ad.platform),
    )
    if category is not None:
        query = query.where(Lead.category == category)
    if region is not None:
        try:
            prefix = places.prefix_of(region)
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        query = query.where(Lead.region_code.startswith(prefix, autoescape=True))
    if since is not None:
        query = query.where(Lead.last_seen >= _since(since))
    if status is not None:
        query = query.where(Lead.status == LeadStatus(status))
    if active is not None:
        query = query.where(Lead.cleared_at.is_(None) if active else Lead.cleared_at.is_not(None))
    query = query.order_by(Lead.last_seen.desc(), Lead.id.desc())
    if limit is not None:
        query = query.limit(limit)
    leads = s.scalars(query).all()
    matched = _matched_terms(s, leads)
    names: dict[str | None, str | None] = {}
    return [_row(lead, matched, names) for lead in leads]


def _row(lead: Lead, matched: dict, names: dict) -> LeadRow:
    target = lead.target
    shop = target if isinstance(target, Shop) else getattr(target, "shop", None)
    if lead.region_code not in names:
        names[lead.region_code] = places.region_name(lead.region_code)
    return LeadRow(
        id=lead.id,
        category=lead.category,
        score=lead.score,
        status=LeadStatus(lead.status).value,
        pack_version=lead.pack_version,
        region_code=lead.region_code,
        region_name=names[lead.region_code],
        kind=target.kind,
        platform=target.platform.code,
        external_id=target.external_id,
        url=_url_of(target),
        title=title_of(target),
        shop_name=(shop.name or None) if shop else None,
        uscc=shop.uscc if shop else None,
        first_seen=lead.first_seen,
        last_seen=lead.last_seen,
        matched=TERM_SEPARATOR.join(matched.get((target.kind, target.id, lead.category), ())),
        cleared_at=lead.cleared_at,
    )


def title_of(target: Listing | Shop | Ad) -> str:
    """What people call the target: a listing's title, a shop's name, an ad's text."""
    if isinstance(target, Listing):
        return target.title
    return target.name if isinstance(target, Shop) else target.text


def _url_of(target: Listing | Shop | Ad) -> str:
    if isinstance(target, Ad):
        # An ad is reported by where it leads, else by the page it was seen on.
        return urljoin(target.page_url, target.target_url) if target.target_url else target.page_url
    return target.url


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _matched_terms(s: Session, leads: Sequence[Lead]) -> dict[tuple[str, int, str], list[str]]:
    """(kind, target id, pack id) -> distinct matched texts (the check's name for checks)."""
    found: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for kind in ("listing", "shop", "ad"):
        column = getattr(RuleHit, f"{kind}_id")
        ids = sorted({getattr(lead, f"{kind}_id") for lead in leads} - {None})
        for chunk in _chunks(ids):
            hits = s.execute(
                select(column, RuleHit.pack_id, RuleHit.matched, RuleHit.term)
                .where(column.in_(chunk))
                .order_by(column, RuleHit.field, RuleHit.start, RuleHit.id)
            )
            for target_id, pack_id, text, term in hits:
                terms = found[(kind, target_id, pack_id)]
                if (text or term) not in terms:
                    terms.append(text or term)
    return found


def lead_summary(s: Session) -> list[SummaryRow]:
    """Lead counts by category and province; leads of unknown region under None."""
    province = func.substr(Lead.region_code, 1, 2)
    rows = s.execute(
        select(Lead.category, province, func.count(Lead.id))
        .group_by(Lead.category, province)
        .order_by(Lead.category, province)
    )
    summary = []
    for category, prefix, count in rows:
        code = f"{prefix}0000" if prefix else None
        summary.append(SummaryRow(category, code, places.region_name(code), count))
    return summary


def lead_hits(s: Session, lead: Lead) -> list[RuleHit]:
    """The stored hits behind a lead: its target's hits of the lead's category."""
    column = getattr(RuleHit, f"{lead.target_kind}_id")
    target_id = lead.listing_id or lead.shop_id or lead.ad_id
    return list(
        s.scalars(
            select(RuleHit)
            .where(column == target_id, RuleHit.pack_id == lead.category)
            .order_by(RuleHit.field, RuleHit.start, RuleHit.id)
        )
    )


def set_lead_status(s: Session, lead_id: int, status: str | LeadStatus) -> Lead:
    """Move a lead through review (new → reviewing → referred / dismissed)."""
    lead = s.get(Lead, lead_id)
    if lead is None:
        raise StoreError(f"no lead with id {lead_id}")
    lead.status = LeadStatus(status)
    s.flush()
    return lead


__all__ = [
    "LeadRow",
    "SummaryRow",
    "lead_hits",
    "lead_summary",
    "list_leads",
    "set_lead_status",
    "title_of",
]
