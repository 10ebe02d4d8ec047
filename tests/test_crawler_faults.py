"""A sweep against a marketplace that misbehaves: every fault survived or reported, none silent.

The fault matrix: each row is a fault on one page, what the sweep must do, and what may be
lost. Timeouts and waits are short through settings, so the whole sweep takes seconds.
"""

from __future__ import annotations

import pytest
from fault_server import NEVER, Fault, FaultServer
from sqlalchemy import func, select
from test_crawler_sweep import profile_variant
from wangjian_process import wangjian_json

from crawler.demo.catalog import build_catalog
from store.db import make_engine, session_scope
from store.models import Listing, Observation, Sweep

CATALOG = build_catalog(seed=7, size=60)
NOTHING = "不存在的词"  # a keyword search that finds nothing: the sweep is the browse chain
SETTINGS = {
    "WANGJIAN_DOWNLOAD_TIMEOUT": "1.5",
    "WANGJIAN_RETRY_TIMES": "4",
    "WANGJIAN_RETRY_BACKOFF": "0.1",
    "WANGJIAN_RETRY_MAX_WAIT": "3",
    "WANGJIAN_MAX_PAGE_MB": "1",
}
JS_PRICED = "L00043"  # its price comes from /api/price/L00043, which fails
# JS-priced too: the plain page is served, Chromium gets HTTP 500 and never sees a price.
RENDER_500 = "L00053"
MALFORMED, GBK = "L00012", "L00013"
# Its price is filled in by a script and an image on it never arrives: Chromium's load never
# ends, the plain page is kept.
NEVER_LOADS = "L00014"


def page_of(n: int) -> list[str]:
    return CATALOG.search("")[(n - 1) * 20 : n * 20]


# fault → (target, fault, what the sweep must do, lost?)
MATRIX = {
    "503 three times": ("/item/L00002", Fault("status", 3, 503), None),
    "429 Retry-After 1 s": ("/item/L00003", Fault("retry_after", 1, 1), None),
    "slow (0.5 s)": ("/item/L00004", Fault("slow", None, 0.5), None),
    "never answers": ("/item/L00005", Fault("hang"), "timeout"),
    "connection reset": ("/item/L00007", Fault("reset", 1), None),
    "truncated body": ("/item/L00008", Fault("truncate", 1), None),
    "redirect loop": ("/item/L00009", Fault("redirect_loop"), "redirect loop"),
    "3 MB page (limit 1 MB)": (
        "/item/L00010",
        Fault("huge", None, 3 * 1024 * 1024),
        "page larger than the size limit (WANGJIAN_MAX_PAGE_MB)",
    ),
    "binary as text/html": (
        "/item/L00011",
        Fault("binary"),
        "not a text page (binary served as HTML)",
    ),
    "search page 2 always 500": ("/search?q=&page=2", Fault("status", None, 500), "HTTP 500"),
    "price API always 500": (f"/api/price/{JS_PRICED}", Fault("status", None, 500), None),
    "500 to the browser only": (f"/item/{RENDER_500}", Fault("status", None, 500, after=1), None),
    "malformed HTML": (f"/item/{MALFORMED}", Fault("malformed"), None),
    "GBK without a charset": (f"/item/{GBK}", Fault("gbk"), None),
    "browser load never ends": (f"/item/{NEVER_LOADS}", Fault("never_loads"), None),
    "…its image never arrives": (NEVER, Fault("hang"), None),
}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    faults = {target: fault for target, fault, _ in MATRIX.values()}
    # The browser waits 3 s for a price that never comes, not the profile's 10 s (enough for
    # the prices that do come, on a loaded machine).
    path = profile_variant(tmp, lambda d: d["listing"]["render"].update(timeout_ms=3000))
    db_url = f"sqlite:///{tmp / 'faults.db'}"
    with FaultServer(CATALOG, faults) as server:
        result = wangjian_json(
            "sweep",
            str(path),
            "--base-url",
            server.url,
            "--database-url",
            db_url,
            "--keyword",
            NOTHING,
            code=4,  # finished, with failures
            # The browser's faults: JS-priced pages through Chromium, not their price API
            # (tests/test_crawler_api_fields.py reads the API, and falls back on its failure).
            WANGJIAN_RENDER_API="false",
            **SETTINGS,
        )
    return server, result, db_url


