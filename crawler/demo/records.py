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

    @property
    def address(self) -> str:
        """The licence's 住所, in the shop's city (a municipality's district: 北京市朝阳区…)."""
        number = int(self.id[1:])
        street = ("人民路", "解放大道", "建设路", "中山路", "滨江路")[number % 5]
        return f"{self.city.province}{self.city.name}{street}{number}号"


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
