"""Cheap re-sweeps: the demo marketplace answers conditional requests (ETag, 304), the sweep
keeps what it fetched in Scrapy's HTTP cache under the data directory (RFC 2616 policy), and a
second sweep of an unchanged marketplace downloads almost nothing while every listing still
counts as seen."""

from __future__ import annotations

import sqlite3

from wangjian_process import wangjian_json

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer

CATALOG = build_catalog(seed=7, size=40)


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
