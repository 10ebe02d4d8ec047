"""Writing what a sweep sees: the sweep itself, listings (with their prices), shops, ads.

``store_scored`` is what the store pipeline calls for each item: the row is upserted by
(platform, external_id) and its verdict recorded in the same transaction. Whether the row
is new is known here, at its insert, and handed to ``record_verdict`` as an argument: a new
row has no hits, leads or price of this sweep to look up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from rules.items import AdItem, Item, ListingItem, PageCapture, PageItem, ShopItem
from rules.licence_text import read_licence
from rules.record import Verdict
from store import observations, places
from store.base import utc
from store.models import (
    Ad,
    Listing,
    Observation,
    Platform,
    Shop,
    Sweep,
    SweepKind,
    SweepStatus,
    Target,
    utcnow,
)
from store.verdicts import record_verdict

Seen = TypeVar("Seen", Listing, Shop, Ad)
CENT = Decimal("0.01")


def _money(value: float | None) -> Decimal | None:
    # Through str() so 12.1 stays 12.10 rather than 12.0999999…
    return None if value is None else Decimal(str(value)).quantize(CENT)


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
    kind: str | SweepKind = SweepKind.sweep,
) -> Sweep:
    """A new sweep in state running; the platform is created or its name refreshed."""
    sweep = Sweep(
        platform=_platform(s, platform_code, platform_name, base_url),
        started_at=utcnow(),
        status=SweepStatus.running,
        kind=SweepKind(kind),
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
    """End the sweep; a finished sweep of a platform marks the listings it did not find as
    vanished (``stats["vanished"]``: how many, None when pages failed and it cannot tell)."""
    sweep.status = SweepStatus(status)
    sweep.finished_at = utcnow()
    sweep.stats = dict(stats)
    s.flush()
    vanished = observations.mark_vanished(s, sweep)
    if sweep.kind == SweepKind.sweep and sweep.status == SweepStatus.finished:
        sweep.stats = {**sweep.stats, "vanished": vanished}
        s.flush()
    return sweep


def store_scored(s: Session, sweep: Sweep, item: Item, verdict: Verdict) -> Target:
    """Write one item and its verdict (hits, leads) in the caller's transaction."""
    target, new = upsert(s, sweep, item)
    record_verdict(s, sweep, target, verdict, when=item.page.fetched_at, new=new)
    return target


def upsert(s: Session, sweep: Sweep, item: Item) -> tuple[Target, bool]:
    """Insert or update the row of ``item`` by (platform, external_id); and whether it is
    new (inserted in this transaction)."""
    write = {
        "listing": upsert_listing,
        "page": upsert_page,
        "shop": upsert_shop,
        "ad": upsert_ad,
    }[item.kind]
    return write(s, sweep, item)


# ---------------------------------------------------------------- what a sweep sees


def _sighting(
    s: Session, model: type[Seen], sweep: Sweep, platform_code: str, external_id: str, at: datetime
) -> tuple[Seen, bool, int | None]:
    """The row for (platform, external_id), created if new, marked as seen ``at``; whether
    it was created, and the sweep that saw it before (None if none)."""
    platform = _platform_of(s, sweep, platform_code)
    row = s.scalars(
        select(model).where(model.platform_id == platform.id, model.external_id == external_id)
    ).one_or_none()
    new = row is None
    if new:
        row = model(platform=platform, external_id=external_id, first_seen=at, last_seen=at)
        s.add(row)
    previous = row.last_sweep_id
    row.last_seen = max(row.last_seen, at)
    row.last_sweep = sweep
    return row, new, previous


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
            name=item.shop_name,
            first_seen=at,
            last_seen=at,
            last_sweep=sweep,
        )
        s.add(shop)
    else:
        # A stub learns what later listings show of it; a read shop page keeps its own.
        shop.url = shop.url or item.shop_url or ""
        shop.name = shop.name or item.shop_name
    return shop


