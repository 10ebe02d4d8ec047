"""What a page showed: the items spiders yield, and the one mapping from them to a Record.

This is the flow's plain data, kept at the bottom beside ``rules.record`` so that spiders
(which build items), pipelines (which pass them on) and the store (which writes them) all
import it and none of them imports another. Items are pydantic models, validated where they
are built. Stored rows (``store.models``) name their fields like the items on purpose:
``record_of`` reads both, so scoring an item as it arrives and re-scoring a stored row
cannot drift apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from rules import clock
from rules.record import Record

#: The platform code of pages read without a platform profile (``wangjian scan`` of any URL).
WEB_PLATFORM = "web"
#: External ids are stored in 128 characters; a longer page URL is named by its hash.
MAX_EXTERNAL_ID = 128


@dataclass(frozen=True)
class Served:
    """The exchange as it happened, for evidence: kept in memory until the page's item is
    stored (a lead's is written to its WARC), never serialised with the item."""

    url: str  # the URL requested (the final one, after redirects)
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    protocol: str  # e.g. HTTP/1.1
    response_headers: list[tuple[str, str]]
    body: bytes  # as served: before any charset decoding (transfer encodings undone)
    ip: str | None = None
    tls: dict[str, str] | None = None  # certificate subject, issuer, validity (https)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.response_headers if k.lower() == name.lower()), None)


class PageCapture(BaseModel):
    """How a page was fetched: enough to show later what was seen and when."""

    url: str = Field(description="Final URL, after redirects.")
    status: int
    fetched_at: datetime = Field(default_factory=clock.now)
    sha256: str = Field(description="SHA-256 of the body bytes as served.")
    encoding: str = Field(description="Encoding the text was decoded with ('binary' if none).")
    rendered: bool = Field(False, description="Rendered by Chromium (Playwright).")
    served: Served | None = Field(
        None, exclude=True, repr=False, description="The exchange as served (evidence)."
    )

    @classmethod
    def of(
        cls,
        url: str,
        status: int,
        body: bytes,
        encoding: str,
        rendered: bool = False,
        served: Served | None = None,
    ):
        return cls(
            url=url,
            status=status,
            sha256=hashlib.sha256(body).hexdigest(),
            encoding=encoding,
            rendered=rendered,
            served=served,
        )


class ListingItem(BaseModel):
    kind: Literal["listing"] = "listing"
    platform: str
    url: str
    external_id: str
    title: str = Field(min_length=1)
    description: str = ""
    price: float | None = None
    original_price: float | None = None
    sales: int | None = Field(None, description="Sales the page shows (销量), e.g. 7261人付款.")
    available: bool | None = Field(
        None,
        description="False when the page says it is not for sale (已下架, 售罄); None: not shown.",
    )
    category: str = ""
    ship_from: str = ""
    shop_name: str = Field("", description="The shop's name as shown with the listing.")
    shop_url: str | None = None
    shop_external_id: str | None = None
    incomplete: str = Field("", description="Why some fields may be missing (a failed render).")
    page: PageCapture


class ShopItem(BaseModel):
    kind: Literal["shop"] = "shop"
    platform: str
    url: str
    external_id: str
    name: str = ""
    shop_text: str = ""
    categories: list[str] = Field(default_factory=list, description="主营类目 as displayed.")
    licence_present: bool = False
    licence_image_only: bool = False
    uscc: str | None = None
    company_name: str | None = None
    licence_address: str | None = Field(None, description="The licence's 住所, as displayed.")
    permits: list[str] = Field(default_factory=list)
    incomplete: str = Field("", description="Why some fields may be missing (a failed render).")
    page: PageCapture


class AdItem(BaseModel):
    kind: Literal["ad"] = "ad"
    platform: str
    external_id: str = Field(description="Stable id of the slot's creative on the platform.")
    slot: Literal["promoted", "banner"]
    text: str = Field(min_length=1)
    target_url: str | None = Field(None, description="Absolute URL the ad leads to.")
    target_external_id: str | None = Field(
        None, description="The platform's id of the listing the ad promotes, read off its URL."
    )
    labelled: bool = Field(description="A visible 广告 label is shown with the slot.")
    page: PageCapture = Field(description="The search page the ad was seen on.")


class PageItem(BaseModel):
    """A page no platform profile describes, read generically and scored as a listing."""

    kind: Literal["page"] = "page"
    platform: str = WEB_PLATFORM
    url: str
    external_id: str = Field(description="The URL, or its hash when it is too long to store.")
    title: str = ""
    description: str = Field(
        "", description="Meta description and the page's main content (boilerplate removed)."
    )
    price: float | None = Field(None, description="From the page's structured data.")
    original_price: float | None = Field(None, description="From its structured data (划线价).")
    currency: str | None = None
    seller: str | None = None
    brand: str | None = None
    page: PageCapture

    @staticmethod
    def id_of(url: str) -> str:
        if len(url) <= MAX_EXTERNAL_ID:
            return url
        return "sha256:" + hashlib.sha256(url.encode("utf-8")).hexdigest()


FailureKind = Literal["fetch", "http", "blocked", "not_html", "extraction", "render", "store"]


class PageFailure(BaseModel):
    """A page that could not be fetched or read: the one error vocabulary of sweep and scan.

    Yielded by the spider like any item, so pipelines count and keep it and a scan reports
    it beside the URL it belongs to.
    """

    kind: Literal["failure"] = "failure"
    url: str = Field(description="The URL requested.")
    reason: FailureKind = Field(description="Which stage failed.")
    message: str = Field(description="One line a user understands, e.g. 'HTTP 503'.")
    page: PageCapture | None = Field(None, description="What was served, when anything was.")
    at: datetime = Field(default_factory=clock.now)

    @property
    def text(self) -> str:
        """The failure as a scan reports it for its URL."""
        return f"extraction failed: {self.message}" if self.reason == "extraction" else self.message

    def summary(self) -> dict[str, str]:
        """url, kind and message, as sweep results and the sweep row list failures."""
        return {"url": self.url, "kind": self.reason, "message": self.message}


Item = ListingItem | ShopItem | AdItem | PageItem
ITEM_TYPES = (ListingItem, ShopItem, AdItem, PageItem)


def _money(value: float | Decimal | None) -> float | None:
    return None if value is None else float(value)


def _seller_permits(listing: Any) -> list[str] | None:
    """The permits a stored listing's shop displays, when its page was read (an item scored
    during a sweep does not know its shop yet: None)."""
    shop = getattr(listing, "shop", None)
    if shop is None or getattr(shop, "fetched_at", None) is None:
        return None
    return list(shop.permits or [])


def record_of(seen: Any) -> Record:
    """The Record for an item (``Item``) or a stored Listing/Shop/Ad row."""
    kind = getattr(seen, "kind", None)
    if kind == "listing":
        return Record(
            id=seen.external_id,
            kind="listing",
            title=seen.title,
            description=seen.description,
            category=seen.category,
            price=_money(seen.price),
            original_price=_money(seen.original_price),
            seller_permits=_seller_permits(seen),
        )
    if kind == "page":
        # A page no profile describes is read as a listing: its title and all its text.
        return Record(
            id=seen.external_id,
            kind="listing",
            title=seen.title,
            description=seen.description,
            price=_money(seen.price),
            original_price=_money(seen.original_price),
        )
    if kind == "shop":
        return Record(
            id=seen.external_id,
            kind="shop",
            title=seen.name,
            shop_text=seen.shop_text,
            category=" ".join(seen.categories),
            licence_present=seen.licence_present,
            licence_image_only=seen.licence_image_only,
            uscc=seen.uscc,
            permits=list(seen.permits),
        )
    if kind == "ad":
        return Record(
            id=seen.external_id, kind="ad", title=seen.text, is_ad=True, ad_labelled=seen.labelled
        )
    raise TypeError(f"cannot score {type(seen).__name__}")
