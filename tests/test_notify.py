"""Notifications (issue 10.6): when a sweep has ended, its Chinese digest — how it ended, the
counts, the new leads at or above a severity by category and region, the top ones — goes
through apprise to every WANGJIAN_NOTIFY_URLS entry, here a JSON webhook receiver on
127.0.0.1. A URL that fails is one stderr line and leaves the sweep's exit code alone; a URL
apprise cannot use is a settings error before anything starts."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from store_factories import hit, listing_item, new_sweep, verdict
from wangjian_process import wangjian

from cli import main
from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.notify import masked, notify
from crawler.settings import Settings, SettingsError
from store.db import make_engine, session_scope, upgrade
from store.models import Sweep
from store.notify_digest import digest
from store.queries import finish_sweep, store_scored

CATALOG = build_catalog(seed=7, size=40)


class Receiver:
    """A webhook on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        messages = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                messages.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notified(data, sweep_id: int) -> dict:
    with sqlite3.connect(data / "wangjian.db") as db:
        (stats,) = db.execute("SELECT stats FROM sweeps WHERE id = ?", (sweep_id,)).fetchone()
    return json.loads(stats)["notified"]


def sweep(data, urls: str):
    with DemoServer(CATALOG) as server:
        done = wangjian(
            "sweep",
            "demo",
            "--base-url",
            server.url,
            "--json",
            WANGJIAN_DATA_DIR=str(data),
            WANGJIAN_NOTIFY_URLS=urls,
        )
    return done, json.loads(done.stdout)


# -- a real sweep -----------------------------------------------------------------------------


