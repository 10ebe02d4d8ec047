"""The store pipeline's writer thread: batches, a failing item alone, and a sweep killed mid-way."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from wangjian_process import sweep_killed_after, wangjian

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from pipelines.writer import BatchWriter
from rules.engine import Scorer
from rules.items import record_of
from rules.loader import load_packs
from store import db
from store.models import Ad, Lead, Listing, Observation, Platform, RuleHit, Shop, Sweep


def _add_platform(s, code: str) -> str:
    if code == "boom":
        # Same code twice: the unique constraint fails this item's flush.
        s.add(Platform(code="dup", name="dup", base_url=""))
        s.flush()
    s.add(Platform(code=code, name=code, base_url=""))
    s.flush()
    return code


def test_writer_commits_before_acknowledging_and_fails_a_bad_item_alone(db_engine):
    codes = ["a", "dup", "b", "boom", "c"]
    writer = BatchWriter(db_engine, _add_platform, max_batch=50, max_wait=0.5)
    futures = [writer.submit(code) for code in codes]
    results = []
    for future in futures:
        try:
            results.append(future.result(timeout=30))
        except IntegrityError:
            results.append("failed")
        with db.session_scope(db_engine) as s:
            stored = set(s.scalars(select(Platform.code)))
        if results[-1] != "failed":
            assert results[-1] in stored  # acknowledged means committed
    writer.close()
    assert results == ["a", "dup", "b", "failed", "c"]
    assert stored == {"a", "dup", "b", "c"}


def test_writer_close_writes_what_is_queued(db_engine):
    writer = BatchWriter(db_engine, _add_platform)
    futures = [writer.submit(f"p{n}") for n in range(120)]
    writer.close()
    assert [f.result(timeout=0) for f in futures] == [f"p{n}" for n in range(120)]
    with pytest.raises(RuntimeError):
        writer.submit("late")


def test_a_sweep_killed_mid_way_leaves_whole_items(tmp_path):
    catalog = build_catalog(seed=11, size=600)
    path = tmp_path / "killed.db"
    url = f"sqlite:///{path}"
    with DemoServer(catalog) as server:
        args = ["sweep", "demo", "--base-url", server.url, "--database-url", url]
        code = sweep_killed_after(args, path, 40)
    assert code == -signal.SIGKILL

    engine = db.make_engine(url)
    try:
        assert db.check(engine) == []
        scorer = Scorer(load_packs(None))
        with db.session_scope(engine) as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert s.execute(text("PRAGMA foreign_key_check")).all() == []
            listings = s.scalars(select(Listing)).all()
            assert 40 <= len(listings) < len(catalog.listings)
            shops = s.scalars(select(Shop).where(Shop.fetched_at.is_not(None))).all()
            for row in [*listings, *shops, *s.scalars(select(Ad))]:
                truth = catalog.listings.get(row.external_id) if row.kind == "listing" else None
                if truth is not None:
                    assert (row.title, float(row.price)) == (truth.title, truth.price)
                    assert row.shop_id is not None
                    observed = s.scalar(
                        select(func.count()).where(Observation.listing_id == row.id)
                    )
                    assert observed == 1, row.external_id
                # Scored as the sweep scored it: an item does not know its shop's permits yet
                # (``rules.items``), whether or not the shop's page was stored before the kill.
                record = record_of(row).model_copy(update={"seller_permits": None})
                verdict = scorer.score(record)
                column = getattr(RuleHit, f"{row.kind}_id")
                hits = s.scalars(select(RuleHit.rule_id).where(column == row.id)).all()
                assert sorted(hits) == sorted(h.rule_id for h in verdict.hits), row.external_id
                leads = s.scalars(
                    select(Lead.category).where(getattr(Lead, f"{row.kind}_id") == row.id)
                ).all()
                assert sorted(leads) == sorted(verdict.categories), row.external_id
            # Its process is gone, but nothing has looked yet: the row still says running.
            assert s.scalars(select(Sweep.status)).one() == "running"
        # The next sweep of the platform finds the killed one and marks it so (a short one:
        # three pages, then it stops as interrupted itself).
        with DemoServer(catalog) as server:
            args = ["--base-url", server.url, "--database-url", url, "--max-pages", "3"]
            done = wangjian("sweep", "demo", *args, "--keyword", "象牙")
        assert done.returncode == 3, done.stderr[-2000:]
        with db.session_scope(engine) as s:
            first, second = s.scalars(select(Sweep).order_by(Sweep.id)).all()
            assert (first.status, first.stats["close_reason"]) == ("interrupted", "killed")
            assert first.finished_at is not None
            assert (second.status, second.stats["close_reason"]) == (
                "interrupted",
                "closespider_pagecount",
            )
    finally:
        engine.dispose()
