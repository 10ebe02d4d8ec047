"""The demo marketplace's content: a seeded catalogue of shops, listings and ads, with truth.

``build_catalog(seed, size)`` is a pure function of its arguments: the same seed and size give
the same site byte for byte. Every entity knows which rule packs must fire on it
(``Catalog.truth``), so a sweep of the demo measures precision and recall. Pages are rendered
on request from these records (``crawler.demo.pages``); nothing is pre-rendered.
"""

from __future__ import annotations

import math
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field

from crawler.demo import calendar, generate
from crawler.demo.records import Ad, Listing, Shop
from crawler.demo.vocab import BANNER_BAD

PAGE_SIZE = 20
Key = tuple[str, str]


@dataclass
class Catalog:
    seed: int
    size: int
    shops: dict[str, Shop]
    listings: dict[str, Listing]
    ads: dict[str, Ad]
    truth: dict[Key, frozenset[str]] = field(default_factory=dict)
    #: The demo's clock (``crawler.demo.calendar``): None is the static marketplace; a day
    #: number makes prices move, listings appear and vanish as on that day.
    day: int | None = None
    _haystacks: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _search_cache: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _by_shop: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for listing in self.listings.values():
            text = "\n".join((listing.title, listing.description, listing.category, *listing.tags))
            self._haystacks.append((listing.id, fold(text)))
            self._by_shop.setdefault(listing.shop_id, []).append(listing.id)

    # --- lookups used by the pages ------------------------------------------------------------
    def listing(self, listing_id: str) -> Listing | None:
        """The listing as its page shows it today; None when it is not (or no longer) on sale."""
        found = self.listings.get(listing_id)
        if found is None or self.day is None:
            return found
        if not calendar.lives(self.seed, found, self.day):
            return None
        return calendar.priced(self.seed, found, self.day)

    def shop_of(self, listing: Listing) -> Shop:
        return self.shops[listing.shop_id]

    def shop_listings(self, shop_id: str) -> list[Listing]:
        listed = (self.listing(i) for i in self._by_shop.get(shop_id, ()))
        return [x for x in listed if x is not None]

    def search(self, keyword: str) -> list[str]:
        """Listing ids on sale matching the keyword, in id order; '' matches everything."""
        needle = fold(keyword).strip()
        if not needle:
            hits = list(self.listings)
        else:
            hits = self._search_cache.get(needle)
            if hits is None:
                hits = [lid for lid, hay in self._haystacks if needle in hay]
                if len(self._search_cache) > 256:  # a sweep asks for few keywords; bound it
                    self._search_cache.clear()
                self._search_cache[needle] = hits
        if self.day is None:
            return hits
        day = self.day
        return [i for i in hits if calendar.lives(self.seed, self.listings[i], day)]

    def page_count(self, keyword: str) -> int:
        return max(1, math.ceil(len(self.search(keyword)) / PAGE_SIZE))

    def ads_on(self, keyword: str, page: int) -> tuple[Ad | None, list[Ad]]:
        """The banner and promoted slots of one search page.

        They rotate with the page number, so paging through ``q=`` shows every ad.
        """
        banners = [a for a in self.ads.values() if a.slot == "banner"]
        promoted = [a for a in self.ads.values() if a.slot == "promoted"]
        offset = zlib.crc32(fold(keyword).encode()) if keyword.strip() else 0
        banner = banners[(offset + page - 1) % len(banners)] if banners else None
        count = min(2, len(promoted))
        start = offset * 2 + (page - 1) * 2
        return banner, [promoted[(start + k) % len(promoted)] for k in range(count)]

    # --- ground truth --------------------------------------------------------------------------
    def seller(self, kind: str, external_id: str) -> Shop:
        """The shop behind a listing, shop or ad."""
        if kind == "shop":
            return self.shops[external_id]
        if kind == "ad":
            external_id = self.ads[external_id].listing_id
        elif kind != "listing":
            raise KeyError(kind)
        return self.shop_of(self.listings[external_id])

    def expected_region(self, kind: str, external_id: str) -> str:
        """GB/T 2260 code of the region the seller is registered in (属地), to the city: its
        USCC's. A shop whose USCC fails its check is placed by its licence's 住所, one of that
        city's counties (``Shop.county``)."""
        return self.seller(kind, external_id).city.code

    def stats(self) -> dict:
        """Counts for the demo's summary: per kind and category, and per province.

        ``clean`` counts entities whose truth is empty, benign look-alikes included (they are
        also counted as ``benign``); ``evasive`` counts listings written to dodge filters.
        """
        by_kind: dict[str, Counter] = {k: Counter() for k in ("listing", "shop", "ad")}
        by_province: dict[str, Counter] = {}
        for (kind, eid), packs in self.truth.items():
            counts = by_kind[kind]
            counts["total"] += 1
            counts.update(packs or ("clean",))
            if packs:
                province = self.seller(kind, eid).city.province
                by_province.setdefault(province, Counter()).update(packs)
        by_kind["listing"]["benign"] = sum(1 for x in self.listings.values() if x.kind == "benign")
        by_kind["listing"]["evasive"] = sum(1 for x in self.listings.values() if x.evasive)
        return {
            **{kind: dict(sorted(c.items())) for kind, c in by_kind.items()},
            "provinces": {p: dict(sorted(c.items())) for p, c in sorted(by_province.items())},
        }


def fold(text: str) -> str:
    """What search compares: NFKC (full-width, compatibility forms) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def build_catalog(seed: int = 7, size: int = 300) -> Catalog:
    """A deterministic marketplace of ``size`` listings (shops: size/10, at least 12)."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    shops, listings, ads = generate.generate(seed, size)
    catalog = Catalog(seed, size, shops, listings, ads)
    truth = catalog.truth
    for listing in listings.values():
        truth[("listing", listing.id)] = listing.packs
    for shop in shops.values():
        truth[("shop", shop.id)] = shop_truth(shop)
    for ad in ads.values():
        truth[("ad", ad.id)] = ad_truth(ad, listings, shops)
    return catalog


def shop_truth(shop: Shop) -> frozenset[str]:
    """电子商务法 第十五条: licence shown as verifiable text, food permit for food sellers."""
    bad = shop.licence != "valid" or (shop.food and not shop.permits)
    return frozenset({"license_display"} if bad else ())


def ad_truth(ad: Ad, listings: dict[str, Listing], shops: dict[str, Shop]) -> frozenset[str]:
    """What the ad's own text triggers, plus fake_promotion when it hides that it is an ad."""
    packs: set[str] = set()
    if ad.slot == "promoted":
        listing = listings[ad.listing_id]
        # A fake discount lives in the prices, which an ad slot does not show.
        if listing.kind == "violating":
            packs |= listing.packs
    elif ad.text in BANNER_BAD:
        packs.add("fake_promotion")
    if not ad.labelled:
        packs.add("fake_promotion")
    return frozenset(packs)
