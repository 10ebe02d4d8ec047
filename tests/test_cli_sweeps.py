"""`wangjian sweeps list/show` read the stored history; `wangjian profile check` tries a
profile on live pages."""

from __future__ import annotations

import json

from click.testing import CliRunner
from store_factories import new_sweep
from test_store_history import STATS
from wangjian_process import wangjian

from cli import main
from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from store.db import make_engine, session_scope, upgrade
from store.queries import finish_sweep


def test_sweeps_list_and_show(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as s:
        finish_sweep(s, new_sweep(s), "finished", STATS)
    runner = CliRunner()
    listed = runner.invoke(main, ["sweeps", "list", "--database-url", url])
    assert listed.exit_code == 0, listed.output
    assert "巡查" in listed.output and "已完成" in listed.output
    shown = runner.invoke(main, ["sweeps", "show", "1", "--database-url", url])
    assert shown.exit_code == 0, shown.output
    assert "错误 http://127.0.0.1/x: http HTTP 503" in shown.output
    as_json = json.loads(
        runner.invoke(main, ["sweeps", "show", "1", "--json", "--database-url", url]).output
    )
    assert (as_json["listings"], as_json["errors"], as_json["status"]) == (7, 2, "finished")
    missing = runner.invoke(main, ["sweeps", "show", "9", "--database-url", url])
    assert (missing.exit_code, missing.output.strip()) == (2, "Error: no sweep with id 9")


def test_profile_check_prints_every_selector_and_marks_what_is_missing():
    catalog = build_catalog(seed=7, size=40)
    listing = catalog.listings["L00001"]
    with DemoServer(catalog) as server:
        site = server.url
        done = wangjian("profile", "check", "demo", f"{site}/item/L00001", f"{site}/item/NOPE")
    assert done.returncode == 4, done.stderr[-2000:]  # the second page has no title
    first, second = done.stdout.split(f"{site}/item/NOPE")
    assert f"listing.fields.title           h1.title                 →  {listing.title}" in first
    assert "✗ 缺失" not in first
    assert (
        "错误: HTTP 404" in second
        and "listing.fields.title           h1.title                 →  ✗ 缺失" in second
    )
