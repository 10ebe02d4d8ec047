"""Reading leads back: filtered lists for review and export, counts per province.

A lead's region (属地) is not stored on the lead: it is derived here when the leads are read,
with what placed it (``_with_region``, the one definition of the order) — a shop lead from the
shop; a listing lead from its shop when the seller's valid USCC or licence address placed it,
else its own ship-from place, else its shop's listings'; an ad lead as the listing it
promotes. Only the shop's region is a stored copy (``store.models.Shop.region_code`` says why).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from urllib.parse import urljoin

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from rules.labels import hit_label
from store import places
from store.base import utcnow
from store.errors import StoreError
from store.models import Ad, Lead, LeadEvent, LeadStatus, Listing, Platform, RuleHit, Shop

#: Separator of matched terms in LeadRow.matched (reads naturally in Chinese lists).
TERM_SEPARATOR = "、"


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
    matched: str  # what fired, in order of appearance: matched texts, checks in words
    # When the target's latest verdict stopped putting it in this category; None: active.
    cleared_at: datetime | None = None
    #: What placed the lead (``REGION_SOURCES``): uscc, licence_address, listing_ship_from,
    #: ship_from (its shop's listings), or None.
    region_source: str | None = None
    #: When a finished sweep of its platform no longer found the lead's listing (下架); None:
    #: still listed, or not a listing.
    vanished_at: datetime | None = None


class SummaryRow(NamedTuple):
    category: str
    province_code: str | None
    province_name: str | None
    count: int


def since_bound(value: date | datetime) -> datetime:
    """A bound for ``last_seen``: naive values are local time, as a user typed them."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value.astimezone(UTC)


def until_bound(value: date | datetime) -> tuple[datetime, bool]:
    """The upper bound for ``last_seen`` and whether it is included: a date means to the end
    of that day (local time), a date and time that moment."""
    if isinstance(value, datetime):
        return value.astimezone(UTC), True
    return since_bound(value + timedelta(days=1)), False


#: What can place a lead, in the order tried.
REGION_SOURCES = ("uscc", "licence_address", "listing_ship_from", "ship_from")
#: Shop region sources that place the seller itself (its registration, its licence), and so
#: come before a listing's own ship-from place.
SELLER_PLACED = ("uscc", "licence_address")


def _with_region(query: Select) -> tuple[Select, Any, Any]:
    """``query`` over Lead joined to what places each lead, and the region expression with
    the expression of what placed it (``REGION_SOURCES``)."""
    listing_shop, ad_listing, ad_shop = aliased(Shop), aliased(Listing), aliased(Shop)
    query = (
        query.outerjoin(Listing, Lead.listing_id == Listing.id)
        .outerjoin(listing_shop, Listing.shop_id == listing_shop.id)
        .outerjoin(Shop, Lead.shop_id == Shop.id)
        .outerjoin(Ad, Lead.ad_id == Ad.id)
        .outerjoin(
            ad_listing,
            and_(
                ad_listing.platform_id == Ad.platform_id,
                ad_listing.external_id == Ad.target_external_id,
            ),
        )
        .outerjoin(ad_shop, ad_listing.shop_id == ad_shop.id)
    )
    # Exactly one target column of a lead is set; in order: the seller's own registration or
    # licence address, the listing's ship-from place, the shop's listings' ship-from places.
    steps = []
    for shop, listing in ((listing_shop, Listing), (Shop, None), (ad_shop, ad_listing)):
        steps.append((shop.region_source.in_(SELLER_PLACED), shop.region_code, shop.region_source))
        if listing is not None:
            steps.append(
                (
                    listing.ship_from_code.is_not(None),
                    listing.ship_from_code,
                    literal("listing_ship_from"),
                )
            )
        steps.append((shop.region_code.is_not(None), shop.region_code, shop.region_source))
    region = case(*((when, code) for when, code, _ in steps), else_=None)
    source = case(*((when, why) for when, _, why in steps), else_=None)
    return query, region, source


def _same_target() -> ColumnElement[bool]:
    """A rule hit on the lead's target (exactly one of the three columns is set)."""
    return or_(
        RuleHit.listing_id == Lead.listing_id,
        RuleHit.shop_id == Lead.shop_id,
        RuleHit.ad_id == Lead.ad_id,
    )


