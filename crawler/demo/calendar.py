"""The demo marketplace's clock: prices that move over days as honest and dishonest sellers'
would, listings that appear and vanish, and the truth of which listings cheat on which day.

Day 0 is ``START`` (2026-11-01); the demo's 双11 promotion is days 7–10 and its emergency
(演示应急) days 7–9. With ``Catalog.day`` unset the marketplace is the static one every other
test knows; set, each listing shows the prices of its scheme on that day:

- ``steady``: one price, no crossed-out price.
- ``honest_sale``: the price charged before the promotion becomes its 划线价 in it.
- ``fake_original``: in the promotion, a 划线价 never charged (虚构原价).
- ``raise_then_discount``: raised by half on day 4, then "discounted" to about the old price.
- ``honest_raise``: raised once on day 3 and kept, never shown as a discount.
- ``discount``: the static catalogue's fake discounts, a 划线价 of 4.5–9× every day.
- ``gouging``: an essential good at 2.5× its price during the emergency (哄抬价格).
- ``essential_steady``: an essential good up 10 % during the emergency (within the rules).

``cheats(listing, day)`` names the price checks that must fire on a listing's sighting of
that day, judged as the shipped checks judge (two earlier sightings in the seven days before
for ``reference_price``), for sweeps made once a day from day 0.
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date, timedelta
from typing import Literal

from crawler.demo.records import Listing
from rules.prices import PriceWindow

START = date(2026, 11, 1)
DAYS = 10
PROMOTION = PriceWindow(
    kind="promotion", name="双11", start=START + timedelta(7), end=START + timedelta(10)
)
EMERGENCY = PriceWindow(
    kind="emergency", name="演示应急", start=START + timedelta(7), end=START + timedelta(9)
)
#: The day ``raise_then_discount`` listings raise their price.
RAISED_ON = 4
#: Essential goods among the demo's products (the price_gouging pack names them too).
ESSENTIAL = ("体温计", "制氧机", "雾化器", "纸尿裤")

Scheme = Literal[
    "steady",
    "honest_sale",
    "fake_original",
    "raise_then_discount",
    "honest_raise",
    "discount",
    "gouging",
    "essential_steady",
]


def date_of(day: int) -> date:
    return START + timedelta(days=day)


def _draw(seed: int, listing: Listing, salt: str) -> int:
    return zlib.crc32(f"{seed}:{salt}:{listing.id}".encode()) % 100


def scheme(seed: int, listing: Listing) -> Scheme:
    """The price behaviour of a listing (only clean listings change how they price)."""
    if listing.kind == "discount":
        return "discount"
    if listing.kind != "clean":
        return "honest_sale" if listing.original_price else "steady"
    draw = _draw(seed, listing, "scheme")
    if any(word in listing.title for word in ESSENTIAL):
        return "gouging" if draw < 50 else "essential_steady"
    if listing.original_price:
        return "honest_sale"
    if draw < 5:
        return "fake_original"
    if draw < 10:
        return "raise_then_discount"
    if draw < 14:
        return "honest_raise"
    return "steady"


def _cents(value: float) -> float:
    return round(value, 2)


def _in(window: PriceWindow, day: int) -> bool:
    return window.start <= date_of(day) <= window.end


def priced(seed: int, listing: Listing, day: int) -> Listing:
    """The listing as its page shows it on ``day``: price, 划线价 and stock."""
    base, was = listing.price, listing.original_price
    promo, emergency = _in(PROMOTION, day), _in(EMERGENCY, day)
    price, original = base, None
    kind = scheme(seed, listing)
    if kind == "honest_sale":
        price, original = (base, was) if promo else (was or base, None)
    elif kind == "fake_original" and promo:
        price, original = _cents(base * 0.95), float(round(base * 1.6))
    elif kind == "raise_then_discount":
        raised = float(round(base * 1.5))
        if promo:
            price, original = _cents(base * 1.02), raised
        elif day >= RAISED_ON:
            price = raised
    elif kind == "honest_raise" and day >= 3:
        price = _cents(base * 1.3)
    elif kind == "discount":
        original = was
    elif kind == "gouging" and emergency:
        price = _cents(base * 2.5)
    elif kind == "essential_steady" and emergency:
        price = _cents(base * 1.1)
    sold_out = _draw(seed, listing, "stock") < 3 and day % 2 == 1
    stock = "已售罄" if sold_out else f"库存 {10 + _draw(seed, listing, 'count')}件"
    return replace(listing, price=price, original_price=original, stock=stock)


def lives(seed: int, listing: Listing, day: int) -> bool:
    """Whether the listing is on sale on ``day``: 2 % appear on day 4, 2 % vanish on day 6."""
    draw = _draw(seed, listing, "life")
    if draw < 2:
        return day >= 4
    if draw < 4:
        return day < 6
    return True


def cheats(seed: int, listing: Listing, day: int) -> frozenset[str]:
    """The price checks (rule ids of the shipped packs) that must fire on ``day``'s sighting."""
    kind = scheme(seed, listing)
    promo = _in(PROMOTION, day)
    out: set[str] = set()
    # Two earlier daily sightings in the seven days before: day 2 onwards (for a listing seen
    # from day 0; one appearing on day 4 is never shown with a 划线价 by its scheme).
    seen_before = sum(1 for d in range(max(0, day - 7), day) if lives(seed, listing, d))
    if kind == "discount" and seen_before >= 2:
        out.add("fake_promotion.reference_price")
    if kind == "fake_original" and promo:
        out.add("fake_promotion.reference_price")
    # A raise shows only to sweeps that saw the price before it (day 3 or earlier): a listing
    # first seen raised has, as far as anyone can tell, always cost that much.
    if kind == "raise_then_discount" and promo and lives(seed, listing, RAISED_ON - 1):
        out.add("fake_promotion.reference_price")
        out.add("fake_promotion.raise_then_discount")
    if kind == "gouging" and _in(EMERGENCY, day):
        out.add("price_gouging.essential_goods_gouging")
    return frozenset(out) if lives(seed, listing, day) else frozenset()
