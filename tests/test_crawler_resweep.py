"""Cheap re-sweeps: the demo marketplace answers conditional requests (ETag, 304), the sweep
keeps what it fetched in Scrapy's HTTP cache under the data directory (RFC 2616 policy), and a
second sweep of an unchanged marketplace downloads almost nothing while every listing still
counts as seen."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from wangjian_process import wangjian_json

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer

CATALOG = build_catalog(seed=7, size=40)
JS_PRICED = sorted(i for i, listing in CATALOG.listings.items() if listing.js_priced)


def sweep(server: DemoServer, data, **env) -> dict:
    server.served.reset()
    return wangjian_json(
        "sweep", "demo", "--base-url", server.url, code=0, WANGJIAN_DATA_DIR=str(data), **env
    )


def test_a_second_sweep_of_an_unchanged_marketplace_downloads_almost_nothing(tmp_path):
    with DemoServer(CATALOG) as server:
        first = sweep(server, tmp_path)
        first_bytes, first_statuses = server.served.body_bytes, dict(server.served.statuses)
        second = sweep(server, tmp_path)
        second_bytes, second_statuses = server.served.body_bytes, dict(server.served.statuses)
    assert first_statuses.get(304, 0) == 0 and first_bytes > 0
    # Every page asked again conditionally; the ones Chromium renders are fetched in full.
    assert second_statuses.get(304, 0) >= 0.8 * sum(first_statuses.values())
    assert second_bytes <= 0.2 * first_bytes, (second_bytes, first_bytes)
    # The same listings, shops and ads, each seen by the second sweep too.
    for key in ("listings", "shops", "ads"):
        assert second[key] == first[key] > 0, key
    with sqlite3.connect(tmp_path / "wangjian.db") as db:
        (stale,) = db.execute(
            "SELECT count(*) FROM listings WHERE last_sweep_id != ?", (second["sweep_id"],)
        ).fetchone()
    assert stale == 0


def test_the_cache_can_be_turned_off(tmp_path):
    with DemoServer(CATALOG) as server:
        sweep(server, tmp_path, WANGJIAN_HTTP_CACHE="false")
        sweep(server, tmp_path, WANGJIAN_HTTP_CACHE="false")
        assert server.served.statuses.get(304, 0) == 0
    assert not (tmp_path / "httpcache").exists()


def stats_of(data, sweep_id: int) -> dict:
    with sqlite3.connect(data / "wangjian.db") as db:
        (stats,) = db.execute("SELECT stats FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
    return json.loads(stats)


def stored_prices(data) -> dict[str, float]:
    with sqlite3.connect(data / "wangjian.db") as db:
        return {i: float(p) for i, p in db.execute("SELECT external_id, price FROM listings")}


#: Kept renders are of pages rendered in Chromium: not of their price API read without it.
CHROMIUM = {"WANGJIAN_RENDER_API": "false"}


def test_a_render_is_reused_while_the_page_and_what_it_fetched_are_unchanged(tmp_path):
    catalog = build_catalog(seed=7, size=40)  # changed below
    assert len(JS_PRICED) >= 2
    with DemoServer(catalog) as server:
        first = stats_of(tmp_path, sweep(server, tmp_path, **CHROMIUM)["sweep_id"])
        second = stats_of(tmp_path, sweep(server, tmp_path, **CHROMIUM)["sweep_id"])
        assert first["wangjian/rendered"] == len(JS_PRICED)
        assert "wangjian/render_reused" not in first
        # Page 304, price API 304: the kept DOM is read, Chromium is not asked.
        assert second.get("wangjian/rendered", 0) == 0
        assert second["wangjian/render_reused"] == len(JS_PRICED)
        assert stored_prices(tmp_path) == {i: x.price for i, x in catalog.listings.items()}

        # The price API of one listing changes; its plain page (an empty span) does not.
        moved = JS_PRICED[0]
        catalog.listings[moved] = dataclasses.replace(
            catalog.listings[moved], price=catalog.listings[moved].price + 7
        )
        third = stats_of(tmp_path, sweep(server, tmp_path, **CHROMIUM)["sweep_id"])
    assert third["wangjian/rendered"] == 1
    assert third["wangjian/render_reused"] == len(JS_PRICED) - 1
    assert stored_prices(tmp_path)[moved] == catalog.listings[moved].price
    with sqlite3.connect(tmp_path / "wangjian.db") as db:
        rendered = {i for (i,) in db.execute("SELECT external_id FROM listings WHERE rendered")}
    assert rendered == set(JS_PRICED)


def test_torn_or_garbled_cache_files_are_fetched_in_full(tmp_path):
    with DemoServer(CATALOG) as server:
        first = sweep(server, tmp_path, **CHROMIUM)
        files = [p for p in (tmp_path / "httpcache").rglob("*") if p.is_file()]
        assert len(files) > len(JS_PRICED)  # the pages' database, and a file per kept render
        for i, path in enumerate(files):  # the cache and every kept render spoilt
            path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2] if i % 2 else b"x")
        second = sweep(server, tmp_path, **CHROMIUM)
        statuses = dict(server.served.statuses)
    assert statuses.get(304, 0) == 0, statuses
    for key in ("listings", "shops", "ads", "leads"):
        assert second[key] == first[key], key
    assert stats_of(tmp_path, second["sweep_id"])["wangjian/rendered"] == len(JS_PRICED)


def test_a_garbled_cache_database_is_set_aside_and_begun_again(tmp_path):
    with DemoServer(CATALOG) as server:
        sweep(server, tmp_path)
        (db,) = (tmp_path / "httpcache").rglob("*.sqlite3")
        db.write_bytes(b"not a database" * 100)
        sweep(server, tmp_path)
        assert server.served.statuses.get(304, 0) == 0  # nothing could be read: all in full
        sweep(server, tmp_path)
        assert server.served.statuses.get(304, 0) > 0  # the new cache serves the next sweep
    assert db.with_name(db.name + ".damaged").exists()


def test_a_damaged_cache_entry_is_fetched_in_full_and_the_rest_revalidated(tmp_path):
    with DemoServer(CATALOG) as server:
        first = sweep(server, tmp_path)
        (path,) = (tmp_path / "httpcache").rglob("*.sqlite3")
        with sqlite3.connect(path) as db:
            (pages,) = db.execute("SELECT count(*) FROM pages").fetchone()
            keys = [(k,) for (k,) in db.execute("SELECT key FROM pages ORDER BY key LIMIT 3")]
            db.executemany("UPDATE pages SET entry = substr(entry, 1, 20) WHERE key = ?", keys)
        db.close()
        second = sweep(server, tmp_path)
        statuses = dict(server.served.statuses)
    assert statuses[200] >= 3 and statuses.get(304, 0) >= pages - 3 - len(JS_PRICED), statuses
    for key in ("listings", "shops", "ads", "leads"):
        assert second[key] == first[key], key