def test_a_sweep_sends_one_digest_of_its_leads(tmp_path):
    with Receiver() as receiver:
        done, result = sweep(tmp_path, receiver.url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "通知发送失败" not in done.stderr
    [message] = receiver.messages
    sweep_id = result["sweep_id"]
    assert message["title"].startswith(f"【网监】演示商城（demo） 巡查 {sweep_id} 完成：")
    body = message["message"]
    assert body.splitlines()[0] == f"巡查 {sweep_id}（演示商城（demo））已完成。"
    assert "商品 40" in body and "这是该平台的第一次巡查" in body
    assert "wangjian leads show" in body and f"wangjian leads list --sweep {sweep_id}" in body
    # The digest is a function of what the database holds: the same text read back.
    engine = make_engine(f"sqlite:///{tmp_path / 'wangjian.db'}", create=False)
    with session_scope(engine, read_only=True) as s:
        again = digest(s, sweep_id, "high")
    engine.dispose()
    assert (message["title"], body.strip()) == (again.title, again.body.strip())
    assert again.leads > 0 and message["type"] == "warning"
    assert notified(tmp_path, sweep_id) == {"sent": 1, "failed": 0}


def test_a_receiver_that_is_down_leaves_the_exit_code_alone(tmp_path):
    url = f"json://user:hunter2@127.0.0.1:{closed_port()}/hook"
    done, result = sweep(tmp_path, url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert result["status"] == "finished"
    failures = [line for line in done.stderr.splitlines() if line.startswith("通知发送失败")]
    assert failures == [f"通知发送失败：{masked(url)}（连接被拒绝）"]
    assert "hunter2" not in done.stderr
    assert notified(tmp_path, result["sweep_id"]) == {"sent": 0, "failed": 1}


# -- settings ---------------------------------------------------------------------------------


def test_a_url_apprise_cannot_use_stops_the_sweep_before_it_starts(tmp_path):
    result = CliRunner().invoke(
        main,
        ["sweep", "demo", "--base-url", f"http://127.0.0.1:{closed_port()}"],
        env={
            "WANGJIAN_DATA_DIR": str(tmp_path),
            "WANGJIAN_NOTIFY_URLS": "json://127.0.0.1:9/ok, nosuch://admin:secret@host/x",
        },
    )
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith("Error: settings: WANGJIAN_NOTIFY_URLS: not a notification URL")
    assert "nosuch://admin:***@host/x" in line and "secret" not in line
    assert not (tmp_path / "wangjian.db").exists()


@pytest.mark.parametrize(
    "value",
    [
        "json://127.0.0.1:9/a,json://127.0.0.1:9/b",
        " json://127.0.0.1:9/a\n json://127.0.0.1:9/b ",
        '["json://127.0.0.1:9/a", "json://127.0.0.1:9/b"]',
    ],
)
def test_urls_are_separated_by_commas_or_spaces_or_a_json_list(monkeypatch, value):
    monkeypatch.setenv("WANGJIAN_NOTIFY_URLS", value)
    settings = Settings.load()
    assert settings.notify_urls == ["json://127.0.0.1:9/a", "json://127.0.0.1:9/b"]
    assert settings.notify_min_severity == "high"


def test_defaults_send_nothing_and_a_bad_severity_is_named(monkeypatch):
    assert Settings.load().notify_urls == []
    monkeypatch.setenv("WANGJIAN_NOTIFY_MIN_SEVERITY", "huge")
    with pytest.raises(SettingsError, match="^WANGJIAN_NOTIFY_MIN_SEVERITY: input should be"):
        Settings.load()


def test_passwords_are_masked():
    assert masked("mailto://me:pw@example.com?to=a@b.c") == "mailto://me:***@example.com?to=a@b.c"
    assert masked("json://host/x?pass=pw&x=1") == "json://host/x?pass=***&x=1"


# -- the digest, from a database --------------------------------------------------------------


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wangjian.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def severe(severity: str, pack: str = "wildlife"):
    return hit(pack=pack).model_copy(update={"severity": severity})


def swept(engine, found, status="finished", stats=None) -> int:
    """A sweep that stored ``found`` (external id, title, hits) and ended with ``status``."""
    with session_scope(engine) as s:
        sweep = new_sweep(s)
        at = sweep.started_at  # filed by this sweep: first seen when it started, or after
        for external_id, title, hits in found:
            item = listing_item(external_id=external_id, title=title, at=at)
            store_scored(s, sweep, item, verdict(*hits))
        counts = {"close_reason": "finished", "response_received_count": 3, **(stats or {})}
        finish_sweep(s, sweep, status, counts)
        return sweep.id


def read(engine, sweep_id: int, min_severity: str = "high"):
    with session_scope(engine, read_only=True) as s:
        return digest(s, sweep_id, min_severity)


@pytest.mark.parametrize(
    ("status", "stats", "said"),
    [
        ("unreachable", {"response_received_count": 0}, "失败：没有一个页面得到响应"),
        ("blocked", {"wangjian/blocked": 4}, "中止：平台持续拦截（验证码或登录墙，4 次）"),
        ("interrupted", {"close_reason": "closespider_pagecount"}, "中断（closespider_pagecount）"),
    ],
)
def test_a_sweep_that_failed_says_so_first(engine, status, stats, said):
    found = read(engine, swept(engine, [], status, stats))
    assert not found.ok
    first = found.body.splitlines()[0]
    assert first.startswith("巡查 1（演示商城（demo））" + said), first
    assert said.split("：")[0].split("（")[0] in found.title


def test_a_sweep_without_leads(engine):
    found = read(engine, swept(engine, [("L1", "普通茶杯", [])]))
    assert found.ok and found.leads == 0
    assert "本次命中线索 0 条，其中新线索 0 条" in found.body
    assert "没有“高”及以上的新线索。" in found.body
    assert "新线索 0 条，“高”及以上 0 条" in found.title


def test_only_new_leads_at_or_above_the_severity_are_listed(engine):
    first = swept(engine, [("L1", "象牙手镯", [severe("critical")])])
    second = swept(
        engine,
        [
            ("L1", "象牙手镯", [severe("critical")]),  # a lead already filed: not new
            ("L2", "穿山甲片", [severe("high")]),
            ("L3", "国家级特效", [severe("medium", "fake_promotion")]),
            ("L4", "低价促销", [severe("low", "fake_promotion")]),
        ],
    )
    assert "这是该平台的第一次巡查" in read(engine, first).body
    high = read(engine, second)
    assert high.leads == 1 and "「穿山甲片」" in high.body and "「象牙手镯」" not in high.body
    assert "本次命中线索 4 条，其中新线索 3 条" in high.body
    assert f"与上一次巡查 {first} 相比：新上架 3。" in high.body
    medium = read(engine, second, "medium")
    assert medium.leads == 2 and "「国家级特效」" in medium.body
    assert "「低价促销」" not in medium.body
    assert "“中”及以上的新线索 2 条：高 1，中 1" in medium.body
    assert "按类别：野生动植物及其制品 1，虚假宣传与违规促销 1" in medium.body
    assert read(engine, second, "low").leads == 3
    assert read(engine, second, "critical").leads == 0


def test_seller_text_is_escaped(engine):
    found = read(
        engine,
        swept(
            engine,
            [
                ("L1", "\x1b[31m红色\x1b[0m标题", [severe("critical")]),
                ("L2", '=HYPERLINK("http://evil.example","点我")', [severe("critical")]),
            ],
        ),
    )
    assert "\x1b" not in found.body
    assert "「\\x1b[31m红色\\x1b[0m标题」" in found.body
    assert '「\'=HYPERLINK("http://evil.example","点我")」' in found.body


def test_notify_counts_what_was_sent_and_what_failed(engine, capsys):
    sweep_id = swept(engine, [("L1", "象牙手镯", [severe("critical")])])
    down = f"json://127.0.0.1:{closed_port()}/x"
    with Receiver() as receiver:
        settings = Settings(notify_urls=[receiver.url, down])
        result = notify(settings, sweep_id, engine)
    assert (result.sent, result.failed) == (1, 1)
    assert [m["title"] for m in receiver.messages] == [read(engine, sweep_id).title]
    assert capsys.readouterr().err == f"通知发送失败：{down}（连接被拒绝）\n"
    with session_scope(engine, read_only=True) as s:
        assert s.get(Sweep, sweep_id).stats["notified"] == {"sent": 1, "failed": 1}
