"""A sweep's health: field coverage counted as listings are stored, and a sweep that reads far
less than the platform's recent sweeps flagged 页面结构可能已变化 (exit code 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from store_factories import listing_item, shop_item
from wangjian_process import wangjian_json

from cli import Exit, main, sweep_exit
from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.health import FieldCoverage, Snapshot, assess, declared_fields, judge, present
from crawler.results import SweepResult
from crawler.scrapy_settings import build_scrapy_settings
from crawler.settings import Settings
from pipelines.score import Scored
from rules.record import Verdict
from spiders.profile import PROFILES_DIR, load_profile

CLEAN = Verdict(score=0, lead=False, categories=[])
FIELDS = {"title": 1.0, "price": 0.98, "original_price": 0.3, "shop_link": 1.0}


def snapshot(listings=300, basis="b", **shares) -> Snapshot:
    return Snapshot(listings, listings, {**FIELDS, **shares}, basis)


# ---------------------------------------------------------------- the comparison


def test_a_sweep_like_the_recent_ones_is_not_flagged():
    history = [snapshot(300), snapshot(290), snapshot(310)]
    assert judge(snapshot(280, price=0.9), history) == []
    assert judge(snapshot(280), []) == []  # nothing to compare with yet


def test_a_field_most_listings_had_and_few_have_now_is_flagged():
    history = [snapshot(300), snapshot(300, price=0.97), snapshot(300, price=0.99)]
    assert judge(snapshot(300, price=0.0), history) == [
        "字段「价格」覆盖率 0%，近 3 次巡查中位数 98%"
    ]
    assert judge(snapshot(300, shop_link=0.5), history) == [
        "字段「店铺链接」覆盖率 50%，近 3 次巡查中位数 100%"
    ]
    # A drop of at most 0.3, or of a field few listings had, is not a changed page.
    assert judge(snapshot(300, price=0.7), history) == []
    assert judge(snapshot(300, original_price=0.0), history) == []


def test_far_fewer_listings_than_usual_is_flagged_only_against_the_same_start():
    history = [snapshot(300), snapshot(290), snapshot(310)]
    assert judge(snapshot(12), history) == ["商品数 12，近 3 次巡查中位数 300"]
    assert judge(snapshot(160), history) == []  # above half the usual count
    # Other keywords or another site root: another count is expected.
    assert judge(snapshot(12, basis="other"), history) == []
    # An interrupted sweep has fewer listings because it stopped.
    assert judge(snapshot(12), history, finished=False) == []
    # Tiny sweeps (tests, a narrow keyword) are too small to judge a drop of.
    assert judge(snapshot(3), [snapshot(10), snapshot(12)]) == []


def test_too_little_to_compare_is_not_judged():
    one = [snapshot(300)]
    assert judge(snapshot(12, price=0.0), one) == []  # a single earlier sweep
    few = Snapshot(5, 5, {**FIELDS, "price": 0.0}, "another start")
    assert judge(few, [snapshot(300), snapshot(300)]) == []  # five listings say little
    # Sweeps from before coverage was counted have no shares to compare with.
    old = Snapshot(300, 0, {}, None)
    assert judge(snapshot(300, price=0.0), [old, old, old]) == []


def test_assess_reads_the_stored_stats_and_says_what_it_compared_with():
    def stats(listings, priced, basis="b"):
        return {
            "wangjian/items/listing": listings,
            "wangjian/coverage": listings,
            "wangjian/coverage/title": listings,
            "wangjian/coverage/price": priced,
            "health": {"basis": basis},
        }

    history = [(3, stats(40, 40)), (2, stats(40, 39)), (1, stats(10, 10, basis="x"))]
    current = {**stats(30, 0), "wangjian/resumed/listing": 10}
    found = assess(current, history, "b", finished=True)
    assert found == {
        "basis": "b",
        "listings": 40,  # those the interrupted run had stored count too
        "coverage_listings": 30,
        "coverage": {"title": 1.0, "price": 0.0},
        "compared_with": [3, 2, 1],
        "warnings": ["字段「价格」覆盖率 0%，近 3 次巡查中位数 100%"],
    }


def test_the_summary_says_why_the_structure_may_have_changed_and_where_the_log_is():
    result = SweepResult.of(
        {
            "finish_reason": "finished",
            "response_received_count": 20,
            "downloader/response_status_count/200": 20,
            "wangjian/items/listing": 12,
        },
        [],
        {"coverage": {"price": 0.0}, "warnings": ["商品数 12，近 5 次巡查中位数 300"]},
        "/data/logs/sweep-3-20261101-080000.log",
    )
    assert result.render().splitlines()[1:] == [
        "页面结构可能已变化（与本平台近期巡查相比）:",
        "  商品数 12，近 5 次巡查中位数 300",
        "日志: /data/logs/sweep-3-20261101-080000.log",
    ]
    assert sweep_exit(result) == Exit.STRUCTURE_CHANGED == 7
    # Worse endings come first; a few failed pages matter less than a changed structure.
    result.errors = 2
    assert sweep_exit(result) == Exit.STRUCTURE_CHANGED
    result.status = "interrupted"
    assert sweep_exit(result) == Exit.INTERRUPTED
    result.status = "blocked"
    assert sweep_exit(result) == Exit.BLOCKED
    result.status = "unreachable"
    assert sweep_exit(result) == Exit.UNREACHABLE


# ---------------------------------------------------------------- counting


def test_every_declared_field_is_counted_and_empty_ones_are_missing():
    fields = declared_fields(load_profile("demo"))
    assert {"title", "price", "shop_link"} <= set(fields)
    crawler = get_crawler(settings_dict={"WANGJIAN_PROFILE": load_profile("demo")})
    coverage = build_from_crawler(FieldCoverage, crawler)
    crawler.stats.open_spider()
    coverage.spider_opened(None)
    bare = listing_item("L2", price=None, description="  ", shop_url=None, incomplete="render")
    coverage.item_scraped(Scored(listing_item("L1"), CLEAN), None, None)
    coverage.item_scraped(Scored(bare, CLEAN), None, None)
    coverage.item_scraped(Scored(shop_item(), CLEAN), None, None)  # not a listing
    stats = crawler.stats.get_stats()
    assert stats["wangjian/coverage"] == 2  # an incomplete listing is a listing
    assert (stats["wangjian/coverage/title"], stats["wangjian/coverage/price"]) == (2, 1)
    assert (stats["wangjian/coverage/description"], stats["wangjian/coverage/shop_link"]) == (1, 1)
    assert present(listing_item(price=0.0), "price")  # free is a price
    assert not present(listing_item(), "no_such_field")  # a field items do not have yet


def test_field_coverage_is_a_sweep_extension_that_needs_a_profile():
    with pytest.raises(NotConfigured):
        FieldCoverage.from_crawler(get_crawler())
    sweep = build_scrapy_settings(Settings(), scan=False)
    scan = build_scrapy_settings(Settings(), scan=True)
    assert "crawler.health.FieldCoverage" in sweep["EXTENSIONS"]
    assert "crawler.health.FieldCoverage" not in scan.get("EXTENSIONS", {})


# ---------------------------------------------------------------- real sweeps

CATALOG = build_catalog(seed=7, size=30)


def variant(folder: Path, name: str, price: str | None = None) -> Path:
    """The demo profile without Chromium (quicker), its price selector replaced if given."""
    data = yaml.safe_load((PROFILES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    data["listing"].pop("render", None)
    if price is not None:
        data["listing"]["fields"]["price"] = price
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_broken_price_selector_is_flagged_and_a_normal_sweep_after_it_is_not(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'wangjian.db'}"
    normal = variant(tmp_path, "normal")
    broken = variant(tmp_path, "broken", price="span.no-such-price")
    with DemoServer(CATALOG) as site:

        def sweep(profile: Path, code: int) -> dict:
            args = ("sweep", profile, "--base-url", site.url, "--keyword", "象牙")
            return wangjian_json(*args, "--database-url", db_url, code=code)

        first, second = sweep(normal, 0), sweep(normal, 0)
        changed = sweep(broken, 7)
        after = sweep(normal, 0)
    shown = CliRunner().invoke(
        main, ["sweeps", "show", str(changed["sweep_id"]), "--database-url", db_url]
    )
    assert first["structure_warnings"] == second["structure_warnings"] == []
    usual = first["coverage"]["price"]
    assert 0.5 < usual < 1  # the JS-priced listings have no price without Chromium
    warning = f"字段「价格」覆盖率 0%，近 2 次巡查中位数 {usual:.0%}"
    assert changed["structure_warnings"] == [warning]
    assert (changed["status"], changed["listings"], changed["coverage"]["price"]) == (
        "finished",
        30,
        0.0,
    )
    assert after["structure_warnings"] == [] and after["coverage"] == first["coverage"]
    assert shown.exit_code == 0, shown.output
    assert f"页面结构可能已变化（与本平台近期巡查相比）:\n  {warning}\n" in shown.output
    assert "字段覆盖率（30 个商品）: 标题 100%，价格 0%，" in shown.output
