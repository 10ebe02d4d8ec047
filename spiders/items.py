"""Items the spider yields: pydantic models, validated where they are built."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field


class PageCapture(BaseModel):
    """How a page was fetched: enough to show later what was seen and when."""

    url: str
    status: int
    fetched_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    sha256: str = Field(description="SHA-256 of the body bytes as served.")
    encoding: str = Field(description="Encoding the text was decoded with.")
    rendered: bool = Field(False, description="Rendered by Chromium (Playwright).")

    @classmethod
    def of(cls, url: str, status: int, body: bytes, encoding: str, rendered: bool = False):
        return cls(
            url=url,
            status=status,
            sha256=hashlib.sha256(body).hexdigest(),
            encoding=encoding,
            rendered=rendered,
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
    category: str = ""
    ship_from: str = ""
    shop_url: str | None = None
    shop_external_id: str | None = None
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
    permits: list[str] = Field(default_factory=list)
    page: PageCapture


class AdItem(BaseModel):
    kind: Literal["ad"] = "ad"
    platform: str
    external_id: str = Field(description="Stable id of the slot's creative on the platform.")
    slot: Literal["promoted", "banner"]
    text: str = Field(min_length=1)
    target_url: str | None = None
    labelled: bool = Field(description="A visible 广告 label is shown with the slot.")
    page: PageCapture = Field(description="The search page the ad was seen on.")


Item = ListingItem | ShopItem | AdItem
