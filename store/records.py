"""The one mapping from what was seen to the Record the rule engine reads.

Items (``spiders.items``) and stored rows (``store.models``) name their fields alike on
purpose, so the pipeline (scoring an item as it arrives) and ``store.rescore`` (scoring a
stored row again) build their records here and cannot drift apart
(docs/contracts.md, "Items and records").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules.record import Record


def _money(value: float | Decimal | None) -> float | None:
    return None if value is None else float(value)


def record_of(seen: Any) -> Record:
    """The Record for a ListingItem/ShopItem/AdItem or a stored Listing/Shop/Ad row."""
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
