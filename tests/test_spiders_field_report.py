"""What each selector of the demo profile extracts from the saved pages (tests/fixtures/pages/),
and the plain-text report of it, hostile seller text escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.encoding import UndeclaredCharsetMiddleware
from spiders.extract import ExtractionError, extract_listing, extract_search, extract_shop
from spiders.field_report import FieldReading, escape_controls, field_report, render_report
from spiders.profile import load_profile

PAGES = Path(__file__).parent / "fixtures" / "pages"
BASE = "http://127.0.0.1:8000"
PROFILE = load_profile("demo")
LISTING_ID = "^/item/(?P<id>[^/?#]+)$"


def page(name: str, path: str, content_type: str = "text/html; charset=utf-8") -> HtmlResponse:
    """A saved page as the downloader hands it over, encoding middleware applied."""
    return html(BASE + path, (PAGES / name).read_bytes(), content_type)


def html(url: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> HtmlResponse:
    response = HtmlResponse(
        url=url, body=body, headers={"Content-Type": content_type}, request=Request(url)
    )
    return UndeclaredCharsetMiddleware().process_response(response.request, response)


def readings(name: str, path: str) -> dict[str, FieldReading]:
    return {r.field: r for r in field_report(page(name, path), PROFILE)}


def line(report: str, field: str) -> str:
    (found,) = [row for row in report.splitlines() if row.split("  ")[0].strip() == field]
    return found


# -- listing pages --------------------------------------------------------------------------


def test_listing_readings_in_profile_order_with_id_first():
    assert field_report(page("listing_full.html", "/item/L00042"), PROFILE) == [
        FieldReading("listing.id", LISTING_ID, ["L00042"], True),
        FieldReading("listing.fields.title", "h1.title", ["特级 燕窝 即食 孕妇滋补"], True),
        FieldReading("listing.fields.price", "span.price", ["¥1,299.00"], False),
        FieldReading("listing.fields.original_price", "del.original-price", ["¥2,599.00"], False),
        FieldReading("listing.fields.sales", None, [], False),
        FieldReading("listing.fields.availability", "span.stock", [], False),
        FieldReading("listing.fields.category", "span.category", ["食品"], False),
        FieldReading("listing.fields.ship_from", "span.ship-from", ["湖北 鄂州"], False),
        FieldReading(
            "listing.fields.description",
            "div.desc",
            ["本品预防感冒， 增强免疫力。全网最低价！"],
            False,
        ),
        FieldReading("listing.fields.shop_name", None, [], False),
        FieldReading("listing.fields.shop_link", "a.shop::attr(href)", ["/shop/S007"], False),
    ]


def test_minimal_listing_empty_original_price_is_marked_empty_not_missing():
    found = readings("listing_minimal.html", "/item/L00099")
    assert found["listing.id"].values == ["L00099"]
    assert found["listing.fields.title"].values == ["纯棉T恤"]
    assert found["listing.fields.price"].values == ["面议"]
    assert found["listing.fields.original_price"] == FieldReading(
        "listing.fields.original_price", "del.original-price", [], False
    )
    report = render_report(list(found.values()))
    assert line(report, "listing.fields.original_price").endswith(
        "del.original-price       →  （空）"
    )
    assert line(report, "listing.fields.title").endswith("h1.title                 →  纯棉T恤")
    assert "✗" not in report


def test_js_priced_listing_shows_the_empty_price_of_the_plain_page():
    found = readings("listing_js_price.html", "/item/L00050")
    assert found["listing.fields.price"].values == []
    assert found["listing.fields.title"].values == ["进口 保健品 胶囊"]


def test_changed_listing_marks_the_missing_title():
    found = readings("listing_changed.html", "/item/L00100")
    assert found["listing.fields.title"].values == []
    assert found["listing.fields.title"].missing
    assert found["listing.fields.price"].values == ["¥5.00"]
    report = render_report(list(found.values()))
    assert line(report, "listing.fields.title").endswith("h1.title                 →  ✗ 缺失")


def test_gbk_listing_reads_decoded_text():
    found = {
        r.field: r
        for r in field_report(page("listing_gbk.html", "/item/L00061", "text/html"), PROFILE)
    }
    assert found["listing.fields.title"].values == ["麝香"]


# -- shop pages -----------------------------------------------------------------------------


def test_shop_readings():
    found = readings("shop_licence.html", "/shop/S007")
    assert list(found) == [
        "shop.id",
        "shop.fields.name",
        "shop.fields.text",
        "shop.fields.categories",
        "shop.fields.licence",
        "shop.fields.licence_image",
        "shop.fields.company",
        "shop.fields.uscc",
        "shop.fields.permits",
        "shop.fields.licence_address",
    ]
    assert found["shop.id"] == FieldReading("shop.id", "^/shop/(?P<id>[^/?#]+)$", ["S007"], True)
    assert found["shop.fields.name"].values == ["鄂州老字号旗舰店"]
    assert found["shop.fields.name"].required and not found["shop.fields.text"].required
    assert found["shop.fields.uscc"].values == ["统一社会信用代码：91420700 MA4ABCDE1X"]
    assert found["shop.fields.permits"].values == [
        "食品经营许可证：JY14207000000001",
        "保健食品经营备案：HB2024001",
    ]
    assert found["shop.fields.licence_image"].values == []


def test_licence_shown_as_an_image_reads_as_the_element():
    found = readings("shop_image_only.html", "/shop/S002")
    assert found["shop.fields.licence_image"].values == ["<img>"]
    assert (found["shop.fields.licence"].values, found["shop.fields.uscc"].values) == ([], [])


def test_shop_without_licence():
    found = readings("shop_none.html", "/shop/S003")
    assert found["shop.fields.text"].values == ["无名小铺", "什么都卖"]
    assert [f for f, r in found.items() if not r.values] == [
        "shop.fields.categories",
        "shop.fields.licence",
        "shop.fields.licence_image",
        "shop.fields.company",
        "shop.fields.uscc",
        "shop.fields.permits",
        "shop.fields.licence_address",
    ]


# -- search pages ---------------------------------------------------------------------------


def test_search_readings_links_and_ads_one_value_per_slot_element():
    found = readings("search_first.html", "/search?q=燕窝&page=1")
    assert found["search.result_link"].values == [
        "/item/L00031",
        "/item/L00032",
        "/item/L00042",
        "/item/L00012",
    ]
    assert found["search.next_page"].values == ["/search?q=%E7%87%95%E7%AA%9D&page=2"]
    assert found["search.ads.promoted.id"] == FieldReading(
        "search.ads.promoted.id", "::attr(data-ad-id)", ["P017", "P018"], True
    )
    assert found["search.ads.banner.text"].values == [
        "双十一 全网最低价 燕窝礼盒",
        "进口奶粉 限时抢购",
    ]
    assert found["search.ads.banner.link"].values == ["/item/L00012", "/item/L00013"]
    # the second banner shows no 广告 label: its value is empty, in its place
    assert found["search.ads.banner.label"] == FieldReading(
        "search.ads.banner.label", "span.ad-tag", ["广告", ""], False
    )
    report = render_report(list(found.values()))
    assert line(report, "search.ads.banner.label").endswith("→  广告 | （空）")
    assert "✗" not in report


def test_search_page_without_ads_or_next_page_has_nothing_missing():
    found = readings("search_last.html", "/search?q=x&page=9")
    assert found["search.result_link"].values == ["/item/L00077"]
    assert [f for f, r in found.items() if r.values] == ["search.result_link"]
    assert not any(r.required for r in found.values())
    assert "✗" not in render_report(list(found.values()))


def test_ad_slot_without_its_id_is_missing_as_extraction_says():
    body = (PAGES / "search_first.html").read_bytes().replace(b' data-ad-id="B004"', b"")
    body = body.replace(b'<div class="banner">', b'<div class="banner" data-x="1">')
    response = html(BASE + "/search?q=x&page=1", body)
    found = {r.field: r for r in field_report(response, PROFILE)}
    assert found["search.ads.banner.id"].values == ["B003", ""]
    assert found["search.ads.banner.id"].missing
    assert line(render_report(list(found.values())), "search.ads.banner.id").endswith(
        "→  B003 | （空）  ✗ 缺失"
    )
    with pytest.raises(ExtractionError) as caught:
        extract_search(response, PROFILE)
    assert caught.value.field == "search.ads.banner.id"


# -- pages the profile does not describe; required means what extraction requires ------------


def test_page_the_profile_does_not_describe_has_no_readings():
    assert field_report(page("generic_shop_page.html", "/about"), PROFILE) == []
    assert render_report([]) == ""


SAVED = [
    ("listing_full.html", "/item/L00042"),
    ("listing_minimal.html", "/item/L00099"),
    ("listing_js_price.html", "/item/L00050"),
    ("listing_changed.html", "/item/L00100"),
    ("shop_licence.html", "/shop/S007"),
    ("shop_image_only.html", "/shop/S002"),
    ("shop_none.html", "/shop/S003"),
    ("search_first.html", "/search?q=x&page=1"),
    ("search_last.html", "/search?q=x&page=9"),
]


@pytest.mark.parametrize(("name", "path"), SAVED)
def test_a_missing_reading_is_exactly_what_makes_extraction_fail(name, path):
    response = page(name, path)
    extract = {"/item/": extract_listing, "/shop/": extract_shop}.get(path[:6], extract_search)
    missing = [r.field for r in field_report(response, PROFILE) if r.missing]
    try:
        extract(response, PROFILE)
    except ExtractionError as exc:
        assert missing == [exc.field]
    else:
        assert missing == []


# -- the report -----------------------------------------------------------------------------


def test_report_lines_align_field_selector_and_values():
    report = render_report(field_report(page("listing_minimal.html", "/item/L00099"), PROFILE))
    assert report.splitlines()[:2] == [
        "listing.id                     ^/item/(?P<id>[^/?#]+)$  →  L00099",
        "listing.fields.title           h1.title                 →  纯棉T恤",
    ]
    assert report.endswith("\n")


def test_report_lines_appear_in_format_md():
    # spiders/FORMAT.md shows this report: it must stay what the code prints.
    doc = (Path(__file__).resolve().parents[1] / "spiders" / "FORMAT.md").read_text("utf-8")
    report = render_report(field_report(page("listing_minimal.html", "/item/L00099"), PROFILE))
    assert [row for row in report.splitlines() if row not in doc] == []


def test_long_values_are_cut_at_60_characters_and_many_values_counted():
    long = "燕" * 100
    report = render_report(
        [
            FieldReading("listing.fields.description", "div.desc", [long], False),
            FieldReading(
                "search.result_link", "a::attr(href)", [f"/item/{i}" for i in range(8)], False
            ),
        ]
    )
    first, second = report.splitlines()
    assert first.endswith("→  " + "燕" * 59 + "…")
    assert second.endswith("→  /item/0 | /item/1 | /item/2 | /item/3 | /item/4 | …（共 8 项）")


def test_unset_selector_is_shown_as_unset():
    fields = PROFILE.listing.fields.model_copy(update={"original_price": None})
    listing = PROFILE.listing.model_copy(update={"fields": fields})
    profile = PROFILE.model_copy(update={"listing": listing})
    found = {r.field: r for r in field_report(page("listing_full.html", "/item/L00042"), profile)}
    assert found["listing.fields.original_price"] == FieldReading(
        "listing.fields.original_price", None, [], False
    )
    assert line(render_report(list(found.values())), "listing.fields.original_price").endswith(
        "—                        →  （未设置）"
    )


def test_hostile_title_is_shown_with_visible_escapes():
    title = "\x1b]8;;http://evil\x1b\\象牙\u202e镯手\x1b]8;;\x1b\\"
    body = f'<html><body><h1 class="title">{title}</h1></body></html>'.encode()
    found = field_report(html(BASE + "/item/L00666", body), PROFILE)
    assert found[1] == FieldReading("listing.fields.title", "h1.title", [title], True)
    shown = line(render_report(found), "listing.fields.title")
    assert shown.endswith("→  \\x1b]8;;http://evil\\x1b\\象牙\\u202e镯手\\x1b]8;;\\x1b\\")
    assert not any(c in shown for c in "\x1b\u202e")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\x00b\x07c\x7f", r"a\x00b\x07c\x7f"),
        ("\x9b31m", r"\x9b31m"),  # C1 CSI
        ("\u202a\u202b\u202c\u202d\u202e", r"\u202a\u202b\u202c\u202d\u202e"),
        ("\u2066\u2067\u2068\u2069", r"\u2066\u2067\u2068\u2069"),
        ("象\u3000牙 ¥99", "象\u3000牙 ¥99"),  # text as sellers write it stays
    ],
)
def test_escape_controls(text, shown):
    assert escape_controls(text) == shown
