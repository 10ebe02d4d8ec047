"""Records of the demo marketplace: shops, listings and ad slots, as the generator made them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crawler.demo.vocab import City
from rules import regions

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
    def county(self) -> str:
        """GB/T 2260 code of the county (区, 县, 县级市) its licence's 住所 lies in: one of its
        city's, by the shop's number; a municipality's district (北京市朝阳区) is its city."""
        if not self.city.code.endswith("00"):
            return self.city.code
        # Not the development zones (xx7x): an address names the district they lie in.
        options = [r for r in regions.counties(self.city.code) if r.code[4] != "7"]
        return options[int(self.id[1:]) % len(options)].code

    @property
    def address(self) -> str:
        """The licence's 住所: province, city, county, street (湖北省鄂州市华容区人民路12号).
        A shop whose USCC fails its check is placed by it (属地), to the county."""
        number = int(self.id[1:])
        street = ("人民路", "解放大道", "建设路", "中山路", "滨江路")[number % 5]
        county = "" if self.county == self.city.code else regions.lookup(self.county).name
        return f"{self.city.province}{self.city.name}{county}{street}{number}号"


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
    stock: str = ""  # what the page says of its stock (库存 12件, 已售罄); "" shows nothing


@dataclass(frozen=True, slots=True)
class Ad:
    id: str
    slot: Literal["promoted", "banner"]
    text: str
    listing_id: str  # where the ad leads
    labelled: bool
