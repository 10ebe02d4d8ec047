"""Items, hits and verdicts for the store tests (imported by tests/test_store_*.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from rules.items import AdItem, ListingItem, PageCapture, ShopItem
from rules.record import Hit, Verdict
from store.models import Sweep, Target
from store.queries import start_sweep, upsert

BASE = "http://127.0.0.1:8000"
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
VALID_USCC = "91310110666007217T"  # reference/uscc/uscc_vectors_hutool.csv: valid
BAD_USCC = "911522010783762861"  # reference/uscc/uscc_invalid_checkdigit_derived.csv


def page(path: str, at: datetime = T0, body: bytes = b"<html></html>") -> PageCapture:
    capture = PageCapture.of(BASE + path, 200, body, "utf-8")
    return capture.model_copy(update={"fetched_at": at})


def listing_item(external_id="L00042", price=99.0, at=T0, **fields) -> ListingItem:
    values = {
        "platform": "demo",
        "url": f"{BASE}/item/{external_id}",
        "external_id": external_id,
        "title": "野生穿山甲片 正品保真",
        "description": "祖传秘方",
        "price": price,
        "original_price": 199.0,
        "category": "中药材",
        "ship_from": "湖北 鄂州",
        "shop_url": f"{BASE}/shop/S007",
        "shop_external_id": "S007",
        "page": page(f"/item/{external_id}", at),
    }
    return ListingItem(**(values | fields))


def shop_item(uscc=VALID_USCC, at=T0) -> ShopItem:
    return ShopItem(
        platform="demo",
        url=f"{BASE}/shop/S007",
        external_id="S007",
        name="鄂州老字号药材店",
        categories=["中药材", "保健食品"],
        licence_present=True,
        uscc=uscc,
        company_name="鄂州某某商贸有限公司",
        permits=["食品经营许可证"],
        page=page("/shop/S007", at),
    )


def ad_item(at=T0) -> AdItem:
    return AdItem(
        platform="demo",
        external_id="P017",
        slot="promoted",
        text="全网最低价 穿山甲片",
        target_url=f"{BASE}/item/L00042",
        target_external_id="L00042",
        labelled=False,
        page=page("/search?q=穿山甲", at),
    )


def hit(pack="wildlife", matched="穿山甲片", start=2, rule="pangolin") -> Hit:
    return Hit(
        pack_id=pack,
        pack_version="2026.1",
        rule_id=rule,
        severity="critical",
        weight=10,
        field="title",
        start=start,
        end=start + len(matched),
        matched=matched,
        term=matched,
        note="国家一级保护野生动物",
    )


def verdict(*hits: Hit, categories=None) -> Verdict:
    categories = sorted({h.pack_id for h in hits}) if categories is None else categories
    scores = {c: float(sum(h.weight for h in hits if h.pack_id == c)) for c in categories}
    return Verdict(
        score=sum(scores.values()),
        lead=bool(categories),
        categories=categories,
        pack_scores=scores,
        pack_versions={c: "2026.1" for c in categories},
        hits=list(hits),
    )


def new_sweep(s) -> Sweep:
    return start_sweep(
        s, "demo", "演示商城", BASE, "spiders/profiles/demo.yaml", {"wildlife": "2026.1"}
    )


def stored(s, sweep: Sweep, item) -> Target:
    """The row ``item`` was written to (``store.queries.upsert`` without its "new" flag)."""
    return upsert(s, sweep, item)[0]