def _rule_hit(rule: str) -> ColumnElement[bool]:
    """The lead's own category has a hit of ``rule``: a full id (``wildlife.ivory``), or a
    rule's id within its pack (``ivory``)."""
    named = RuleHit.rule_id == rule
    if "." not in rule:
        named = or_(named, RuleHit.rule_id.endswith("." + rule, autoescape=True))
    # Correlated to the lead only: the query may sit inside one over rule hits (_matched).
    return exists().where(_same_target(), RuleHit.pack_id == Lead.category, named).correlate(Lead)


def _filtered(
    query: Select,
    region_expr: Any,
    category: str | None = None,
    region: str | None = None,
    since: date | datetime | None = None,
    status: str | LeadStatus | None = None,
    active: bool | None = None,
    until: date | datetime | None = None,
    platform: str | None = None,
    rule: str | None = None,
    min_score: float | None = None,
    sweep_id: int | None = None,
) -> Select:
    """``query`` (over Lead joined by ``_with_region``) narrowed by every filter given."""
    if category is not None:
        query = query.where(Lead.category == category)
    if region is not None:
        try:
            prefix = places.prefix_of(region)
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        query = query.where(region_expr.startswith(prefix, autoescape=True))
    if since is not None:
        query = query.where(Lead.last_seen >= since_bound(since))
    if until is not None:
        bound, included = until_bound(until)
        query = query.where(Lead.last_seen <= bound if included else Lead.last_seen < bound)
    if status is not None:
        query = query.where(Lead.status == LeadStatus(status))
    if active is not None:
        query = query.where(Lead.cleared_at.is_(None) if active else Lead.cleared_at.is_not(None))
    if platform is not None:
        # The target tables are joined already; exactly one of them is the lead's.
        platform_id = func.coalesce(Listing.platform_id, Shop.platform_id, Ad.platform_id)
        code = select(Platform.id).where(Platform.code == platform).scalar_subquery()
        query = query.where(platform_id == code)
    if rule is not None:
        query = query.where(_rule_hit(rule))
    if min_score is not None:
        query = query.where(Lead.score >= min_score)
    if sweep_id is not None:
        query = query.where(Lead.last_sweep_id == sweep_id)
    return query


def list_leads(
    s: Session,
    category: str | None = None,
    region: str | None = None,
    since: date | datetime | None = None,
    status: str | LeadStatus | None = None,
    limit: int | None = None,
    active: bool | None = None,
    *,
    until: date | datetime | None = None,
    platform: str | None = None,
    rule: str | None = None,
    min_score: float | None = None,
    sweep_id: int | None = None,
) -> list[LeadRow]:
    """Leads newest first (by last_seen), narrowed in SQL by every filter given.

    ``category`` is a pack id. ``region`` is a GB/T 2260 code or prefix of 2, 4 or 6
    digits: "42" or "420000" all of Hubei, "4207" or "420700" 鄂州市 with its counties,
    "420704" that county only. ``since`` keeps leads seen at or after it, ``until`` those
    seen at or before it (a date: to the end of that day); naive values are local time.
    ``active`` True keeps leads still firing, False those cleared (``LeadRow.cleared_at``),
    None both. ``platform`` is a platform code; ``rule`` a rule of the lead's category that
    hit (``wildlife.ivory`` or ``ivory``); ``min_score`` keeps scores at or above it;
    ``sweep_id`` the leads whose latest verdict came from that sweep (or scan, or rescore).
    """
    query, region_expr, source_expr = _with_region(select(Lead).select_from(Lead))
    query = _filtered(
        query.add_columns(region_expr, source_expr),
        region_expr,
        category,
        region,
        since,
        status,
        active,
        until=until,
        platform=platform,
        rule=rule,
        min_score=min_score,
        sweep_id=sweep_id,
    )
    query = query.order_by(Lead.last_seen.desc(), Lead.id.desc())
    if limit is not None:
        query = query.limit(limit)
    rows = s.execute(
        query.options(
            selectinload(Lead.listing).selectinload(Listing.shop),
            selectinload(Lead.listing).selectinload(Listing.platform),
            selectinload(Lead.shop).selectinload(Shop.platform),
            selectinload(Lead.ad).selectinload(Ad.platform),
        )
    ).all()
    matched = _matched(s, query.with_only_columns(Lead.id))
    names: dict[str | None, str | None] = {}
    return [_row(lead, code, source, matched, names) for lead, code, source in rows]


