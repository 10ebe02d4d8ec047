"""What the rule engine reads (Record) and what it answers (Hit, Verdict).

These models are the contract between the engine and everything around it: the Scrapy
pipelines build a Record from an item, ``wangjian rules score`` builds one from a JSON line,
the store writes Hits and Verdicts. Plain pydantic, no Scrapy or SQLAlchemy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rules.prices import PricePoint, PriceWindow

#: Text fields a rule may read. ``shop_text`` is everything shown on a shop page (name,
#: licence block, introduction); ``category`` is matched as text too.
TextField = Literal["title", "description", "shop_text", "category"]
TEXT_FIELDS: tuple[str, ...] = ("title", "description", "shop_text", "category")

Kind = Literal["listing", "shop", "ad"]
Severity = Literal["low", "medium", "high", "critical"]
Via = Literal["term", "regex", "fuzzy", "phonetic", "check"]


class Record(BaseModel):
    """One thing to score: a listing, a shop page or an ad slot."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(None, description="Caller's identifier, echoed in the verdict.")
    kind: Kind = Field("listing", description="listing, shop or ad.")
    title: str = Field("", description="Listing title, shop name or ad text.")
    description: str = Field("", description="Listing description.")
    shop_text: str = Field("", description="Text of the shop page, licence block included.")
    category: str = Field("", description="Platform category, e.g. 食品 or 服饰.")
    price: float | None = Field(None, description="Price charged now, in yuan.")
    original_price: float | None = Field(None, description="Stated original price (划线价).")
    # Facts read off a shop page; None means "not a shop page / not known".
    licence_present: bool | None = Field(None, description="A licence block is displayed.")
    licence_image_only: bool | None = Field(
        None, description="The licence is shown only as an image, no text to verify."
    )
    uscc: str | None = Field(None, description="Unified social credit code as displayed.")
    permits: list[str] = Field(default_factory=list, description="Permits displayed, by name.")
    seller_permits: list[str] | None = Field(
        None,
        description="Listing records: the permits its shop displays; None when the shop's "
        "page was not read.",
    )
    # What earlier sweeps saw of a listing, for the price-history checks.
    observed_at: datetime | None = Field(
        None, description="When this record's prices were seen (aware; naive means UTC)."
    )
    price_history: list[PricePoint] = Field(
        default_factory=list,
        description="Earlier sightings of the listing's prices, oldest first: "
        '[{"at": "2026-11-01T10:00:00+08:00", "price": 99, "original_price": null}, …].',
    )
    windows: list[PriceWindow] = Field(
        default_factory=list,
        description="Promotion and emergency windows to judge prices in: "
        '[{"kind": "promotion", "name": "双11", "start": "2026-11-01", "end": "2026-11-11"}].',
    )
    # Facts about an ad slot.
    is_ad: bool = Field(False, description="The record is a paid placement.")
    ad_labelled: bool | None = Field(
        None, description="The placement carries a visible 广告 label."
    )

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # Exports often carry numeric ids; they identify a record just as well.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Hit(BaseModel):
    """One rule firing on one span (or one structural check failing)."""

    pack_id: str
    pack_version: str
    rule_id: str
    severity: Severity
    weight: float
    field: str = Field(description="Record field the hit is in; 'record' for structural checks.")
    start: int = Field(-1, description="Start offset in the ORIGINAL field text; -1 for checks.")
    end: int = Field(-1, description="End offset (exclusive) in the original field text.")
    matched: str = Field("", description="The original text of the span, as the seller wrote it.")
    term: str = Field("", description="The listed term, pattern or check that matched.")
    via: Via = "term"
    note: str = Field(
        "", description="Extra fact, e.g. 国家一级保护野生动物 or the discount ratio."
    )
    legal_basis: str = ""
    evidence: dict[str, Any] | None = Field(
        None,
        description="What a check judged by, beyond the note: a price-history check's window, "
        "basis period, lowest or highest price and the observations.",
    )


class Verdict(BaseModel):
    """The engine's answer for one record."""

    id: str | None = None
    score: float = Field(description="Sum of the pack scores.")
    lead: bool = Field(description="True when at least one pack reached its threshold.")
    categories: list[str] = Field(description="Ids of the packs that reached their threshold.")
    pack_scores: dict[str, float] = Field(default_factory=dict)
    pack_versions: dict[str, str] = Field(default_factory=dict)
    hits: list[Hit] = Field(default_factory=list)
