"""Distributed sweeps (crawler.distributed) against the Redis and PostgreSQL on 127.0.0.1.

The frontier's scripts are tried directly (two workers in one process, one of them silent
past its lease); whole sweeps run as ``wangjian sweep demo --distributed --json`` workers in
subprocesses, one Redis key prefix and one PostgreSQL schema a test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter

import psycopg
import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from wangjian_process import COMMAND, ROOT, environment

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer, respond
from crawler.distributed import Frontier, ReliableQueue, State, merge_stats
from spiders.extract import extract_listing
from spiders.generic import GenericSpider
from spiders.profile import load_profile
from spiders.render import PLAIN, render_meta
from spiders.served import SERVED, served_of

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CATALOG = build_catalog(seed=7, size=60)
LEASE_S = 1.5


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def prefix():
    """A Redis key prefix of this test alone; its keys are deleted afterwards."""
    import redis

    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        server.ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis unreachable at {REDIS_URL}: {exc}")
    name = f"wangjian-test-{uuid.uuid4().hex[:10]}"
    yield name
    keys = list(server.scan_iter(match=f"{name}:*"))
    if keys:
        server.delete(*keys)


def frontier(prefix: str, worker: str, sweep_id: int = 1, lease_s: float = 0.3) -> Frontier:
    info = {"url": REDIS_URL, "prefix": prefix, "platform": "demo", "worker": worker,
            "lease_s": lease_s, "sweep_id": sweep_id}  # fmt: skip
    return Frontier.connect(info)


def opened(prefix: str, *workers: str, lease_s: float = 0.3) -> list[Frontier]:
    """Workers of one sweep (id 1), every one registered."""
    found = [frontier(prefix, w, lease_s=lease_s) for w in workers]
    found[0].started(1)
    for one in found:
        assert one.join(1)
    return found


# -- the frontier ---------------------------------------------------------------------------


def test_a_request_is_seen_and_queued_together_and_once(prefix):
    (a,) = opened(prefix, "a")
    assert a.push(b"r1", 0, "fp1") == (True, 1)
    assert a.push(b"r1-again", 0, "fp1") == (False, 1)  # the same fingerprint: a duplicate
    assert a.push(b"r2", 0, None) == (True, 2)  # dont_filter: never filtered
    assert a.push(b"r2-copy", 0, None) == (True, 3)
    assert a.server.zcard(a.key("queue")) == 3
    assert a.server.scard(a.key("seen")) == 1


def test_higher_priority_first_and_the_newest_first_within_one(prefix):
    (a,) = opened(prefix, "a")
    for member, priority in [(b"search", 0), (b"listing1", 10), (b"listing2", 10), (b"api", 30)]:
        a.push(member, priority, member.decode())
    assert a.take([], 3) == ([b"api", b"listing2", b"listing1"], 1)
    assert a.take([], 3) == ([b"search"], 0)
    assert a.take([]) == ([], 0)


def test_what_a_silent_worker_held_goes_back_and_only_then_the_sweep_is_done(prefix):
    a, b = opened(prefix, "a", "b")
    for n in range(3):
        a.push(f"r{n}".encode(), 0, f"fp{n}")
    held, _ = a.take([], 2)
    assert b.settle() == State(moved=0, queued=1, held=2, waiting=2)
    assert b.take([]) == ([b"r0"], 0)
    assert b.settle() == State(moved=0, queued=0, held=3, waiting=2)
    b.ack([b"r0"])
    time.sleep(0.4)  # a's lease (0.3 s) runs out: a was killed
    state = b.settle()
    assert (state.moved, state.queued, state.held) == (2, 2, 0) and not state.finished
    again, _ = b.take([], 5)
    assert sorted(again) == sorted(held)
    assert b.settle().held == 2  # b holds them now: not done
    assert b.take(again) == ([], 0)  # acknowledged with the next take
    assert b.settle() == State(moved=0, queued=0, held=0, waiting=0)


def test_an_idle_worker_waits_for_the_others_to_see_the_end(prefix):
    a, b = opened(prefix, "a", "b")
    assert not a.settle().finished  # b, alive, has not looked yet
    assert b.settle().finished
    assert a.settle().finished


def test_only_the_last_worker_to_leave_gets_every_part(prefix):
    a, b = opened(prefix, "a", "b")
    a.push(b"r0", 0, "fp0")
    assert a.take([]) == ([b"r0"], 0)
    assert a.leave({"stats": {"pages": 2}, "reason": "shutdown", "failures": []}) is None
    assert b.server.zcard(b.key("queue")) == 1  # what a had not finished is put back
    everyone = b.leave({"stats": {"pages": 3}, "reason": "finished", "failures": []})
    assert {w: p["stats"]["pages"] for w, p in everyone.items()} == {"a": 2, "b": 3}
    assert b.current() is None  # the platform has no running sweep any more
    assert not b.server.exists(b.key("queue"), b.key("seen"), b.key("workers"))
    late = frontier(prefix, "c")
    assert late.join(1) is False  # a worker started late does not reopen it


def test_status_shows_the_queue_and_each_workers_hand(prefix):
    a, b = opened(prefix, "a", "b", lease_s=30)
    a.push(b"r0", 0, "fp0")
    a.push(b"r1", 0, "fp1")
    a.take([])
    found = frontier(prefix, "viewer").status()
    assert (found["sweep_id"], found["queued"], found["seen"]) == (1, 1, 2)
    assert [(w["worker"], w["held"], w["alive"]) for w in found["workers"]] == [
        ("a", 1, True),
        ("b", 0, True),
    ]


def test_stats_of_the_workers_add_up():
    merged = merge_stats(
        [
            {"response_received_count": 3, "start_time": "2026-11-01T10:00:05+00:00",
             "memusage/max": 100, "wangjian/sweep_id": 4, "finish_reason": "finished"},
            {"response_received_count": 4, "start_time": "2026-11-01T10:00:01+00:00",
             "memusage/max": 90, "wangjian/sweep_id": 4, "wangjian/items/listing": 2},
        ]
    )  # fmt: skip
    assert merged == {
        "response_received_count": 7,
        "start_time": "2026-11-01T10:00:01+00:00",
        "memusage/max": 100,
        "wangjian/sweep_id": 4,
        "finish_reason": "finished",
        "wangjian/items/listing": 2,
    }


def test_a_sweeps_requests_survive_the_shared_queue(prefix):
    """What the spider puts in its requests goes through Redis and back: callbacks by name,
    a render's page methods, the listing the plain page showed."""
    (a,) = opened(prefix, "a")
    profile = load_profile("demo")
    crawler = get_crawler(GenericSpider, {"WANGJIAN_PROFILE": profile})
    spider = GenericSpider.from_crawler(crawler)
    url = "http://127.0.0.1:8000/item/L00001"
    answer = respond(CATALOG, "/item/L00001")
    plain_page = HtmlResponse(url, body=answer.body, headers={"Content-Type": answer.content_type},
                              request=Request(url))  # fmt: skip
    plain = extract_listing(plain_page, profile)
    served = served_of(plain_page)
    meta = {**render_meta(profile.listing.render), PLAIN: plain, SERVED: served}
    request = spider._request(url, spider.parse_listing, meta, dont_filter=True, priority=30)
    queue = ReliableQueue(a.server, spider, a.key("queue"), frontier=a)
    assert queue.push(request) == (True, 1)
    [(back, _)], _ = queue.take([])
    assert back.callback == spider.parse_listing and back.errback == spider.on_error
    assert back.meta[PLAIN] == plain and back.priority == 30
    assert back.meta[SERVED].body == answer.body and back.meta[PLAIN].page.sha256
    methods = back.meta["playwright_page_methods"]
    assert [(m.method, m.args) for m in methods] == [
        (m.method, m.args) for m in request.meta["playwright_page_methods"]
    ]


