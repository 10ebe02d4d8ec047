"""The demo marketplace over real HTTP on 127.0.0.1: markup, determinism, truth."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from parsel import Selector
from stdnum.cn import uscc

from crawler.demo.catalog import build_catalog, fold
from crawler.demo.server import DemoServer
from rules.regions import region_of_address

ROOT = Path(__file__).resolve().parents[1]
PACKS = ("wildlife", "prohibited_goods", "fake_promotion", "license_display")


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def page(url: str) -> Selector:
    status, ctype, body = get(url)
    assert status == 200, url
    # Pages without a charset are the GBK ones (see test_gbk_pages_…).
    return Selector(text=body.decode("utf-8" if "charset=utf-8" in ctype else "gbk"))


@pytest.fixture(scope="module")
def catalog():
    return build_catalog()


@pytest.fixture(scope="module")
def site(catalog):
    with DemoServer(catalog) as server:
        yield server.url


def walk_search(site: str, keyword: str) -> tuple[list[str], list[str], int]:
    """Follow a.next from page 1: organic ids, ad ids seen, pages visited."""
    organic, ads, pages = [], [], 0
    href = "/search?q=" + urllib.request.quote(keyword)
    while href:
        sel = page(site + href)
        pages += 1
        organic += sel.css("ul.results li.result:not(.promoted)::attr(data-id)").getall()
        ads += sel.css("[data-ad-id]::attr(data-ad-id)").getall()
        href = sel.css("a.next::attr(href)").get()
    return organic, ads, pages


SAMPLE_PATHS = ("/", "/search?q=", "/search?q=&page=3", "/search?q=%E8%B1%A1%E7%89%99",
                "/item/L00001", "/item/L00150", "/shop/S001", "/shop/S012", "/api/price/L00007")


def test_same_seed_serves_the_same_bytes_and_another_seed_differs(site):
    with DemoServer(build_catalog(seed=7)) as again, DemoServer(build_catalog(seed=8)) as other:
        for path in SAMPLE_PATHS:
            assert get(site + path)[2] == get(again.url + path)[2], path
        assert get(site + "/item/L00001")[2] != get(other.url + "/item/L00001")[2]
        assert get(site + "/search?q=")[2] != get(other.url + "/search?q=")[2]


def test_catalogue_does_not_depend_on_the_process_hash_seed(catalog):
    script = (
        "import hashlib\nfrom crawler.demo.catalog import build_catalog\n"
        "from crawler.demo.server import respond\nc = build_catalog()\nh = hashlib.sha256()\n"
        "for p in ['/search?q=', *('/item/' + i for i in c.listings), *('/shop/' + s for s in"
        " c.shops)]:\n    h.update(respond(c, p).body)\nprint(h.hexdigest())\n"
    )
    digests = {
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_size_sets_listings_and_shops():
    small, large = build_catalog(size=50), build_catalog(size=500)
    assert (len(small.listings), len(small.shops)) == (50, 12)
    assert (len(large.listings), len(large.shops)) == (500, 50)
    assert list(small.listings)[:2] == ["L00001", "L00002"]
    with pytest.raises(ValueError):
        build_catalog(size=0)


def test_browsing_every_page_lists_every_listing_once_and_shows_every_ad(site, catalog):
    organic, ads, pages = walk_search(site, "")
    assert organic == list(catalog.listings)
    assert pages == 15
    assert set(ads) == set(catalog.ads)


def test_search_finds_an_evasively_written_listing_by_its_canonical_word(site, catalog):
    hidden = [(x, tag) for x in catalog.listings.values() if x.evasive for tag in x.tags
              if fold(tag) not in fold(x.title) and fold(tag) not in fold(x.description)]
    assert hidden
    listing, tag = hidden[0]
    organic, _, _ = walk_search(site, tag)
    assert listing.id in organic
    assert set(organic) == set(catalog.search(tag))


def test_search_matches_after_nfkc_and_lower_case(site, catalog):
    hits = catalog.search("ｈｐｖ")  # full-width, upper case in the title
    assert hits and all("hpv" in fold(catalog.listings[i].title) for i in hits)
    organic, _, _ = walk_search(site, "ＨＰＶ")
    assert organic == hits


def test_ads_carry_ids_and_a_label_only_when_labelled(site, catalog):
    sel = page(site + "/search?q=")
    banner = sel.css("div.banner")
    ad = catalog.ads[banner.attrib["data-ad-id"]]
    assert banner.css("a::text").get() == ad.text
    assert bool(banner.css("span.ad-tag")) == ad.labelled
    promoted = sel.css("li.result.promoted")
    assert len(promoted) == 2
    for li in promoted:
        ad = catalog.ads[li.attrib["data-ad-id"]]
        assert li.attrib["data-id"] == ad.listing_id
        assert li.css("a.title::text").get() == ad.text
        assert bool(li.css("span.ad-tag")) == ad.labelled
        seller = catalog.shops[catalog.listings[ad.listing_id].shop_id]
        assert catalog.expected_region("ad", ad.id) == seller.city.code
    unlabelled = [a for a in catalog.ads.values() if not a.labelled]
    assert unlabelled and all("fake_promotion" in catalog.truth[("ad", a.id)] for a in unlabelled)


def test_item_page_fields(site, catalog):
    listing = next(x for x in catalog.listings.values()
                   if not (x.js_priced or x.gbk) and x.original_price)
    shop = catalog.shops[listing.shop_id]
    sel = page(f"{site}/item/{listing.id}")
    assert sel.css("h1.title::text").get() == listing.title
    assert sel.css("span.price::text").get() == f"¥{listing.price:.2f}"
    assert sel.css("del.original-price::text").get() == f"¥{listing.original_price:.2f}"
    assert sel.css("span.category::text").get() == listing.category
    assert sel.css("span.ship-from::text").get() == shop.city.place
    assert sel.css("div.desc::text").get() == listing.description
    assert sel.css("a.shop::attr(href)").get() == f"/shop/{shop.id}"
    assert catalog.expected_region("listing", listing.id) == shop.city.code


def test_js_priced_listing_has_an_empty_price_and_a_json_endpoint(site, catalog):
    listing = next(x for x in catalog.listings.values()
                   if x.js_priced and x.original_price and not x.gbk)
    sel = page(f"{site}/item/{listing.id}")
    span = sel.css("span.price")
    assert span.attrib["data-price-src"] == f"/api/price/{listing.id}"
    assert span.css("::text").get() is None
    assert sel.css("del.original-price::text").get() is None
    assert "fetch(" in sel.css("script::text").get()
    status, ctype, body = get(site + span.attrib["data-price-src"])
    assert (status, ctype) == (200, "application/json")
    assert json.loads(body) == {"price": listing.price, "original_price": listing.original_price}
    assert sum(x.js_priced for x in catalog.listings.values()) in range(15, 46)


def test_gbk_pages_declare_no_charset_and_decode_as_gbk(site, catalog):
    listings = [x for x in catalog.listings.values() if x.gbk]
    shops = [s for s in catalog.shops.values() if s.gbk]
    assert len(listings) >= 3 and len(shops) >= 2
    for path, title, css in [(f"/item/{listings[0].id}", listings[0].title, "h1.title"),
                             (f"/shop/{shops[0].id}", shops[0].name, "h1.shop-name")]:
        status, ctype, body = get(site + path)
        assert (status, ctype) == (200, "text/html")
        assert b"charset" not in body.lower()
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = body.decode("gbk")
        assert html.unescape(Selector(text=text).css(css + "::text").get()) == title
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 150


def test_shop_licences_valid_invalid_missing_and_image(site, catalog):
    shops = list(catalog.shops.values())
    assert {s.licence for s in shops} == {"valid", "invalid", "missing", "image"}
    for shop in shops:
        sel = page(f"{site}/shop/{shop.id}")
        assert sel.css("h1.shop-name::text").get() == shop.name
        shown = sel.css("div.licence:not(.licence-image) p.uscc::text").get()
        if shop.licence in ("valid", "invalid"):
            assert shown == "统一社会信用代码：" + shop.uscc
            assert uscc.is_valid(shop.uscc) == (shop.licence == "valid")
            assert shop.uscc[2:8] == shop.city.code
            # The 住所 names the shop's city and one of its counties: where the seller is
            # when the code fails its check.
            address = sel.css("div.licence p.address::text").get()
            assert address == "住所：" + shop.address
            assert shop.address.startswith(shop.city.province + shop.city.name)
            assert region_of_address(shop.address).code == shop.county
            assert shop.county[:4] == shop.city.code[:4]
        else:
            assert shown is None
            assert sel.css("p.address").get() is None
        assert bool(sel.css("div.licence-image img")) == (shop.licence == "image")
        permits = sel.css("p.permit::text").getall()
        assert permits == [f"{name}：{number}" for name, number in shop.permits]
        bad = shop.licence != "valid" or (shop.food and not permits)
        assert catalog.truth[("shop", shop.id)] == frozenset({"license_display"} if bad else ())
    assert any(s.food and s.licence == "valid" and not s.permits for s in shops)
    assert any(s.food and s.permits for s in shops)
    image_shop = next(s for s in shops if s.licence == "image")
    status, ctype, body = get(f"{site}/static/licence/{image_shop.id}.png")
    assert (status, ctype, body[:8]) == (200, "image/png", b"\x89PNG\r\n\x1a\n")


def test_truth_covers_every_pack_and_a_realistic_mix(catalog):
    truth = catalog.truth
    assert len(truth) == len(catalog.listings) + len(catalog.shops) + len(catalog.ads)
    for pack in PACKS:
        violators = [key for key, packs in truth.items() if pack in packs]
        assert violators, pack
        provinces = {catalog.seller(*key).city.province for key in violators}
        assert len(provinces) >= 3, pack
    listings = list(catalog.listings.values())
    clean = [x for x in listings if not x.packs]
    assert 0.70 <= len(clean) / len(listings) <= 0.80
    benign = [x for x in listings if x.kind == "benign"]
    assert benign and all(not x.packs for x in benign)
    assert any("象牙白" in x.title for x in benign)
    violating = [x for x in listings if x.kind == "violating"]
    assert 0.2 <= sum(x.evasive for x in violating) / len(violating) <= 0.3
    discounts = [x for x in listings if x.kind == "discount"]
    assert discounts and all(x.original_price >= 4 * x.price for x in discounts)
    assert all(x.original_price is None or x.original_price < 4 * x.price for x in clean)
    stats = catalog.stats()
    assert stats["listing"]["total"] == 300 and stats["shop"]["total"] == 30
    assert stats["listing"]["wildlife"] == sum("wildlife" in x.packs for x in listings)
    assert sum(c.get("wildlife", 0) for c in stats["provinces"].values()) == sum(
        "wildlife" in p for p in truth.values())


def test_unknown_pages_are_404_and_bad_page_numbers_400(site):
    for path in ("/item/L99999", "/shop/S999", "/nowhere", "/search?q=&page=16",
                 "/static/licence/S001.png"):
        status, ctype, body = get(site + path)
        assert (status, ctype) == (404, "text/html; charset=utf-8"), path
        assert "页面不存在" in body.decode("utf-8")
    assert get(site + "/api/price/L99999")[0] == 404
    for bad in ("0", "abc", "-1", "２"):
        status, _, body = get(site + "/search?q=&page=" + urllib.request.quote(bad))
        assert status == 400 and "页码必须是正整数" in body.decode("utf-8")


def test_twenty_thousand_listings(catalog):
    big = build_catalog(size=20000)
    assert (len(big.listings), len(big.shops)) == (20000, 2000)
    with DemoServer(big) as server:
        last = page(server.url + "/search?q=&page=1000")
        ids = last.css("li.result:not(.promoted)::attr(data-id)").getall()
        assert ids == [f"L{n:05d}" for n in range(19981, 20001)]
        assert last.css("a.next").get() is None
        assert page(server.url + "/item/L20000").css("h1.title::text").get() == (
            big.listings["L20000"].title)
    assert build_catalog(size=20000).truth == big.truth


@pytest.mark.browser
def test_chromium_recognises_gbk_pages_and_fills_script_prices(site, catalog):
    from playwright.sync_api import sync_playwright

    gbk = next(x for x in catalog.listings.values() if x.gbk)
    priced = next(x for x in catalog.listings.values() if x.js_priced and x.original_price)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        try:
            tab = browser.new_page()
            tab.goto(f"{site}/item/{gbk.id}")
            assert tab.evaluate("document.characterSet") == "GBK"
            assert tab.inner_text("h1.title") == gbk.title
            tab.goto(f"{site}/item/{priced.id}")
            tab.wait_for_selector("span.price:not(:empty)")
            assert tab.inner_text("span.price") == f"¥{priced.price:.2f}"
            assert tab.inner_text("del.original-price") == f"¥{priced.original_price:.2f}"
        finally:
            browser.close()
