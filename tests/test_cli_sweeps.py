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


def test_sweeps_show_gives_pages_by_status_retries_coverage_and_warnings(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    engine = make_engine(url)
    upgrade(engine)
    warning = "字段「价格」覆盖率 0%，近 5 次巡查中位数 98%"
    stats = {
        **STATS,
        "downloader/response_status_count/200": 10,
        "downloader/response_status_count/503": 2,
        "retry/count": 3,
        "wangjian/coverage": 7,
        "wangjian/coverage/title": 7,
        "wangjian/coverage/price": 0,
        "wangjian/coverage/shop_link": 6,
        "health": {"warnings": [warning]},
        "log_files": ["/data/logs/sweep-1-20261101-080000.log"],
    }
    with session_scope(engine) as s:
        finish_sweep(s, new_sweep(s), "finished", stats)
    shown = CliRunner().invoke(main, ["sweeps", "show", "1", "--database-url", url])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[3:11] == [
        "页面状态: 200 ×10，503 ×2",
        "线索: 虚假宣传与违规促销 1，野生动植物及其制品 2",
        "失败: 未能获取（fetch）1，HTTP 错误（http）1",
        "重试 3，被拦截 0",
        "字段覆盖率（7 个商品）: 标题 100%，价格 0%，店铺链接 86%",
        "页面结构可能已变化（与本平台近期巡查相比）:",
        f"  {warning}",
        "日志: /data/logs/sweep-1-20261101-080000.log",
    ]
    as_json = json.loads(
        CliRunner().invoke(main, ["sweeps", "show", "1", "--json", "--database-url", url]).output
    )
    assert as_json["pages_by_status"] == {"200": 10, "503": 2}
    assert (as_json["retries"], as_json["blocked"], as_json["structure_warnings"]) == (
        3,
        0,
        [warning],
    )
    assert as_json["coverage"] == {"title": 1.0, "price": 0.0, "shop_link": 0.8571}


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
