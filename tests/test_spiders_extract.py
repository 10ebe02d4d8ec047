"""Extraction on saved pages (tests/fixtures/pages/), one test per field kind."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.demo import pages
from crawler.demo.catalog import build_catalog
from crawler.encoding import UndeclaredCharsetMiddleware
from rules.regions import region_of_address
from rules.uscc import is_valid
from spiders.extract import (
    ExtractionError,
    extract_listing,
    extract_search,
    extract_shop,
    needs_render,
    parse_price,
    texts,
)
from spiders.profile import load_profile

PAGES = Path(__file__).parent / "fixtures" / "pages"
BASE = "http://127.0.0.1:8000"
PROFILE = load_profile("demo")


def page(name: str, path: str, content_type: str = "text/html; charset=utf-8") -> HtmlResponse:
    """A saved page as the downloader hands it over, encoding middleware applied."""
    url = BASE + path
    response = HtmlResponse(
        url=url,
        body=(PAGES / name).read_bytes(),
        headers={"Content-Type": content_type},
        request=Request(url),
    )
    return UndeclaredCharsetMiddleware().process_response(response.request, response)


# -- search pages ---------------------------------------------------------------------------


def test_search_listing_urls_include_results_and_ad_targets_once():
    result = extract_search(page("search_first.html", "/search?q=燕窝&page=1"), PROFILE)
    assert result.listing_urls == [
        f"{BASE}/item/L00031",
        f"{BASE}/item/L00032",
        f"{BASE}/item/L00042",
        f"{BASE}/item/L00012",
        f"{BASE}/item/L00013",
    ]


def test_search_next_page_is_absolute_and_absent_on_last_page():
    first = extract_search(page("search_first.html", "/search?q=x&page=1"), PROFILE)
    last = extract_search(page("search_last.html", "/search?q=x&page=9"), PROFILE)
    assert first.next_url == f"{BASE}/search?q=%E7%87%95%E7%AA%9D&page=2"
    assert last.next_url is None
    assert last.ads == []


def test_search_ads_slot_id_text_target_and_label():
    response = page("search_first.html", "/search?q=燕窝&page=1")
    ads = extract_search(response, PROFILE).ads
    assert [(a.slot, a.external_id, a.text, a.target_url, a.labelled) for a in ads] == [
        ("promoted", "P017", "特级 燕窝 即食", f"{BASE}/item/L00031", True),
        ("promoted", "P018", "燕窝 孕妇 滋补", f"{BASE}/item/L00032", False),
        ("banner", "B003", "双十一 全网最低价 燕窝礼盒", f"{BASE}/item/L00012", True),
        ("banner", "B004", "进口奶粉 限时抢购", f"{BASE}/item/L00013", False),
    ]
    assert {a.page.url for a in ads} == {response.url}
    assert ads[0].platform == "demo"


# -- listing pages --------------------------------------------------------------------------


def test_listing_text_fields():
    item = extract_listing(page("listing_full.html", "/item/L00042"), PROFILE)
    assert item.external_id == "L00042"
    assert item.title == "特级 燕窝 即食 孕妇滋补"
    assert item.category == "食品"
    assert item.ship_from == "湖北 鄂州"
    assert item.description == "本品预防感冒， 增强免疫力。全网最低价！"


def test_listing_prices_with_currency_sign_and_thousands_separator():
    item = extract_listing(page("listing_full.html", "/item/L00042"), PROFILE)
    assert (item.price, item.original_price) == (1299.0, 2599.0)


@pytest.mark.parametrize(
    ("text", "value"),
    [("¥1,299.00", 1299.0), ("￥12.5", 12.5), ("99元", 99.0), ("面议", None), ("", None)],
)
def test_parse_price(text, value):
    assert parse_price(text) == value


def test_listing_shop_link_gives_shop_url_and_id():
    item = extract_listing(page("listing_full.html", "/item/L00042"), PROFILE)
    assert (item.shop_url, item.shop_external_id) == (f"{BASE}/shop/S007", "S007")


def test_listing_optional_fields_absent():
    item = extract_listing(page("listing_minimal.html", "/item/L00099"), PROFILE)
    assert (item.price, item.original_price, item.category, item.description) == (
        None,
        None,
        "",
        "",
    )
    assert (item.shop_url, item.shop_external_id) == (None, None)


def test_listing_page_capture_hashes_the_body_as_served():
    response = page("listing_full.html", "/item/L00042")
    capture = extract_listing(response, PROFILE).page
    assert capture.sha256 == hashlib.sha256((PAGES / "listing_full.html").read_bytes()).hexdigest()
    assert (capture.url, capture.status, capture.encoding, capture.rendered) == (
        f"{BASE}/item/L00042",
        200,
        "utf-8",
        False,
    )


def test_js_priced_listing_needs_render_and_has_no_price_unrendered():
    response = page("listing_js_price.html", "/item/L00050")
    assert needs_render(response, PROFILE.listing.render.when) is True
    assert extract_listing(response, PROFILE).price is None
    assert (
        needs_render(page("listing_full.html", "/item/L00042"), PROFILE.listing.render.when)
        is False
    )


def test_rendered_listing_is_not_rendered_again():
    response = page("listing_js_price.html", "/item/L00050").replace(flags=["playwright"])
    assert needs_render(response, PROFILE.listing.render.when) is False
    assert extract_listing(response, PROFILE).page.rendered is True


def test_listing_missing_required_title_raises_with_url_and_field():
    with pytest.raises(ExtractionError) as caught:
        extract_listing(page("listing_changed.html", "/item/L00100"), PROFILE)
    assert (caught.value.url, caught.value.field) == (f"{BASE}/item/L00100", "listing.fields.title")


def test_listing_url_outside_id_pattern_raises():
    with pytest.raises(ExtractionError) as caught:
        extract_listing(page("listing_full.html", "/goods?id=42"), PROFILE)
    assert caught.value.field == "listing.id"


# -- GBK pages (no charset anywhere) --------------------------------------------------------


def test_gbk_listing_without_charset_is_decoded_as_gb18030():
    item = extract_listing(page("listing_gbk.html", "/item/L00061", "text/html"), PROFILE)
    assert (item.title, item.price, item.category, item.ship_from) == (
        "麝香",
        88.0,
        "中药材",
        "四川 成都",
    )
    assert item.page.encoding == "gb18030"


def test_gbk_shop_without_charset_is_decoded_as_gb18030():
    item = extract_shop(page("shop_gbk.html", "/shop/S011", "text/html"), PROFILE)
    assert (item.name, item.uscc, item.company_name) == (
        "川药铺",
        "91510100MA6CXXXX0X",
        "成都市川药商贸有限公司",
    )


def test_short_gbk_page_is_decoded_as_gb18030():
    # Too little text for charset detection: Scrapy alone reads this page as big5hkscs.
    item = extract_listing(page("listing_gbk_short.html", "/item/L00062", "text/html"), PROFILE)
    assert (item.title, item.price) == ("犀角", 5.0)


def test_utf8_page_without_charset_stays_utf8():
    response = page("listing_full.html", "/item/L00042", "text/html")
    assert extract_listing(response, PROFILE).title == "特级 燕窝 即食 孕妇滋补"
    assert response.encoding != "gb18030"


# -- shop pages -----------------------------------------------------------------------------


def test_shop_name_text_and_categories():
    item = extract_shop(page("shop_licence.html", "/shop/S007"), PROFILE)
    assert (item.external_id, item.name) == ("S007", "鄂州老字号旗舰店")
    assert item.categories == ["食品", "保健食品"]
    assert item.shop_text.splitlines()[:3] == [
        "鄂州老字号旗舰店",
        "百年老店，专营湖北特产。",
        "主营类目：食品 保健食品",
    ]
    assert "统一社会信用代码：91420700 MA4ABCDE1X" in item.shop_text


def test_shop_uscc_label_and_spaces_removed():
    item = extract_shop(page("shop_licence.html", "/shop/S007"), PROFILE)
    assert (item.uscc, item.company_name) == ("91420700MA4ABCDE1X", "鄂州市老字号食品有限公司")


def test_shop_permits_by_name():
    item = extract_shop(page("shop_licence.html", "/shop/S007"), PROFILE)
    assert item.permits == ["食品经营许可证", "保健食品经营备案"]


def test_shop_licence_as_text():
    item = extract_shop(page("shop_licence.html", "/shop/S007"), PROFILE)
    assert (item.licence_present, item.licence_image_only) == (True, False)


def test_shop_licence_only_as_image():
    item = extract_shop(page("shop_image_only.html", "/shop/S002"), PROFILE)
    assert (item.licence_present, item.licence_image_only, item.uscc, item.permits) == (
        True,
        True,
        None,
        [],
    )
    assert item.categories == ["保健食品", "药品"]


def test_shop_licence_address_on_a_demo_shop_page_places_the_seller():
    """The demo marketplace's 住所 line, label stripped; for a shop whose USCC fails its check
    it is what places the seller, to the county."""
    catalog = build_catalog(seed=7, size=300)
    shop = next(s for s in catalog.shops.values() if s.licence == "invalid" and not s.gbk)
    served = pages.shop(catalog, shop.id)
    url = f"{BASE}/shop/{shop.id}"
    headers = {"Content-Type": served.content_type}
    response = HtmlResponse(url=url, body=served.body, headers=headers, request=Request(url))
    item = extract_shop(response, PROFILE)
    assert item.licence_address == shop.address
    assert item.licence_address.startswith(shop.city.province + shop.city.name)
    assert f"住所：{shop.address}" in item.shop_text
    assert not is_valid(item.uscc)
    assert region_of_address(item.licence_address).code == shop.county
    assert extract_shop(page("shop_licence.html", "/shop/S007"), PROFILE).licence_address is None


def test_shop_without_licence():
    item = extract_shop(page("shop_none.html", "/shop/S003"), PROFILE)
    assert (item.licence_present, item.licence_image_only, item.uscc, item.company_name) == (
        False,
        False,
        None,
        None,
    )
    assert item.categories == []


def test_seller_typed_spaces_are_kept_and_markup_whitespace_collapsed():
    sel = Selector(text="<h1>\n  象\u3000牙\n   吊坠 </h1>")
    assert texts(sel, "h1") == ["象\u3000牙 吊坠"]


# -- listings read from the result page's own data (the shipped taobao profile) -------------


def test_taobao_results_are_read_from_the_saved_pages_script_without_a_server():
    from test_crawler_profiles import taobao_page

    url = "https://s.taobao.com/search?q=%E8%8A%9D%E9%BA%BB%E7%B3%8A&s=0"
    response = HtmlResponse(url, body=taobao_page(), encoding="utf-8", request=Request(url))
    found = extract_search(response, load_profile("taobao"))
    assert (len(found.listings), len(found.ads), found.listing_urls) == (35, 1, [])
    assert found.more  # the pager says page 1 of 100
    first = found.listings[0]
    assert (first.external_id, first.price, first.sales, first.ship_from, first.shop_name) == (
        "538596687562", 59.9, 16199, "广西 南宁", "南方黑芝麻旗舰店"
    )
    assert first.url.startswith("https://detail.tmall.com/item.htm?id=538596687562")
    (ad,) = found.ads
    assert (ad.external_id, ad.target_external_id, ad.labelled) == ("10609596736",) * 2 + (True,)
