"""Records of the demo marketplace: shops, listings and ad slots, as the generator made them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crawler.demo.vocab import City

LicenceKind = Literal["valid", "invalid", "missing", "image"]
ListingKind = Literal["clean", "benign", "violating", "discount"]


@dataclass(frozen=True, slots=True)
class Shop:
    id: str
    name: str
    city: City
    categories: tuple[str, ...]
    intro: str
    company: str
    licence: LicenceKind
    uscc: str | None  # as displayed (None when no text licence is shown)
    permits: tuple[tuple[str, str], ...]  # displayed (permit name, number)
    food: bool
    gbk: bool


@dataclass(frozen=True, slots=True)
class Listing:
    id: str
    title: str
    price: float
    original_price: float | None
    description: str
    category: str
    shop_id: str
    kind: ListingKind
    packs: frozenset[str]  # packs that must fire on this listing
    tags: tuple[str, ...] = ()  # hidden search-index words
    evasive: bool = False
    js_priced: bool = False
    gbk: bool = False


@dataclass(frozen=True, slots=True)
class Ad:
    id: str
    slot: Literal["promoted", "banner"]
    text: str
    listing_id: str  # where the ad leads
    labelled: bool
