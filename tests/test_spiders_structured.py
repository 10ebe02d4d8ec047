"""Pages without a profile: structured data first (JSON-LD, microdata, RDFa, OpenGraph) for
title, price, original price, seller and brand, then the main content without menus,
footers and other products' slogans. Measured on the saved real pages of
``reference/product_html`` (a public extraction benchmark with its answer key) and on
synthetic pages for each kind of markup."""

from __future__ import annotations

import json

import pytest
from reference import REFERENCE
from scrapy.http import HtmlResponse

from rules.engine import Scorer
from rules.items import record_of
from spiders.generic_page import extract_page
from spiders.structured import money, product_of

PAGES = REFERENCE / "product_html"
needs_pages = pytest.mark.skipif(not PAGES.is_dir(), reason=f"{PAGES} is not here")
#: The benchmark pages whose markup carries no product price (their prices stand in text
#: or in widgets listing several products): nothing is read rather than a neighbour's price.
NO_STRUCTURED_PRICE = {
    "412fe668",
    "24d6d89f",
    "09b6ff55",
    "91f8f14d",
    "3f5c52ae",
    "9f0c6ced",
    "bc5a68d0",
}


def response(path) -> HtmlResponse:
    return HtmlResponse(
        url=f"https://shop.test/{path.name}", body=path.read_bytes(), encoding="utf-8"
    )


@needs_pages
def test_the_price_is_read_where_the_page_states_it():
    truth = json.loads((PAGES / "zyte_peb" / "ground-truth.subset.json").read_text("utf-8"))
    read, missed = {}, set()
    for key, expected in truth.items():
        item = extract_page(response(PAGES / "zyte_peb" / f"{key}.html"))
        if item.price is None:
            missed.add(key[:8])
        else:
            read[key[:8]] = (item.price, float(expected["price"][0]))
    assert all(got == want for got, want in read.values()), read
    assert missed == NO_STRUCTURED_PRICE
    assert len(read) == 5


@needs_pages
def test_the_extruct_samples_give_title_price_seller_and_brand():
    for name in ("product.html", "product-ref.html", "product_microdata.html"):
        product = product_of((PAGES / "extruct" / name).read_text("utf-8"), "https://x.test/")
        assert (product.title, product.price, product.currency) == (
            "Executive Anvil",
            119.99,
            "USD",
        )
        assert (product.seller, product.brand) == ("Executive Objects", "ACME")
    og = product_of(
        (PAGES / "extruct" / "opengraph_ns_product_test.html").read_text("utf-8"), "https://x.test/"
    )
    assert og.price == 17.99


@needs_pages
def test_no_lead_comes_from_boilerplate_on_the_real_pages():
    scorer = Scorer.load()
    leads = {}
    for path in sorted(PAGES.rglob("*.html")):
        verdict = scorer.score(record_of(extract_page(response(path))))
        if verdict.lead:
            leads[path.name[:8]] = [(h.rule_id, h.matched) for h in verdict.hits]
    # Before: 4 of 16, all from site slogans in menus, meta descriptions and other products.
    assert leads == {}


def page(body: str, head: str = "") -> HtmlResponse:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return HtmlResponse(url="https://shop.test/p/1", body=html.encode(), encoding="utf-8")


def test_json_ld_graph_with_a_list_price():
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "某商城"},
            {
                "@type": "Product",
                "name": "羊毛大衣 女",
                "brand": {"@type": "Brand", "name": "某牌"},
                "offers": {
                    "@type": "Offer",
                    "price": "99.00",
                    "priceCurrency": "CNY",
                    "seller": {"@type": "Organization", "name": "某某旗舰店"},
                    "priceSpecification": {
                        "@type": "UnitPriceSpecification",
                        "priceType": "https://schema.org/StrikethroughPrice",
                        "price": 899,
                    },
                },
            },
        ],
    }
    script = f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"
    item = extract_page(page("<h1>别的标题</h1>", script))
    assert (item.title, item.price, item.original_price) == ("羊毛大衣 女", 99.0, 899.0)
    assert (item.currency, item.seller, item.brand) == ("CNY", "某某旗舰店", "某牌")
    # The fake-discount check now runs on a page without a profile.
    verdict = Scorer.load().score(record_of(item))
    assert "fake_promotion" in verdict.categories


def test_microdata_and_opengraph_and_a_page_with_none():
    micro = (
        "<div itemscope itemtype='https://schema.org/Product'><span itemprop='name'>保温杯</span>"
        "<div itemprop='offers' itemscope itemtype='https://schema.org/AggregateOffer'>"
        "<span itemprop='lowPrice'>39.9</span><meta itemprop='priceCurrency' content='CNY'>"
        "</div></div>"
    )
    assert extract_page(page(micro)).price == 39.9
    og = (
        "<meta property='og:title' content='蓝牙耳机'>"
        "<meta property='product:price:amount' content='¥129.00'>"
        "<meta property='product:price:currency' content='CNY'>"
    )
    item = extract_page(page("<p>正文</p>", og))
    assert (item.title, item.price, item.currency) == ("蓝牙耳机", 129.0, "CNY")
    plain = extract_page(page("<h1>纯文本页</h1><p>没有结构化数据</p>"))
    assert (plain.title, plain.price) == ("纯文本页", None)


def test_prices_as_text():
    assert money("¥1,299.00") == (1299.0, "¥")
    assert money("NT$ 960")[0] == 960.0
    assert money("￥89-129")[0] == 89.0
    assert money(None) == (None, None) and money("面议") == (None, None)