def stored(db_url: str) -> dict[str, Listing]:
    with session_scope(make_engine(db_url)) as s:
        return {row.external_id: row for row in s.scalars(select(Listing))}


def test_every_failure_is_reported_with_its_url_and_a_reason(swept):
    server, result, db_url = swept
    expected = {server.url + t: why for t, _, why in MATRIX.values() if why}
    expected[f"{server.url}/item/{JS_PRICED}"] = "render"
    # The error page never shows the price the render rule waits for.
    expected[f"{server.url}/item/{RENDER_500}"] = "timeout"
    expected[f"{server.url}/item/{NEVER_LOADS}"] = "timeout"
    found = {e["url"]: e for e in result["error_list"]}
    assert set(found) == set(expected)
    for url, why in expected.items():
        wanted = why if why != "render" else found[url]["message"]
        assert found[url]["message"] == wanted, url
    assert found[f"{server.url}/item/{JS_PRICED}"]["kind"] == "render"
    assert found[f"{server.url}/item/{RENDER_500}"]["kind"] == "render"
    assert found[f"{server.url}/item/{NEVER_LOADS}"]["kind"] == "render"
    assert result["status"] == "finished" and result["errors"] == len(expected)
    with session_scope(make_engine(db_url)) as s:
        sweep = s.scalars(select(Sweep)).one()
        assert (sweep.status, len(sweep.stats["failures"])) == ("finished", len(expected))


def test_what_deserves_a_retry_is_retried_and_nothing_else_is_lost(swept):
    server, _, db_url = swept
    listings = stored(db_url)
    lost = {t.removeprefix("/item/") for t, _, why in MATRIX.values() if why and "/item/" in t}
    # Reachable: the listings of result pages 1 and 3, and every listing an ad links to.
    reachable = set(page_of(1)) | set(page_of(3))
    for keyword, page in (("", 1), ("", 3), (NOTHING, 1)):
        banner, promoted = CATALOG.ads_on(keyword, page)
        reachable |= {ad.listing_id for ad in [*promoted, banner] if ad}
    assert set(listings) == reachable - lost
    # The pages after a failed result page are still reached.
    assert set(page_of(3)) <= set(listings)
    with session_scope(make_engine(db_url)) as s:
        counts = s.execute(
            select(Observation.listing_id, func.count()).group_by(Observation.listing_id)
        ).all()
    assert all(n == 1 for _, n in counts)  # each listing captured exactly once


def test_retry_after_is_honoured(swept):
    server, _, _ = swept
    first, second = server.requests_of("/item/L00003")[:2]
    assert second - first >= 1.0


@pytest.mark.parametrize("listing_id", [MALFORMED, GBK])
def test_malformed_and_undeclared_gbk_pages_are_read_in_full(swept, listing_id):
    _, _, db_url = swept
    listing, truth = stored(db_url)[listing_id], CATALOG.listings[listing_id]
    assert (listing.title, float(listing.price)) == (truth.title, truth.price)
    assert listing.incomplete == ""


@pytest.mark.parametrize("listing_id", [JS_PRICED, RENDER_500, NEVER_LOADS])
def test_a_listing_whose_browser_render_failed_is_kept_without_its_price(swept, listing_id):
    _, _, db_url = swept
    listing = stored(db_url)[listing_id]
    assert (listing.title, listing.price) == (CATALOG.listings[listing_id].title, None)
    assert listing.incomplete.startswith("浏览器渲染失败：")
    assert listing.rendered is False  # what is kept is the plain page
