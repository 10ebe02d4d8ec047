"""One running sweep a platform; a sweep whose process died does not stay running."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from fault_server import Fault, FaultServer
from sqlalchemy import select
from wangjian_process import COMMAND, ROOT, wangjian

from crawler.demo.catalog import build_catalog
from store.db import make_engine, session_scope, upgrade
from store.errors import StoreError
from store.models import Sweep
from store.running import alive, begin_sweep, this_process


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_alive_tells_a_running_process_from_a_gone_one():
    assert alive(this_process()) is True
    assert alive({"host": socket.gethostname(), "pid": dead_pid()}) is False
    assert alive({"host": "elsewhere.example", "pid": 1}) is None
    assert alive(None) is False


def test_a_second_sweep_of_a_platform_is_refused_while_the_first_runs(db_engine):
    def begin(s):
        return begin_sweep(s, "demo", "演示商城", "http://127.0.0.1", "demo", {})

    with session_scope(db_engine) as s:
        first = begin(s)
    with pytest.raises(StoreError, match=r"a sweep of platform 'demo' is already running"):
        with session_scope(db_engine) as s:
            begin(s)
    # Its process dies (as under kill -9): the next start marks it and goes ahead.
    with session_scope(db_engine) as s:
        row = s.get_one(Sweep, first.id)
        row.stats = {"owner": {"host": socket.gethostname(), "pid": dead_pid()}}
    with session_scope(db_engine) as s:
        second = begin(s)
        old = s.get_one(Sweep, first.id)
        assert (old.status, old.stats["close_reason"]) == ("interrupted", "killed")
        assert (second.status, second.stats["owner"]) == ("running", this_process())


def test_wangjian_sweep_refuses_to_run_beside_a_sweep_of_the_same_platform(tmp_path):
    catalog = build_catalog(seed=7, size=40)
    db_url = f"sqlite:///{tmp_path / 'one.db'}"
    upgrade(make_engine(db_url))
    # The first sweep's only search page takes 4 s: it is running while the second starts.
    slow = {
        "/search?q=%E8%B1%A1%E7%89%99&page=1": Fault("slow", None, 4),
        "/search?q=": Fault("slow", None, 4),
    }
    with FaultServer(catalog, slow) as server:
        args = ["sweep", "demo", "--base-url", server.url, "--database-url", db_url]
        first = subprocess.Popen(
            [*COMMAND, *args, "--keyword", "象牙"], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 60
            while not server.log:
                assert time.monotonic() < deadline and first.poll() is None, "never started"
                time.sleep(0.05)
            second = wangjian(*args, "--keyword", "象牙")
        finally:
            first.wait(timeout=120)
    assert second.returncode == 2
    assert "a sweep of platform 'demo' is already running" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert first.returncode == 0
    with session_scope(make_engine(db_url)) as s:
        assert s.scalars(select(Sweep.status)).all() == ["finished"]
