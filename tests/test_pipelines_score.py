"""Items → Records, as docs/contracts.md ("Items and records") says."""

from __future__ import annotations

from rules.items import AdItem, ListingItem, PageCapture, ShopItem, record_of
from rules.record import Record

PAGE = PageCapture.of("http://127.0.0.1/x", 200, b"<html></html>", "utf-8")


def listing(**kw) -> ListingItem:
    fields = dict(platform="demo", url="http://127.0.0.1/item/L1", external_id="L1", title="燕窝")
    return ListingItem(**{**fields, **kw}, page=PAGE)


def test_listing_record():
    item = listing(description="预防感冒", category="食品", price=99.0, original_price=199.0)
    assert record_of(item) == Record(
        id="L1",
        kind="listing",
        title="燕窝",
        description="预防感冒",
        category="食品",
        price=99.0,
        original_price=199.0,
    )


def test_shop_record():
    item = ShopItem(
        platform="demo",
        url="http://127.0.0.1/shop/S1",
        external_id="S1",
        name="老字号",
        shop_text="老字号\n统一社会信用代码：91420700MA4ABCDE1X",
        categories=["食品", "保健食品"],
        licence_present=True,
        licence_image_only=False,
        uscc="91420700MA4ABCDE1X",
        permits=["食品经营许可证"],
        page=PAGE,
    )
    assert record_of(item) == Record(
        id="S1",
        kind="shop",
        title="老字号",
        shop_text="老字号\n统一社会信用代码：91420700MA4ABCDE1X",
        category="食品 保健食品",
        licence_present=True,
        licence_image_only=False,
        uscc="91420700MA4ABCDE1X",
        permits=["食品经营许可证"],
    )


def test_ad_record():
    item = AdItem(
        platform="demo",
        external_id="P1",
        slot="promoted",
        text="全网最低价",
        labelled=False,
        page=PAGE,
    )
    assert record_of(item) == Record(
        id="P1", kind="ad", title="全网最低价", is_ad=True, ad_labelled=False
    )
