"""`wangjian scan` as a person runs it: verdicts with the spans, errors per URL, exit codes."""

from __future__ import annotations

import json

import pytest
from wangjian_process import wangjian

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer

CATALOG = build_catalog(seed=7, size=60)


@pytest.fixture(scope="module")
def site():
    with DemoServer(CATALOG) as server:
        yield server.url


def first(category: str, kind: str = "listing") -> str:
    return next(
        i for (k, i), truth in sorted(CATALOG.truth.items()) if k == kind and category in truth
    )


def test_scan_prints_verdicts_and_spans_and_fails_on_a_dead_url(site):
    wild, shop = first("wildlife"), first("license_display", "shop")
    clean = next(i for (k, i), t in sorted(CATALOG.truth.items()) if k == "listing" and not t)
    done = wangjian(
        "scan",
        f"{site}/item/{wild}",
        f"{site}/shop/{shop}",
        f"{site}/item/{clean}",
        f"{site}/item/L99999",
        "--profile",
        "demo",
    )
    assert done.returncode == 4, done.stderr[-2000:]  # a page could not be read
    blocks = done.stdout.split(f"{site}/")[1:]
    assert blocks[0].startswith(f"item/{wild}") and "结论: 线索（野生动植物及其制品" in blocks[0]
    assert "命中 [wildlife." in blocks[0] and "【" in blocks[0]
    assert "亮照亮证" in blocks[1] and "结构检查" in blocks[1]
    assert "未达线索阈值" in blocks[2]
    assert "错误: HTTP 404" in blocks[3]


def test_scan_json_for_scripts(site):
    wild = first("wildlife")
    done = wangjian("scan", f"{site}/item/{wild}", "--profile", "demo", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["sweep"] is None  # nothing kept
    (result,) = report["results"]
    assert result["verdict"]["lead"] and "wildlife" in result["verdict"]["categories"]
    assert result["external_id"] == wild and len(result["sha256"]) == 64


def test_scan_refuses_a_url_that_is_not_http():
    done = wangjian("scan", "ftp://127.0.0.1/x")
    assert done.returncode == 2
    assert "not an http(s) URL: 'ftp://127.0.0.1/x'" in done.stderr