# -- whole sweeps -----------------------------------------------------------------------------


def worker(base_url: str, db_url: str, prefix: str) -> subprocess.Popen:
    env = environment({"WANGJIAN_REDIS_URL": REDIS_URL, "WANGJIAN_REDIS_PREFIX": prefix,
                       "WANGJIAN_REDIS_LEASE_S": str(LEASE_S)})  # fmt: skip
    args = ["sweep", "demo", "--base-url", base_url, "--database-url", db_url]
    return subprocess.Popen(
        [*COMMAND, *args, "--distributed", "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finished(process: subprocess.Popen, timeout: float = 180) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, (process.returncode, err[-3000:])
    return json.loads(out)


def stored(db_url: str, sql: str) -> list[tuple]:
    try:
        with psycopg.connect(db_url) as connection:
            return connection.execute(sql).fetchall()
    except psycopg.errors.UndefinedTable:  # not migrated yet
        return []


def listings(db_url: str) -> list[str]:
    return [row[0] for row in stored(db_url, "SELECT external_id FROM listings")]


def sweep_rows(db_url: str) -> list[tuple]:
    return stored(db_url, "SELECT id, status, stats FROM sweeps ORDER BY id")


def test_two_workers_fetch_and_store_every_listing_once(prefix, pg_url):
    # Latency keeps the sweep going for a few seconds, so that both workers take part.
    with DemoServer(CATALOG, latency_s=0.15) as server:
        a = worker(server.url, pg_url, prefix)
        b = worker(server.url, pg_url, prefix)
        results = [finished(a), finished(b)]
        fetched = Counter(server.served.paths)
    ids = listings(pg_url)
    assert sorted(ids) == sorted(CATALOG.listings)  # one row per listing of the catalogue
    pages = {p: n for p, n in fetched.items() if p != "/robots.txt"}  # one per worker
    assert {f"/item/{i}" for i in CATALOG.listings} <= set(pages)
    assert {p: n for p, n in pages.items() if n != 1} == {}  # every page fetched once
    assert all(r["pages"] > 0 for r in results), "both workers fetched"
    (sweep,) = sweep_rows(pg_url)
    last = [r for r in results if r["distributed"]["last"]]
    assert len(last) == 1 and last[0]["distributed"]["workers"] == 2
    assert {r["sweep_id"] for r in results} == {sweep[0]}
    assert sweep[1] == "finished" and len(sweep[2]["log_files"]) == 2
    # The last worker reports, and the row keeps, the whole sweep: both workers' pages.
    (other,) = [r for r in results if not r["distributed"]["last"]]
    assert last[0]["pages"] == sweep[2]["response_received_count"] == fetched.total()
    assert 0 < other["pages"] < last[0]["pages"]
    assert (last[0]["status"], last[0]["listings"], last[0]["errors"]) == ("finished", 60, 0)
    assert other["status"] == "finished" and other["listings"] < 60


def test_a_worker_killed_half_way_loses_no_listing(prefix, pg_url):
    with DemoServer(CATALOG, latency_s=0.15) as server:
        a = worker(server.url, pg_url, prefix)
        b = worker(server.url, pg_url, prefix)
        deadline = time.monotonic() + 120
        while len(listings(pg_url)) < 15:
            assert time.monotonic() < deadline and a.poll() is None, "no listing stored"
            time.sleep(0.05)
        os.kill(a.pid, signal.SIGKILL)
        a.communicate(timeout=30)
        survivor = finished(b)
    assert a.returncode == -signal.SIGKILL
    assert sorted(listings(pg_url)) == sorted(CATALOG.listings)
    (sweep,) = sweep_rows(pg_url)
    assert sweep[1] == "finished" and sweep[2]["close_reason"] == "finished"
    # What the killed worker had taken came back to the queue, and the survivor read it.
    assert sweep[2]["wangjian/distributed/requeued"] > 0
    assert survivor["distributed"] == {
        "worker": survivor["distributed"]["worker"], "last": True, "workers": 1,
    }  # fmt: skip
    assert (survivor["status"], survivor["errors"]) == ("finished", 0)


def test_sweep_status_shows_the_running_sweep(prefix, monkeypatch):
    from click.testing import CliRunner

    from cli import main

    monkeypatch.setenv("WANGJIAN_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("WANGJIAN_REDIS_PREFIX", prefix)
    runner = CliRunner()
    idle = runner.invoke(main, ["sweep", "demo", "--distributed", "--status"])
    assert (idle.exit_code, idle.output) == (0, "平台 demo 没有正在进行的分布式巡查。\n")
    (a,) = opened(prefix, "a", lease_s=30)
    a.push(b"r0", 0, "fp0")
    a.take([])
    shown = runner.invoke(main, ["sweep", "demo", "--distributed", "--status", "--json"])
    found = json.loads(shown.output)
    assert (found["sweep_id"], found["queued"], found["seen"]) == (1, 0, 1)
    assert [(w["worker"], w["held"]) for w in found["workers"]] == [("a", 1)]
    text = runner.invoke(main, ["sweep", "demo", "--distributed", "--status"]).output
    lines = text.splitlines()
    assert lines[0] == "巡查 1  平台 demo  待抓取 0，已发现 1，工作进程 1"
    assert lines[1].startswith("  a: 处理中 1，租约剩余")
    wrong = runner.invoke(main, ["sweep", "demo", "--status"])
    assert wrong.exit_code == 2 and "--distributed" in wrong.output


def test_a_redis_that_does_not_answer_is_one_line_and_exit_2(tmp_path):
    from wangjian_process import wangjian

    done = wangjian(
        "sweep", "demo", "--distributed", "--database-url", f"sqlite:///{tmp_path / 'w.db'}",
        WANGJIAN_REDIS_URL="redis://127.0.0.1:1/0",
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: WANGJIAN_REDIS_URL: cannot use Redis at redis://127.0.0.1:1/0")
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "w.db").exists()
