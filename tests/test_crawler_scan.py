"""``wangjian scan`` against a real demo marketplace on 127.0.0.1, as ``wangjian scan --json``.

Target pages are picked from the catalogue's ground truth, not hard-coded.
"""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select
from wangjian_process import wangjian, wangjian_json

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.run import run_scan
from crawler.scrapy_settings import ITEM_PIPELINES, SCAN_PIPELINES, build_scrapy_settings
from crawler.settings import Settings
from store.db import make_engine, session_scope
from store.leads import list_leads
from store.models import Listing, Sweep

CATALOG = build_catalog(seed=7, size=60)
LISTINGS = list(CATALOG.listings.values())

# Violations the words of a page show, whatever reads it (no category gate, no prices).
VIOLATING = next(
    x
    for x in LISTINGS
    if x.kind == "violating" and not (x.evasive or x.js_priced or x.gbk)
    if x.packs == {"prohibited_goods"}
)
CLEAN = next(x for x in LISTINGS if x.kind == "clean" and not (x.js_priced or x.original_price))
JS_PRICED = next(x for x in LISTINGS if x.js_priced)
NO_LICENCE = next(s for s in CATALOG.shops.values() if s.licence == "missing")


def scan(*args: str, code: int = 0, **env: str) -> list[dict]:
    """Run one scan in a subprocess; its JSON results."""
    report = wangjian_json("scan", *args, code=code, **env)
    return report["results"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def categories(result: dict) -> list[str]:
    return result["verdict"]["categories"]


def check_hits_point_at_the_text(result: dict) -> None:
    """Every text hit names the span of the scored field that it matched."""
    for hit in result["verdict"]["hits"]:
        if hit["field"] != "record":
            text = result["record"][hit["field"]]
            assert text[hit["start"] : hit["end"]] == hit["matched"], hit


@pytest.fixture(scope="module")
def demo():
    with DemoServer(CATALOG) as server:
        yield server


@pytest.fixture(scope="module")
def with_profile(demo):
    urls = [
        f"{demo.url}/item/{VIOLATING.id}",
        f"{demo.url}/item/{CLEAN.id}",
        f"{demo.url}/shop/{NO_LICENCE.id}",
        f"{demo.url}/item/{JS_PRICED.id}",
        f"{demo.url}/item/NO-SUCH-ITEM",
        f"http://127.0.0.1:{closed_port()}/item/{CLEAN.id}",
        f"{demo.url}/search?q=",
    ]
    return urls, scan(*urls, "--profile", "demo", code=4)


def test_results_follow_the_urls_with_a_search_pages_ads_after_it(with_profile):
    urls, results = with_profile
    banner, promoted = CATALOG.ads_on("", 1)
    ads = [ad.id for ad in promoted] + [banner.id]  # the profile's slots: promoted, then banner
    assert [(r["url"], r["kind"], r["external_id"]) for r in results] == [
        (urls[0], "listing", VIOLATING.id),
        (urls[1], "listing", CLEAN.id),
        (urls[2], "shop", NO_LICENCE.id),
        (urls[3], "listing", JS_PRICED.id),
        (urls[4], "listing", None),
        (urls[5], "listing", None),
        (urls[6], "search", None),
        *[(urls[6], "ad", ad) for ad in ads],
    ]


def test_violating_listing_is_a_lead_with_its_category_and_hit(with_profile):
    urls, results = with_profile
    result = results[0]
    assert (result["status"], result["error"], result["title"]) == (200, None, VIOLATING.title)
    assert (result["verdict"]["lead"], categories(result)) == (True, ["prohibited_goods"])
    hits = result["verdict"]["hits"]
    assert hits and {h["pack_id"] for h in hits} == {"prohibited_goods"}
    check_hits_point_at_the_text(result)
    assert result["final_url"] == urls[0] and len(result["sha256"]) == 64


def test_clean_listing_is_not_a_lead(with_profile):
    _, results = with_profile
    result = results[1]
    assert (result["error"], result["verdict"]["lead"], categories(result)) == (None, False, [])
    assert (result["record"]["title"], result["record"]["price"]) == (CLEAN.title, CLEAN.price)


def test_shop_without_licence_is_a_license_display_lead(with_profile):
    _, results = with_profile
    result = results[2]
    assert (result["title"], result["record"]["licence_present"]) == (NO_LICENCE.name, False)
    assert categories(result) == sorted(CATALOG.truth[("shop", NO_LICENCE.id)])
    assert "license_display" in categories(result)


def test_js_priced_listing_gets_its_price_from_the_api_its_script_reads(with_profile):
    _, results = with_profile
    result = results[3]
    # The profile names the price endpoint (render.api): read without Chromium.
    assert (result["rendered"], result["record"]["price"]) == (False, JS_PRICED.price)
    assert result["record"]["original_price"] == JS_PRICED.original_price
    assert categories(result) == sorted(JS_PRICED.packs)
    assert not any(r["rendered"] for r in results)


def test_missing_page_and_closed_port_are_errors_of_their_own_url(with_profile):
    _, results = with_profile
    missing, refused = results[4], results[5]
    assert (missing["status"], missing["error"], missing["verdict"]) == (404, "HTTP 404", None)
    assert len(missing["sha256"]) == 64
    assert (refused["status"], refused["error"], refused["verdict"]) == (
        None,
        "connection refused",
        None,
    )
    assert (refused["final_url"], refused["sha256"]) == (None, None)


def test_ads_of_a_search_page_are_scored_as_ads(with_profile):
    _, results = with_profile
    search, ads = results[6], results[7:]
    assert (search["status"], search["error"], search["verdict"]) == (200, None, None)
    for ad in ads:
        truth = CATALOG.ads[ad["external_id"]]
        assert (ad["title"], ad["record"]["kind"], ad["record"]["ad_labelled"]) == (
            truth.text,
            "ad",
            truth.labelled,
        )
        assert categories(ad) == sorted(CATALOG.truth[("ad", truth.id)]), ad["external_id"]
        assert ad["sha256"] == search["sha256"]


def test_without_profile_the_generic_reading_still_finds_the_violation(demo):
    urls = [
        f"{demo.url}/item/{VIOLATING.id}",
        f"{demo.url}/item/{CLEAN.id}",
        f"{demo.url}/api/price/{CLEAN.id}",
        "http://nonexistent.invalid/item/1",
    ]
    results = scan(*urls, code=4)
    assert [(r["url"], r["kind"], r["error"]) for r in results] == [
        (urls[0], "page", None),
        (urls[1], "page", None),
        (urls[2], "page", "not HTML"),
        (urls[3], "page", "DNS lookup failed"),
    ]
    violating, clean = results[0], results[1]
    assert (violating["title"], categories(violating)) == (VIOLATING.title, ["prohibited_goods"])
    assert VIOLATING.description in violating["record"]["description"]
    check_hits_point_at_the_text(violating)
    assert (clean["title"], clean["verdict"]["lead"]) == (CLEAN.title, False)


def test_a_url_given_twice_is_answered_twice(demo):
    url = f"{demo.url}/item/{VIOLATING.id}"
    results = scan(url, url, "--profile", "demo")
    assert [(r["url"], r["external_id"], r["error"]) for r in results] == [
        (url, VIOLATING.id, None),
        (url, VIOLATING.id, None),
    ]
    assert categories(results[0]) == categories(results[1]) == ["prohibited_goods"]


def test_render_flag_sends_every_page_through_chromium(demo):
    urls = [f"{demo.url}/item/{VIOLATING.id}", f"{demo.url}/item/{JS_PRICED.id}"]
    results = scan(*urls, "--profile", "demo", "--render")
    assert [(r["rendered"], r["record"]["price"]) for r in results] == [
        (True, VIOLATING.price),
        (True, JS_PRICED.price),
    ]
    assert categories(results[0]) == ["prohibited_goods"]


def test_non_http_urls_are_refused_before_anything_starts(demo):
    done = wangjian("scan", f"{demo.url}/item/{CLEAN.id}", "ftp://x", "--json")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "Error: not an http(s) URL: 'ftp://x'\n"
    with pytest.raises(ValueError, match="^not an http\\(s\\) URL: 'notaurl'$"):
        run_scan(["notaurl"], Settings())


def test_scan_settings_store_nothing_and_do_not_retry_dead_hosts():
    built = build_scrapy_settings(Settings(), scan=True, store=False)
    assert (built["DOWNLOAD_TIMEOUT"], built["RETRY_TIMES"]) == (15, 1)
    # The sweep's stages without the storing ones: validate, then score.
    assert built["ITEM_PIPELINES"] == SCAN_PIPELINES
    assert list(SCAN_PIPELINES) == [
        "pipelines.validate.ValidatePipeline",
        "pipelines.score.ScorePipeline",
    ]
    assert "WANGJIAN_DATABASE_URL" not in built
    assert "scrapy.exceptions.DownloadTimeoutError" not in built["RETRY_EXCEPTIONS"]
    assert "twisted.internet.error.ConnectionLost" in built["RETRY_EXCEPTIONS"]
    assert build_scrapy_settings(Settings())["ITEM_PIPELINES"] == ITEM_PIPELINES


def test_a_scan_stores_nothing_unless_kept(demo, tmp_path):
    urls = [f"{demo.url}/item/{VIOLATING.id}", f"{demo.url}/item/{CLEAN.id}"]
    scan(*urls, "--profile", "demo", WANGJIAN_DATA_DIR=str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()

    db_url = f"sqlite:///{tmp_path / 'kept.db'}"
    report = wangjian_json("scan", *urls, "--profile", "demo", "--keep", "--database-url", db_url)
    sweep = report["sweep"]
    assert (sweep["status"], sweep["listings"], sweep["errors"]) == ("finished", 2, 0)
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        row = s.scalars(select(Sweep)).one()
        assert (row.id, row.kind, row.status) == (sweep["sweep_id"], "scan", "finished")
        assert sorted(s.scalars(select(Listing.external_id))) == sorted([VIOLATING.id, CLEAN.id])
        leads = list_leads(s)
    # The scan's verdicts are the leads on file: the violating listing only.
    assert [(r.kind, r.external_id, r.category) for r in leads] == [
        ("listing", VIOLATING.id, "prohibited_goods")
    ]
    assert report["results"][0]["verdict"]["categories"] == ["prohibited_goods"]
    engine.dispose()


def test_a_kept_page_without_profile_is_filed_under_the_web_platform(demo, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'web.db'}"
    url = f"{demo.url}/item/{VIOLATING.id}"
    report = wangjian_json("scan", url, "--keep", "--database-url", db_url)
    assert report["results"][0]["kind"] == "page"
    with session_scope(make_engine(db_url)) as s:
        (row,) = list_leads(s)
    assert (row.platform, row.external_id, row.url, row.title) == ("web", url, url, VIOLATING.title)
    assert row.category == "prohibited_goods"
