"""A render rule's ``api``: the JSON endpoint a page's script reads, read with a plain request
instead of Chromium and merged into the listing (spiders.render_api); Chromium after all when
the endpoint fails; browser contexts recycled on the Chromium path (crawler.browser)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from wangjian_process import wangjian_json

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer, respond
from spiders import frontier
from spiders.extract import extract_listing
from spiders.generic import API, GenericSpider
from spiders.profile import PROFILES_DIR, ProfileError, load_profile
from spiders.render import PLAIN
from spiders.render_api import api_url, merged

CATALOG = build_catalog(seed=7, size=40)
JS_PRICED = sorted(i for i, x in CATALOG.listings.items() if x.js_priced)
WITH_ORIGINAL = next(i for i in JS_PRICED if CATALOG.listings[i].original_price)
BASE = "http://127.0.0.1:8000"


def variant(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((PROFILES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def api_spec(**api):
    return lambda d: d["listing"]["render"].__setitem__("api", api)


@pytest.mark.parametrize(
    ("api", "message"),
    [
        (
            {
                "url": "/api/price/{id}",
                "link": "span.price::attr(data-price-src)",
                "fields": {"price": "price"},
            },
            "give url (a template with {id}) or link (a pick), not both",
        ),
        ({"fields": {"price": "price"}}, "give url (a template with {id}) or link"),
        ({"url": "/api/{sku}", "fields": {"price": "price"}}, "url: only {id}: 'sku'"),
        ({"url": "/api/{id}", "fields": {"prize": "price"}}, "not a listing field an API can"),
        ({"url": "/api/{id}", "fields": {"price": "price["}}, "bad JSON path 'price['"),
        ({"url": "/api/{id}", "fields": {}}, "should have at least 1 item"),
    ],
)
def test_a_bad_api_fails_naming_the_file_and_the_field(tmp_path, api, message):
    with pytest.raises(ProfileError) as caught:
        load_profile(variant(tmp_path, api_spec(**api)))
    assert str(caught.value).startswith("demo.yaml: listing.render.api")
    assert message in str(caught.value)


def test_only_listing_pages_are_completed_from_an_api(tmp_path):
    def edit(d):
        d["shop"]["render"] = {"when": "h1", "api": {"url": "/x/{id}", "fields": {"price": "p"}}}

    with pytest.raises(ProfileError) as caught:
        load_profile(variant(tmp_path, edit))
    assert str(caught.value) == (
        "demo.yaml: shop: render.api: only listing pages are completed from an API"
    )


def page(listing_id: str) -> HtmlResponse:
    served = respond(CATALOG, f"/item/{listing_id}")
    url = f"{BASE}/item/{listing_id}"
    return HtmlResponse(
        url, body=served.body, headers={"Content-Type": served.content_type}, request=Request(url)
    )


def answer(url: str, status: int = 200, body: object = None, kind="application/json"):
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return TextResponse(
        url, status=status, body=data, headers={"Content-Type": kind}, encoding="utf-8"
    )


def test_the_endpoint_is_named_by_a_template_or_by_the_page():
    profile = load_profile("demo")
    spec = profile.listing.render.api
    assert api_url(spec, page(WITH_ORIGINAL), WITH_ORIGINAL) == f"{BASE}/api/price/{WITH_ORIGINAL}"
    templated = spec.model_copy(update={"url": "/v2/price?sku={id}", "link": None})
    assert api_url(templated, page(WITH_ORIGINAL), "L7") == f"{BASE}/v2/price?sku=L7"


def test_the_answer_is_merged_into_what_the_plain_page_showed():
    profile = load_profile("demo")
    spec = profile.listing.render.api
    plain = extract_listing(page(WITH_ORIGINAL), profile)
    assert (plain.price, plain.original_price) == (None, None)  # the script fills them in
    truth = CATALOG.listings[WITH_ORIGINAL]
    body = {"price": truth.price, "original_price": truth.original_price}
    item = merged(plain, answer(f"{BASE}/api/price/x", body=body), spec)
    assert (item.price, item.original_price) == (truth.price, truth.original_price)
    assert (item.title, item.page) == (plain.title, plain.page)
    assert item.page.rendered is False  # the page as served is the listing's evidence
    # null in the answer: the field keeps what the page showed.
    kept = merged(plain, answer("u", body={"price": 9.5, "original_price": None}), spec)
    assert (kept.price, kept.original_price) == (9.5, None)


@pytest.mark.parametrize(
    "bad",
    [
        answer("u", status=500, body={"price": 1}),
        answer("u", body=b"<html>busy</html>", kind="text/html"),
        answer("u", body=b"{not json"),
        answer("u", body={"cost": 1}),  # none of the fields: the endpoint changed
    ],
)
def test_an_answer_that_cannot_be_read_is_none(bad):
    profile = load_profile("demo")
    plain = extract_listing(page(WITH_ORIGINAL), profile)
    assert merged(plain, bad, profile.listing.render.api) is None


class Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def test_the_spider_reads_the_endpoint_instead_of_rendering():
    spider = GenericSpider(load_profile("demo"))
    spider.crawler = type("C", (), {"stats": Stats()})()
    (request,) = list(spider.parse_listing(page(WITH_ORIGINAL)))
    assert request.url == f"{BASE}/api/price/{WITH_ORIGINAL}"
    assert not request.meta.get("playwright") and request.priority == frontier.PENDING
    assert request.meta[API] == (f"{BASE}/item/{WITH_ORIGINAL}", "listing")

    truth = CATALOG.listings[WITH_ORIGINAL]
    reply = answer(request.url, body={"price": truth.price, "original_price": None})
    reply.request = request
    item, shop = list(spider.parse_api(reply))
    assert (item.external_id, item.price) == (WITH_ORIGINAL, truth.price)
    assert shop.url == f"{BASE}/shop/{truth.shop_id}" and shop.priority == frontier.SHOP


def test_a_failed_endpoint_sends_the_page_through_chromium():
    spider = GenericSpider(load_profile("demo"))
    spider.crawler = type("C", (), {"stats": Stats()})()
    (request,) = list(spider.parse_listing(page(WITH_ORIGINAL)))
    reply = answer(request.url, status=500, body={"error": "busy"})
    reply.request = request
    (render,) = list(spider.parse_api(reply))
    assert render.url == f"{BASE}/item/{WITH_ORIGINAL}" and render.meta["playwright"]
    assert render.callback == spider.parse_listing
    assert render.meta[PLAIN].external_id == WITH_ORIGINAL and API not in render.meta
    assert spider.crawler.stats.values == {"wangjian/api/failed": 1, "wangjian/rendered": 1}


def test_with_the_api_off_the_page_is_rendered():
    spider = GenericSpider(load_profile("demo"), render_api=False)
    spider.crawler = type("C", (), {"stats": Stats()})()
    (render,) = list(spider.parse_listing(page(WITH_ORIGINAL)))
    assert render.meta["playwright"] and render.url.endswith(f"/item/{WITH_ORIGINAL}")


def stats_of(data: Path, sweep_id: int) -> dict:
    with sqlite3.connect(data / "wangjian.db") as db:
        (stats,) = db.execute("SELECT stats FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
    return json.loads(stats)


def test_a_sweep_whose_endpoint_fails_renders_in_recycled_contexts(tmp_path):
    """The profile names an endpoint the demo does not have: every JS-priced listing falls
    back to Chromium and still gets its price; one render a context, old ones closed."""
    path = variant(tmp_path, api_spec(url="/api/nope/{id}", fields={"price": "price"}))
    data = tmp_path / "data"
    with DemoServer(CATALOG) as server:
        result = wangjian_json(
            "sweep",
            str(path),
            "--base-url",
            server.url,
            code=0,
            WANGJIAN_DATA_DIR=str(data),
            WANGJIAN_CAPTURE="false",
            WANGJIAN_RENDER_CONTEXT_PAGES="1",
        )
    assert (result["api_read"], result["rendered"]) == (0, len(JS_PRICED))
    assert result["rendered_per_s"] > 0
    stats = stats_of(data, result["sweep_id"])
    assert stats["wangjian/api/failed"] == len(JS_PRICED)
    contexts = len(JS_PRICED)  # one render a context
    assert contexts >= 2
    assert stats["wangjian/render/contexts"] == stats["playwright/context_count"] == contexts
    assert stats["wangjian/render/contexts_closed"] == contexts - 1  # the last at the end
    with sqlite3.connect(data / "wangjian.db") as db:
        rows = dict(db.execute("SELECT external_id, price FROM listings WHERE rendered"))
    assert {i: float(p) for i, p in rows.items()} == {
        i: CATALOG.listings[i].price for i in JS_PRICED
    }
