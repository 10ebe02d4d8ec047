"""store.history: the sweeps' stored history, newest first, with their counts and failures."""

from __future__ import annotations

import pytest
from store_factories import new_sweep

from store.db import StoreError, session_scope
from store.history import get_sweep, list_sweeps
from store.queries import finish_sweep, start_sweep

STATS = {
    "response_received_count": 12,
    "wangjian/items/listing": 7,
    "wangjian/items/shop": 2,
    "wangjian/items/ad": 3,
    "wangjian/leads/wildlife": 2,
    "wangjian/leads/fake_promotion": 1,
    "wangjian/errors": 2,
    "wangjian/errors/http": 1,
    "wangjian/errors/fetch": 1,
    "close_reason": "finished",
    "failures": [
        {"url": "http://127.0.0.1/x", "kind": "http", "message": "HTTP 503"},
        {"url": "http://127.0.0.1/y", "kind": "fetch", "message": "timeout"},
    ],
}


def test_sweeps_newest_first_with_their_counts(db_engine):
    with session_scope(db_engine) as s:
        first = new_sweep(s)
        finish_sweep(s, first, "finished", STATS)
        other = start_sweep(s, "other", "别的平台", "http://x", None, {}, kind="scan")
    with session_scope(db_engine) as s:
        rows = list_sweeps(s)
        assert [(r.id, r.platform, r.kind, r.status) for r in rows] == [
            (other.id, "other", "scan", "running"),
            (first.id, "demo", "sweep", "finished"),
        ]
        done = rows[1]
        counts = (done.pages, done.listings, done.shops, done.ads, done.leads, done.errors)
        assert counts == (12, 7, 2, 3, 3, 2)
        assert done.failures_by_kind == {"http": 1, "fetch": 1}
        assert done.failures[0]["message"] == "HTTP 503"
        assert [r.id for r in list_sweeps(s, platform="demo")] == [first.id]
        assert get_sweep(s, first.id) == done
        with pytest.raises(StoreError, match="no sweep with id 999"):
            get_sweep(s, 999)