def region_of_lead(s: Session, lead_id: int) -> tuple[str | None, str | None]:
    """One lead's region and what placed it (``REGION_SOURCES``), as lists and exports say."""
    query, region_expr, source_expr = _with_region(select(Lead.id).select_from(Lead))
    found = s.execute(query.add_columns(region_expr, source_expr).where(Lead.id == lead_id))
    row = found.first()
    return (row[1], row[2]) if row else (None, None)


def _row(lead: Lead, region: str | None, source: str | None, matched: dict, names: dict) -> LeadRow:
    target = lead.target
    shop = target if isinstance(target, Shop) else getattr(target, "shop", None)
    if region not in names:
        names[region] = places.region_name(region)
    return LeadRow(
        id=lead.id,
        category=lead.category,
        score=lead.score,
        status=LeadStatus(lead.status).value,
        pack_version=lead.pack_version,
        region_code=region,
        region_name=names[region],
        region_source=source,
        kind=target.kind,
        platform=target.platform.code,
        external_id=target.external_id,
        url=_url_of(target),
        title=title_of(target),
        shop_name=(shop.name or None) if shop else None,
        uscc=shop.uscc if shop else None,
        first_seen=lead.first_seen,
        last_seen=lead.last_seen,
        matched=TERM_SEPARATOR.join(matched.get(lead.id, ())),
        cleared_at=lead.cleared_at,
        vanished_at=getattr(target, "vanished_at", None),
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


def _matched(s: Session, lead_ids: Select) -> dict[int, list[str]]:
    """Lead id -> what fired for it, distinct, in order: matched texts, checks in words."""
    hits = s.execute(
        select(Lead.id, RuleHit.matched, RuleHit.term, RuleHit.via)
        .join(RuleHit, and_(_same_target(), RuleHit.pack_id == Lead.category))
        .where(Lead.id.in_(lead_ids.scalar_subquery()))
        .order_by(Lead.id, RuleHit.field, RuleHit.start, RuleHit.id)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for lead_id, text, term, via in hits:
        label = hit_label(text, term, via)
        if label not in found[lead_id]:
            found[lead_id].append(label)
    return found


def lead_summary(
    s: Session,
    since: date | datetime | None = None,
    platform: str | None = None,
    active: bool | None = True,
) -> list[SummaryRow]:
    """Lead counts by category and province, largest first within a category; leads of
    unknown region under None. Cleared leads are left out unless ``active`` is None."""
    query, region_expr, _ = _with_region(select(Lead.category).select_from(Lead))
    province = func.substr(region_expr, 1, 2)
    query = _filtered(query, region_expr, since=since, active=active, platform=platform)
    count = func.count(Lead.id)
    rows = s.execute(
        query.add_columns(province, count)
        .group_by(Lead.category, province)
        .order_by(Lead.category, count.desc(), province)
    )
    summary = []
    for category, prefix, n in rows:
        code = f"{prefix}0000" if prefix else None
        summary.append(SummaryRow(category, code, places.region_name(code), n))
    return summary


def set_lead_status(
    s: Session, lead_id: int, status: str | LeadStatus, by: str, note: str = ""
) -> LeadEvent:
    """Move a lead through review (待核查 → 已核查 → 已移送 / 已排除), keeping who, when and
    why as a ``LeadEvent``."""
    lead = s.get(Lead, lead_id)
    if lead is None:
        raise StoreError(f"no lead with id {lead_id}")
    event = LeadEvent(
        lead_id=lead.id,
        at=utcnow(),
        by=by,
        from_status=str(lead.status),
        to_status=LeadStatus(status).value,
        note=note,
    )
    lead.status = LeadStatus(status)
    s.add(event)
    s.flush()
    return event


def lead_events(s: Session, lead_id: int) -> list[LeadEvent]:
    """A lead's status history, oldest first."""
    query = select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
    return list(s.scalars(query))


__all__ = [
    "LeadRow",
    "SummaryRow",
    "lead_summary",
    "list_leads",
    "lead_events",
    "set_lead_status",
    "title_of",
]
