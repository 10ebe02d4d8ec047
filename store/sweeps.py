"""Writing what a sweep sees: the sweep itself, listings (with their prices), shops, ads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urljoin

from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session

from spiders.items import AdItem, ListingItem, PageCapture, ShopItem
from store import places
from store.models import (
    Ad,
    Lead,
    Listing,
    Platform,
    PriceObservation,
    Shop,
    Sweep,
    SweepStatus,
    utcnow,
)

Seen = TypeVar("Seen", Listing, Shop, Ad)
CENT = Decimal("0.01")
#: ``Session.info`` key: rows this session inserted whose verdict is not yet recorded. Such a
#: row has no hits, leads or price of this sweep yet, so their look-ups can be skipped.
FRESH = "wangjian/fresh"


def is_fresh(s: Session, row: Any, consume: bool = False) -> bool:
    """Whether ``row`` was inserted by this session (and, with ``consume``, is no longer)."""
    fresh: set[Any] = s.info.get(FRESH, set())
    if row not in fresh:
        return False
    if consume:
        fresh.discard(row)
    # A rolled-back insert leaves the object transient: it proves nothing then.
    return not inspect(row).transient


def _money(value: float | None) -> Decimal | None:
    # Through str() so 12.1 stays 12.10 rather than 12.0999999…
    return None if value is None else Decimal(str(value)).quantize(CENT)


def utc(value: datetime) -> datetime:
    """Capture times without an offset are UTC (the spiders' clocks)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _platform(s: Session, code: str, name: str | None = None, base_url: str | None = None):
    platform = s.scalars(select(Platform).where(Platform.code == code)).one_or_none()
    if platform is None:
        platform = Platform(code=code, name=name or code, base_url=base_url or "")
        s.add(platform)
    else:
        platform.name = name or platform.name
        platform.base_url = base_url or platform.base_url
    return platform


def start_sweep(
    s: Session,
    platform_code: str,
    platform_name: str,
    base_url: str,
    profile: Any,
    pack_versions: Mapping[str, str],
) -> Sweep:
    """A new sweep in state running; the platform is created or its name refreshed."""
    sweep = Sweep(
        platform=_platform(s, platform_code, platform_name, base_url),
        started_at=utcnow(),
        status=SweepStatus.running,
        profile=None if profile is None else str(profile),
        pack_versions=dict(pack_versions),
        stats={},
    )
    s.add(sweep)
    s.flush()
    return sweep


def finish_sweep(
    s: Session, sweep: Sweep, status: str | SweepStatus, stats: Mapping[str, Any]
) -> Sweep:
    sweep.status = SweepStatus(status)
    sweep.stats = dict(stats)
    sweep.finished_at = utcnow()
    s.flush()
    return sweep


# ---------------------------------------------------------------- what a sweep sees


def _sighting(
    s: Session, model: type[Seen], sweep: Sweep, platform_code: str, external_id: str, at: datetime
) -> Seen:
    """The row for (platform, external_id), created if new, marked as seen ``at``."""
    platform = _platform_of(s, sweep, platform_code)
    row = s.scalars(
        select(model).where(model.platform_id == platform.id, model.external_id == external_id)
    ).one_or_none()
    if row is None:
        row = model(platform=platform, external_id=external_id, first_seen=at, last_seen=at)
        s.add(row)
        s.info.setdefault(FRESH, set()).add(row)
    else:
        # Seen twice in one session: it may have a price or a verdict of this session by now.
        s.info.get(FRESH, set()).discard(row)
    row.last_seen = max(row.last_seen, at)
    row.last_sweep = sweep
    return row


def _platform_of(s: Session, sweep: Sweep, code: str) -> Platform:
    return sweep.platform if sweep.platform.code == code else _platform(s, code)


def _seen_at(page: PageCapture) -> datetime:
    return utc(page.fetched_at)


def _shop_named_by_listing(
    s: Session, sweep: Sweep, item: ListingItem, at: datetime
) -> Shop | None:
    """The listing's shop; a stub (page not yet fetched) when its page has not been seen."""
    if not item.shop_external_id:
        return None
    platform = _platform_of(s, sweep, item.platform)
    shop = s.scalars(
        select(Shop).where(
            Shop.platform_id == platform.id, Shop.external_id == item.shop_external_id
        )
    ).one_or_none()
    if shop is None:
        shop = Shop(
            platform=platform,
            external_id=item.shop_external_id,
            url=item.shop_url or "",
            first_seen=at,
            last_seen=at,
            last_sweep=sweep,
        )
        s.add(shop)
    elif not shop.url and item.shop_url:
        shop.url = item.shop_url
    return shop


def upsert_listing(s: Session, sweep: Sweep, item: ListingItem) -> Listing:
    """Insert or update a listing by (platform, external_id) and record this sweep's price."""
    at = _seen_at(item.page)
    listing = _sighting(s, Listing, sweep, item.platform, item.external_id, at)
    listing.url = item.url
    listing.title = item.title
    listing.description = item.description
    listing.price = _money(item.price)
    listing.original_price = _money(item.original_price)
    listing.category = item.category
    listing.ship_from = item.ship_from
    listing.page_sha256 = item.page.sha256
    listing.encoding = item.page.encoding
    listing.rendered = item.page.rendered
    listing.fetched_at = at
    with s.no_autoflush:
        # The shop's look-up cannot see this listing: one INSERT with its shop, not two writes.
        listing.shop = _shop_named_by_listing(s, sweep, item, at)
    listing.region_code = places.region_of_place(item.ship_from)
    s.flush()
    if listing.shop is not None:
        # A shop without a readable licence is placed by its listings: this one may move it.
        _settle_region(s, listing.shop)
        # 属地 is the seller's: the shop's region, however found, outranks this ship-from.
        listing.region_code = listing.shop.region_code or listing.region_code
    _place_ads(s, listing)
    if listing.price is not None:
        _observe_price(s, sweep, listing, at)
    return listing


def _observe_price(s: Session, sweep: Sweep, listing: Listing, at: datetime) -> None:
    observation = None
    if not is_fresh(s, listing):
        observation = s.scalars(
            select(PriceObservation).where(
                PriceObservation.listing_id == listing.id, PriceObservation.sweep_id == sweep.id
            )
        ).one_or_none()
    if observation is None:
        observation = PriceObservation(listing_id=listing.id, sweep_id=sweep.id)
        s.add(observation)
    observation.observed_at = at
    observation.price = listing.price
    observation.original_price = listing.original_price
    s.flush()


def upsert_shop(s: Session, sweep: Sweep, item: ShopItem) -> Shop:
    """Insert or update a shop page; its USCC gives its region, passed on to its listings."""
    at = _seen_at(item.page)
    shop = _sighting(s, Shop, sweep, item.platform, item.external_id, at)
    shop.url = item.url
    shop.name = item.name
    shop.shop_text = item.shop_text
    shop.company_name = item.company_name
    shop.uscc = item.uscc
    shop.uscc_valid = places.uscc_is_valid(item.uscc)
    shop.licence_present = item.licence_present
    shop.licence_image_only = item.licence_image_only
    shop.permits = list(item.permits)
    shop.categories = list(item.categories)
    shop.page_sha256 = item.page.sha256
    shop.fetched_at = at
    s.flush()
    _settle_region(s, shop)
    return shop


def shop_region(s: Session, shop: Shop) -> str | None:
    """The shop's 属地: its USCC's region, else where most of its listings ship from.

    ShopItem carries no location of the shop page's own, so the USCC is the only thing on
    the page itself that places the seller. Ties between ship-from regions go to the one of
    the earliest stored listing.
    """
    registered = places.region_of_uscc(shop.uscc)
    if registered or shop.id is None:
        return registered
    counts: Counter[str] = Counter()
    for ship_from, n in s.execute(
        select(Listing.ship_from, func.count())
        .where(Listing.shop_id == shop.id)
        .group_by(Listing.ship_from)
        .order_by(func.min(Listing.id))
    ):
        region = places.region_of_place(ship_from)
        if region:
            counts[region] += n
    return counts.most_common(1)[0][0] if counts else None


def _settle_region(s: Session, shop: Shop) -> None:
    """Recompute the shop's region; when it moved, its listings and all their leads follow."""
    region = shop_region(s, shop)
    if region == shop.region_code:
        return
    shop.region_code = region
    s.flush()
    _pass_region_on(s, shop)


def _pass_region_on(s: Session, shop: Shop) -> None:
    """The shop's listings and the leads of the shop and its listings move to its region.

    When the shop has no region none of its listings has a readable ship-from either (that
    would have placed the shop), so None is right for them too.
    """
    listing_ids = select(Listing.id).where(Listing.shop_id == shop.id).scalar_subquery()
    s.execute(
        update(Listing)
        .where(Listing.shop_id == shop.id)
        .values(region_code=shop.region_code)
        .execution_options(synchronize_session="fetch")
    )
    listing_urls = select(Listing.url).where(Listing.shop_id == shop.id).scalar_subquery()
    ad_ids = (
        select(Ad.id)
        .where(Ad.platform_id == shop.platform_id, Ad.target_url.in_(listing_urls))
        .scalar_subquery()
    )
    s.execute(
        update(Lead)
        .where(
            (Lead.shop_id == shop.id) | Lead.listing_id.in_(listing_ids) | Lead.ad_id.in_(ad_ids)
        )
        .values(region_code=shop.region_code)
        .execution_options(synchronize_session="fetch")
    )


def _place_ads(s: Session, listing: Listing) -> None:
    """Ads seen on a search page before the listing they promote take its region now."""
    if listing.region_code is None:
        return
    ad_ids = (
        select(Ad.id)
        .where(Ad.platform_id == listing.platform_id, Ad.target_url == listing.url)
        .scalar_subquery()
    )
    s.execute(
        update(Lead)
        .where(Lead.ad_id.in_(ad_ids), Lead.region_code.is_distinct_from(listing.region_code))
        .values(region_code=listing.region_code)
        .execution_options(synchronize_session="fetch")
    )


def upsert_ad(s: Session, sweep: Sweep, item: AdItem) -> Ad:
    """Insert or update an ad slot's creative by (platform, external_id)."""
    ad = _sighting(s, Ad, sweep, item.platform, item.external_id, _seen_at(item.page))
    ad.slot = item.slot
    ad.text = item.text
    # Stored absolute, as listing URLs are, so an ad finds the listing it promotes.
    ad.target_url = urljoin(item.page.url, item.target_url) if item.target_url else None
    ad.labelled = item.labelled
    ad.page_url = item.page.url
    s.flush()
    return ad
