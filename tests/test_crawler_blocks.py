"""Blocks and login walls: never read as "no listings"; the sweep slows down, asks again,
and stops as blocked when the platform keeps refusing. A signed-in session (a Playwright
storage state) and a proxy are per-platform settings, never in a profile.
"""

from __future__ import annotations

import json

import pytest
import yaml
from bazaar_site import bazaar_site, catalogue
from sites import Answer
from test_crawler_profiles import BAZAAR, rows
from wangjian_process import wangjian

from cli import sweep_exit
from crawler.results import SweepResult

CAPTCHA = (
    "<html><head><title>安全验证</title></head><body><h1>访问过于频繁</h1>"
    "<p>请输入验证码后继续访问</p></body></html>"
).encode()
LOGIN = "<html><head><title>登录</title></head><body><p>请登录后查看商品详情</p></body></html>"


def profile(tmp_path, **blocked) -> str:
    data = yaml.safe_load(BAZAAR.read_text(encoding="utf-8"))
    data["blocked"] = {"backoff_s": 0.1, "give_up_after": 3, **blocked}
    path = tmp_path / "bazaar.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def sweep(tmp_path, site, path: str, **env: str):
    done = wangjian(
        "sweep",
        path,
        "--base-url",
        site.url,
        "--keyword",
        "好物",
        "--json",
        WANGJIAN_DATA_DIR=str(tmp_path),
        **env,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout else done.stderr


def blocking(route, times: int | None):
    """``route``, answering the captcha page to its first ``times`` requests (None: all)."""
    count = {"n": 0}

    def answer(query, headers) -> Answer:
        count["n"] += 1
        if times is None or count["n"] <= times:
            return Answer(body=CAPTCHA)  # 200, as block pages are served
        return route(query, headers)

    return answer


def test_a_platform_that_keeps_blocking_stops_the_sweep_as_blocked(tmp_path):
    site = bazaar_site(catalogue())
    site.routes["/api/goods"] = blocking(site.routes["/api/goods"], None)
    with site:
        code, result = sweep(tmp_path, site, profile(tmp_path))
        asked = [s.path for s in site.seen]
    assert code == 8, result
    assert result["status"] == "blocked"
    assert result["listings"] == 0
    assert asked.count("/api/goods") == 3  # asked again after each block, then gave up
    assert [e["kind"] for e in result["error_list"]] == ["blocked"]
    assert result["error_list"][0]["message"] == "blocked: the page shows '验证码'"
    (row,) = rows(tmp_path / "wangjian.db", "SELECT status FROM sweeps")
    assert row["status"] == "blocked"


def test_a_block_that_passes_is_waited_out_and_nothing_is_lost(tmp_path):
    goods = catalogue()
    site = bazaar_site(goods)
    site.routes["/api/goods"] = blocking(site.routes["/api/goods"], 2)
    with site:
        code, result = sweep(tmp_path, site, profile(tmp_path, give_up_after=4))
    assert code == 0, result
    assert (result["status"], result["listings"], result["errors"]) == ("finished", len(goods), 0)
    stats = json.loads(rows(tmp_path / "wangjian.db", "SELECT stats FROM sweeps")[0]["stats"])
    assert stats["wangjian/blocked"] == 2
    assert stats["wangjian/delay_s"] == pytest.approx(0.2)  # slowed down twice


def login_wall(site, cookie: str):
    """Listing pages answer only a signed-in visitor; others are sent to /login."""
    for path, route in list(site.routes.items()):
        if path.startswith("/goods/"):

            def guarded(query, headers, route=route, path=path) -> Answer:
                if f"sess={cookie}" in headers.get("cookie", ""):
                    return route(query, headers)
                return Answer(302, b"", headers={"Location": f"/login?next={path}"})

            site.routes[path] = guarded
    site.routes["/login"] = lambda q, h: Answer(body=LOGIN.encode())


def test_a_login_wall_is_a_block_and_a_storage_state_gets_past_it(tmp_path):
    goods = catalogue()
    site = bazaar_site(goods)
    login_wall(site, "s3cret")
    path = profile(tmp_path, url=["^[^?]*/login"], give_up_after=3)
    state = tmp_path / "bazaar-state.json"
    cookie = {"name": "sess", "value": "s3cret", "domain": "127.0.0.1", "path": "/"}
    state.write_text(json.dumps({"cookies": [cookie], "origins": []}), encoding="utf-8")
    with site:
        code, walled = sweep(tmp_path / "without", site, path)
        signed_in = {"bazaar": {"storage_state": str(state)}}
        code_in, result = sweep(
            tmp_path / "with", site, path, WANGJIAN_PLATFORMS=json.dumps(signed_in)
        )
    assert code == 8 and walled["status"] == "blocked", walled
    assert walled["error_list"][0]["message"].startswith("blocked: redirected to ")
    assert code_in == 0, result
    assert (result["status"], result["listings"], result["errors"]) == ("finished", len(goods), 0)


def test_a_platform_is_reached_through_its_proxy(tmp_path):
    goods = catalogue()
    with bazaar_site(goods) as site:
        proxied = {"bazaar": {"proxy": site.url}}  # the site answers as the proxy would
        done = wangjian(
            "sweep",
            profile(tmp_path),
            "--base-url",
            "http://bazaar.invalid",
            "--keyword",
            "好物",
            "--json",
            WANGJIAN_DATA_DIR=str(tmp_path),
            WANGJIAN_PLATFORMS=json.dumps(proxied),
        )
        targets = [s.target for s in site.seen]
    result = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr[-2000:]
    assert result["listings"] == len(goods)
    assert targets and all(t.startswith("http://bazaar.invalid/") for t in targets)


def test_a_storage_state_that_is_not_one_is_a_one_line_error(tmp_path):
    state = tmp_path / "state.json"
    state.write_text("[1, 2", encoding="utf-8")
    with bazaar_site(catalogue()) as site:
        done = wangjian(
            "sweep",
            profile(tmp_path),
            "--base-url",
            site.url,
            WANGJIAN_DATA_DIR=str(tmp_path),
            WANGJIAN_PLATFORMS=json.dumps({"bazaar": {"storage_state": str(state)}}),
        )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"Error: WANGJIAN_PLATFORMS bazaar.storage_state: {state} is not a Playwright "
        "storage state: Expecting ',' delimiter: line 1 column 6 (char 5)"
    ]


def test_a_blocked_sweep_says_so_in_its_summary_and_exit_code():
    stats = {"finish_reason": "blocked", "wangjian/blocked": 3, "response_received_count": 3}
    result = SweepResult.of(stats, [])
    assert result.status == "blocked"
    summary = result.render()
    assert summary.startswith("扫描中止：平台持续拦截（验证码或登录墙，3 次），已停止: 页面 3")
    assert sweep_exit(result) == 8
