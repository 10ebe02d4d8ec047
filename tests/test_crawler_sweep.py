"""Whole sweeps of a real demo marketplace on 127.0.0.1, each as ``wangjian sweep --json``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from wangjian_process import wangjian, wangjian_json

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from spiders.profile import PROFILES_DIR
from store.db import make_engine, session_scope
from store.models import Ad, Lead, Listing, Shop, Sweep

CATALOG = build_catalog(seed=7, size=60)


@pytest.fixture(scope="module")
def demo():
    with DemoServer(CATALOG) as server:
        yield server


def sweep(
    profile: str | Path, base_url: str, db_url: str, *args: str, code: int = 0, **env: str
) -> dict:
    """Run one sweep in a subprocess; its JSON result."""
    return wangjian_json(
        "sweep",
        str(profile),
        "--base-url",
        base_url,
        "--database-url",
        db_url,
        *args,
        code=code,
        **env,
    )


def profile_variant(tmp: Path, edit) -> Path:
    data = yaml.safe_load((PROFILES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp / "variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def rows(db_url: str, model) -> dict:
    with session_scope(make_engine(db_url)) as s:
        return {row.external_id: row for row in s.scalars(select(model))}


def count(db_url: str, model) -> int:
    with session_scope(make_engine(db_url)) as s:
        return s.scalar(select(func.count()).select_from(model))


@pytest.fixture(scope="module")
def full(demo, tmp_path_factory):
    """One sweep with the shipped packs' search terms plus the browse URLs."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('full') / 'wangjian.db'}"
    return db_url, sweep("demo", demo.url, db_url)


def test_every_listing_and_its_shop_is_reached(full):
    db_url, result = full
    listings = rows(db_url, Listing)
    assert set(listings) == set(CATALOG.listings)
    assert set(rows(db_url, Shop)) == {lst.shop_id for lst in CATALOG.listings.values()}
    assert (result["status"], result["errors"], result["error_list"]) == ("finished", 0, [])
    assert (result["listings"], result["shops"]) == (60, 11)
    for lid, listing in listings.items():
        truth = CATALOG.listings[lid]
        assert (listing.title, float(listing.price)) == (truth.title, truth.price), lid


def test_ads_are_stored_with_their_label(full):
    db_url, result = full
    ads = rows(db_url, Ad)
    assert ads and set(ads) <= set(CATALOG.ads)
    assert {i: a.labelled for i, a in ads.items()} == {i: CATALOG.ads[i].labelled for i in ads}
    assert result["ads"] == len(ads)


def test_js_priced_listings_get_their_price_from_the_api_without_chromium(full):
    db_url, result = full
    listings = rows(db_url, Listing)
    js = [lst for lst in CATALOG.listings.values() if lst.js_priced]
    assert js
    assert {lst.id: (float(listings[lst.id].price), listings[lst.id].rendered) for lst in js} == {
        lst.id: (lst.price, False) for lst in js
    }
    assert (result["rendered"], result["api_read"]) == (0, len(js))
    assert not any(row.rendered for row in listings.values())


def test_js_priced_listings_get_their_price_through_chromium(demo, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'wangjian.db'}"
    result = sweep("demo", demo.url, db_url, WANGJIAN_RENDER_API="false")
    listings = rows(db_url, Listing)
    js = [lst for lst in CATALOG.listings.values() if lst.js_priced]
    assert {lst.id: (float(listings[lst.id].price), listings[lst.id].rendered) for lst in js} == {
        lst.id: (lst.price, True) for lst in js
    }
    assert (result["rendered"], result["api_read"]) == (len(js), 0)
    assert result["rendered_per_s"] > 0
    assert not any(
        row.rendered for lid, row in listings.items() if not CATALOG.listings[lid].js_priced
    )


def test_gbk_listings_and_shops_decoded_in_the_scrapy_path(full):
    db_url, _ = full
    listings, shops = rows(db_url, Listing), rows(db_url, Shop)
    gbk = [lst for lst in CATALOG.listings.values() if lst.gbk]
    gbk_shops = [s for s in CATALOG.shops.values() if s.gbk and s.id in shops]
    assert gbk and gbk_shops
    assert {lst.id: (listings[lst.id].title, listings[lst.id].encoding) for lst in gbk} == {
        lst.id: (lst.title, "gb18030") for lst in gbk
    }
    assert {s.id: shops[s.id].name for s in gbk_shops} == {s.id: s.name for s in gbk_shops}