def upsert_listing(s: Session, sweep: Sweep, item: ListingItem) -> tuple[Listing, bool]:
    """Insert or update a listing by (platform, external_id) and record this sweep's price."""
    listing, new, previous = _write_listing(s, sweep, item)
    placed_by = (listing.shop_id, listing.ship_from_code)
    for name, value in listing_columns(item).items():
        setattr(listing, name, value)
    with s.no_autoflush:
        # The shop's look-up cannot see this listing: one INSERT with its shop, not two writes.
        listing.shop = _shop_named_by_listing(s, sweep, item, _seen_at(item.page))
    s.flush()
    if listing.shop is not None and (new or placed_by != (listing.shop_id, listing.ship_from_code)):
        # A shop without a readable licence is placed by its listings: this one may move it
        # (a listing seen again with the same shop and the same 发货地 cannot).
        settle_shop_region(s, listing.shop)
    # Stored before by this sweep (a resumed one reads a page again): its observation exists.
    _observe(s, sweep, listing, previous != sweep.id, _seen_at(item.page), item.available)
    return listing, new


def upsert_page(s: Session, sweep: Sweep, item: PageItem) -> tuple[Listing, bool]:
    """A page read without a profile is kept as a listing of its platform (``web``), with the
    price and seller its structured data gives."""
    listing, new, _ = _write_listing(s, sweep, item)
    for name, value in page_columns(item).items():
        setattr(listing, name, value)
    s.flush()
    return listing, new


def _write_listing(s: Session, sweep: Sweep, item: ListingItem | PageItem):
    at = _seen_at(item.page)
    listing, new, previous = _sighting(s, Listing, sweep, item.platform, item.external_id, at)
    for name, value in read_columns(item).items():
        setattr(listing, name, value)
    return listing, new, previous


# What each kind of item writes into its row, as columns: the one mapping that the per-item
# writes here and the set-based ones of ``store.batch`` share.


def read_columns(item: ListingItem | PageItem) -> dict[str, Any]:
    """What any page read as a listing says of it; found again, it is no longer vanished."""
    return {
        "url": item.url,
        "title": item.title,
        "description": item.description,
        "page_sha256": item.page.sha256,
        "encoding": item.page.encoding,
        "rendered": item.page.rendered,
        "fetched_at": _seen_at(item.page),
        "vanished_at": None,
        "vanished_sweep_id": None,
    }


def listing_columns(item: ListingItem) -> dict[str, Any]:
    """A listing page's own fields (besides ``read_columns`` and its shop)."""
    return {
        "price": _money(item.price),
        "original_price": _money(item.original_price),
        "sales": item.sales,
        "category": item.category,
        "ship_from": item.ship_from,
        "shop_name": item.shop_name,
        "ship_from_code": places.region_of_place(item.ship_from),
        "incomplete": item.incomplete,
    }


def page_columns(item: PageItem) -> dict[str, Any]:
    """A page without a profile: the price and seller its structured data gives."""
    return {
        "price": _money(item.price),
        "original_price": _money(item.original_price),
        "shop_name": item.seller or "",
    }


def shop_columns(item: ShopItem) -> dict[str, Any]:
    """A shop page's fields; its USCC or licence address places it (``seller_region``)."""
    return {
        "url": item.url,
        "name": item.name,
        "shop_text": item.shop_text,
        "company_name": item.company_name,
        # The profile's address, else the one the licence text shows (住所：…).
        "licence_address": item.licence_address or read_licence(item.shop_text).address,
        "uscc": item.uscc,
        "uscc_valid": places.uscc_is_valid(item.uscc),
        "licence_present": item.licence_present,
        "licence_image_only": item.licence_image_only,
        "permits": list(item.permits),
        "categories": list(item.categories),
        "incomplete": item.incomplete,
        "page_sha256": item.page.sha256,
        "fetched_at": _seen_at(item.page),
    }


def ad_columns(item: AdItem) -> dict[str, Any]:
    return {
        "slot": item.slot,
        "text": item.text,
        "target_url": item.target_url,
        "target_external_id": item.target_external_id,
        "labelled": item.labelled,
        "page_url": item.page.url,
    }


def _observe(
    s: Session, sweep: Sweep, listing: Listing, first: bool, at: datetime, available: bool | None
) -> None:
    """Keep what this sweep saw of the listing (one row per sweep: a page read twice in a
    sweep, as a resumed one may, keeps its last reading). ``first``: not yet seen in it."""
    observation = None
    if not first:
        observation = s.scalars(
            select(Observation).where(
                Observation.listing_id == listing.id, Observation.sweep_id == sweep.id
            )
        ).one_or_none()
    if observation is None:
        observation = Observation(listing_id=listing.id, sweep_id=sweep.id)
        s.add(observation)
    observation.observed_at = at
    observation.price = listing.price
    observation.original_price = listing.original_price
    observation.title = listing.title
    observation.available = available
    s.flush()