def test_rerun_does_not_duplicate_listings_or_leads(full, demo):
    db_url, first = full
    before = [count(db_url, m) for m in (Listing, Shop, Ad, Lead)]
    assert before[3] > 0
    again = sweep("demo", demo.url, db_url)
    assert again["status"] == "finished"
    assert [count(db_url, m) for m in (Listing, Shop, Ad, Lead)] == before
    assert again["sweep_id"] == first["sweep_id"] + 1
    with session_scope(make_engine(db_url)) as s:
        assert [sw.status for sw in s.scalars(select(Sweep).order_by(Sweep.id))] == [
            "finished",
            "finished",
        ]


def test_gbk_pages_through_chromium(demo, tmp_path):
    # Render every listing and shop page, and search only for the GBK listings' titles.
    def force_browser(data):
        data["search"]["browse"] = []
        data["listing"]["render"] = {"when": "h1.title", "wait_for": "h1.title"}
        data["shop"]["render"] = {"when": "h1.shop-name", "wait_for": "h1.shop-name"}

    gbk = [lst for lst in CATALOG.listings.values() if lst.gbk]
    gbk_shop = next(s for s in CATALOG.shops.values() if s.gbk and CATALOG.shop_listings(s.id))
    targets = [*gbk, CATALOG.shop_listings(gbk_shop.id)[0]]
    keywords = [arg for lst in targets for arg in ("--keyword", lst.title)]
    db_url = f"sqlite:///{tmp_path / 'chromium.db'}"
    result = sweep(profile_variant(tmp_path, force_browser), demo.url, db_url, *keywords)
    listings, shops = rows(db_url, Listing), rows(db_url, Shop)
    assert result["errors"] == 0
    assert {lst.id: (listings[lst.id].title, listings[lst.id].rendered) for lst in targets} == {
        lst.id: (lst.title, True) for lst in targets
    }
    assert shops[gbk_shop.id].name == gbk_shop.name


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_and_missing_pages_are_reported_and_the_sweep_finishes(demo, tmp_path):
    dead = f"http://127.0.0.1:{_closed_port()}/search?q="
    missing = f"{demo.url}/search/gone?q="  # the demo answers 404
    path = profile_variant(tmp_path, lambda d: d["search"].update(browse=[dead, missing]))
    listing = CATALOG.listings["L00001"]
    db_url = f"sqlite:///{tmp_path / 'dead.db'}"
    # Finished (it ran out of pages), but pages failed: exit code 4 tells a scheduler so.
    fast = {"WANGJIAN_RETRY_BACKOFF": "0.05"}
    result = sweep(path, demo.url, db_url, "--keyword", listing.title, code=4, **fast)
    assert (result["status"], result["errors"]) == ("finished", 2)
    assert sorted(result["error_list"], key=lambda e: e["kind"]) == [
        {"url": dead, "kind": "fetch", "message": "connection refused"},
        {"url": missing, "kind": "http", "message": "HTTP 404"},
    ]
    with session_scope(make_engine(db_url)) as s:
        stored = s.scalars(select(Sweep)).one()
        assert sorted(stored.stats["failures"], key=lambda e: e["kind"]) == sorted(
            result["error_list"], key=lambda e: e["kind"]
        )
    assert "L00001" in rows(db_url, Listing)


def test_a_sweep_that_reached_nothing_is_unreachable_not_finished(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'down.db'}"
    down = f"http://127.0.0.1:{_closed_port()}"
    fast = {"WANGJIAN_RETRY_BACKOFF": "0.05", "WANGJIAN_RETRY_TIMES": "1"}
    result = sweep("demo", down, db_url, "--keyword", "象牙", code=6, **fast)
    assert (result["status"], result["listings"], result["failed_share"]) == ("unreachable", 0, 1.0)
    assert {e["message"] for e in result["error_list"]} == {"connection refused"}
    with session_scope(make_engine(db_url)) as s:
        assert s.scalars(select(Sweep.status)).one() == "unreachable"


def test_sweep_stopped_early_is_stored_as_interrupted(demo, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'stopped.db'}"
    result = sweep("demo", demo.url, db_url, "--keyword", "", "--max-pages", "3", code=3)
    assert (result["status"], result["close_reason"]) == ("interrupted", "closespider_pagecount")
    with session_scope(make_engine(db_url)) as s:
        stored = s.scalars(select(Sweep)).one()
        assert (stored.status, stored.stats["close_reason"]) == (
            "interrupted",
            "closespider_pagecount",
        )
        assert stored.finished_at is not None
    # What was stored before the stop stays stored.
    assert count(db_url, Listing) == result["listings"]


def test_unusable_database_fails_before_crawling(demo, tmp_path):
    dead = f"postgresql://nobody@127.0.0.1:{_closed_port()}/none"
    done = wangjian("sweep", "demo", "--base-url", demo.url, "--database-url", dead, "--json")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("Error: cannot reach database postgresql://nobody@127.0.0.1:")
    assert len(done.stderr.strip().splitlines()) == 1