def upsert_shop(s: Session, sweep: Sweep, item: ShopItem) -> tuple[Shop, bool]:
    """Insert or update a shop page; its USCC or licence address places it (属地)."""
    shop, new, _ = _sighting(s, Shop, sweep, item.platform, item.external_id, _seen_at(item.page))
    for name, value in shop_columns(item).items():
        setattr(shop, name, value)
    s.flush()
    settle_shop_region(s, shop)
    return shop, new


def shop_region(s: Session, shop: Shop) -> tuple[str | None, str | None]:
    """The shop's 属地 and what placed it: a valid USCC's registration authority, else the
    address its licence shows, else where most of its listings ship from (ties go to the
    earliest stored listing)."""
    placed = seller_region(shop.uscc, shop.licence_address)
    if placed is not None:
        return placed
    if shop.id is None:
        return None, None
    counts: Counter[str] = Counter()
    for code, n in s.execute(
        select(Listing.ship_from_code, func.count())
        .where(Listing.shop_id == shop.id, Listing.ship_from_code.is_not(None))
        .group_by(Listing.ship_from_code)
        .order_by(func.min(Listing.id))
    ):
        counts[code] += n
    return (counts.most_common(1)[0][0], "ship_from") if counts else (None, None)


def seller_region(uscc: str | None, licence_address: str | None) -> tuple[str, str] | None:
    """Where the seller itself is placed: its valid USCC's registration authority, else the
    address its licence shows; None when neither places it (its listings then do)."""
    if places.uscc_is_valid(uscc):
        registered = places.region_of_uscc(uscc)
        if registered:
            return registered, "uscc"
    addressed = places.region_of_address(licence_address)
    if addressed:
        return addressed, "licence_address"
    return None


def settle_shop_region(s: Session, shop: Shop) -> None:
    """Keep the shop's stored region and its source what ``shop_region`` says."""
    region, source = shop_region(s, shop)
    if (region, source) != (shop.region_code, shop.region_source):
        shop.region_code, shop.region_source = region, source
        s.flush()


def settle_shop_regions(s: Session, shops: Mapping[int, Mapping[str, Any]]) -> None:
    """``settle_shop_region`` of many shops at once (a batch's, ``store.batch``): ``shops``
    maps a shop's id to its ``uscc`` and ``licence_address`` and its stored ``region_code``
    and ``region_source``. One GROUP BY over the listings of the shops that the seller's own
    facts do not place, one UPDATE of those whose region changed."""
    placed: dict[int, tuple[str | None, str | None]] = {}
    by_listings = []
    for shop_id, facts in shops.items():
        placed[shop_id] = seller_region(facts["uscc"], facts["licence_address"]) or (None, None)
        if placed[shop_id][0] is None:
            by_listings.append(shop_id)
    if by_listings:
        best: dict[int, tuple[tuple[int, int], str]] = {}
        for shop_id, code, count, first in s.execute(
            select(Listing.shop_id, Listing.ship_from_code, func.count(), func.min(Listing.id))
            .where(Listing.shop_id.in_(by_listings), Listing.ship_from_code.is_not(None))
            .group_by(Listing.shop_id, Listing.ship_from_code)
        ):
            rank = (-count, first)  # most listings; a tie goes to the earliest stored
            if shop_id not in best or rank < best[shop_id][0]:
                best[shop_id] = (rank, code)
        for shop_id, (_, code) in best.items():
            placed[shop_id] = (code, "ship_from")
    changed = [
        {"b_id": shop_id, "b_code": code, "b_source": source}
        for shop_id, (code, source) in placed.items()
        if (code, source) != (shops[shop_id]["region_code"], shops[shop_id]["region_source"])
    ]
    if changed:
        table = Shop.__table__
        s.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(region_code=bindparam("b_code"), region_source=bindparam("b_source")),
            changed,
        )


def upsert_ad(s: Session, sweep: Sweep, item: AdItem) -> tuple[Ad, bool]:
    """Insert or update an ad slot's creative by (platform, external_id)."""
    ad, new, _ = _sighting(s, Ad, sweep, item.platform, item.external_id, _seen_at(item.page))
    for name, value in ad_columns(item).items():
        setattr(ad, name, value)
    s.flush()
    return ad, new
