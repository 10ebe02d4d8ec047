"""store.batch and the writer's batches: set-based writes that store what item-by-item writes
store, batches that form while one commits, statements that do not grow with the batch."""

from __future__ import annotations

import asyncio
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from store_factories import (
    BAD_USCC,
    BASE,
    T0,
    VALID_USCC,
    ad_item,
    hit,
    listing_item,
    new_sweep,
    page,
    shop_item,
    verdict,
)

from pipelines.score import Scored
from pipelines.store import StorePipeline
from pipelines.writer import BatchWriter
from rules.items import PageItem
from rules.record import Hit
from store import db
from store.batch import SweepBatches
from store.evidence import CaptureRecord, StoredFile
from store.models import (
    Ad,
    Capture,
    Lead,
    Listing,
    Observation,
    Platform,
    RuleHit,
    Shop,
    Sweep,
    SweepStatus,
)
from store.queries import finish_sweep, store_scored

DAY = timedelta(days=1)


def shop_page(external_id: str, at=T0, uscc=None, address=None, name=None):
    """A shop page of the demo platform; no USCC and no address: its listings place it."""
    return shop_item(uscc=uscc, at=at).model_copy(
        update={
            "external_id": external_id,
            "url": f"{BASE}/shop/{external_id}",
            "name": name or f"店铺{external_id}",
            "licence_address": address,
            "page": page(f"/shop/{external_id}", at),
        }
    )


def of_shop(external_id: str, shop: str | None, at=T0, **fields):
    if shop is None:
        return listing_item(external_id, at=at, shop_external_id=None, shop_url=None, **fields)
    url = f"{BASE}/shop/{shop}"
    return listing_item(external_id, at=at, shop_external_id=shop, shop_url=url, **fields)


WILD, PROMO = hit(), hit("fake_promotion", "全网最低价", 0, rule="lowest_price")
LICENCE = hit("licence", "营业执照", 0, rule="no_licence")


def scenario() -> list[tuple[str, int, list]]:
    """Three sweeps of batches touching every branch of the write: new and seen rows, stubs
    filled, shops placed by licence, by address and by their listings, listings moving
    shop, leads cleared and fired again, a row twice in a batch, a page without a profile,
    a platform not yet stored, listings vanished and found again."""
    t1, t2 = T0 + DAY, T0 + 2 * DAY
    web = PageItem(
        url="http://127.0.0.1:9/p",
        external_id="http://127.0.0.1:9/p",
        title="极品 象牙 手镯",
        price=12.5,
        seller="某卖家",
        page=page("/p", t1),
    )
    return [
        (
            "batch",
            0,
            [
                (ad_item(), verdict(PROMO)),
                (of_shop("L00042", "S007", shop_name="老字号"), verdict(WILD)),
                (of_shop("L00043", "S007", ship_from="浙江 杭州"), verdict()),
                (of_shop("L00044", "S008", ship_from="浙江 杭州"), verdict()),
                (shop_page("S008"), verdict(LICENCE)),
                (of_shop("L00045", None), verdict(WILD, PROMO)),
                (of_shop("L00046", "S009", shop_name="九号店", available=True), verdict()),
            ],
        ),
        (
            "batch",
            0,
            [
                (shop_page("S007", uscc=VALID_USCC), verdict()),
                (of_shop("L00047", "S008", ship_from="湖北 鄂州"), verdict(WILD)),
                (of_shop("L00042", "S007", price=88.0, shop_name="老字号"), verdict(PROMO)),
                (shop_page("S010", address="湖北省鄂州市鄂城区古楼街道"), verdict()),
                (of_shop("L00048", "S010", ship_from="浙江 杭州"), verdict()),
            ],
        ),
        ("finish", 0, []),
        (
            "batch",
            1,
            [
                (of_shop("L00042", "S007", at=t1, price=77.0), verdict(WILD)),
                (of_shop("L00043", "S008", at=t1, ship_from="浙江 杭州"), verdict(WILD)),
                (
                    of_shop("L00044", "S008", at=t1, ship_from="浙江 杭州", available=False),
                    verdict(),
                ),
                (shop_page("S007", at=t1, uscc=BAD_USCC), verdict(LICENCE)),
                (of_shop("L00045", None, at=t1, price=10.0), verdict(PROMO)),
                (of_shop("L00045", None, at=t1, price=11.0), verdict(WILD)),
                (web, verdict(WILD)),
                (shop_page("S008", at=t1), verdict()),
            ],
        ),
        ("batch", 1, [(ad_item(at=t1), verdict()), (of_shop("L00048", "S010", at=t1), verdict())]),
        ("finish", 1, []),
        ("batch", 2, [(of_shop("L00046", "S009", at=t2, shop_name="九号店"), verdict(WILD))]),
        ("finish", 2, []),
    ]


def replay(engine, write) -> None:
    """The scenario into ``engine``, each batch in one transaction through ``write``."""
    sweeps: list[Sweep] = []
    for step, n, entries in scenario():
        with db.session_scope(engine) as s:
            if n == len(sweeps):
                sweeps.append(new_sweep(s))
            sweep = s.merge(sweeps[n], load=False)
            if step == "finish":
                finish_sweep(s, sweep, SweepStatus.finished, {})
            else:
                write(s, sweep, entries)


def one_by_one(s, sweep, entries) -> None:
    for item, judged in entries:
        store_scored(s, sweep, item, judged)


def batched(s, sweep, entries) -> None:
    SweepBatches(sweep.id).write(s, entries)


def dump(engine) -> dict[str, list[str]]:
    """Every row of the written tables, ids replaced by what they name (sweeps by their
    order), sorted: two databases that hold the same compare equal."""
    with db.session_scope(engine, read_only=True) as s:
        sweeps = {i: n for n, i in enumerate(s.scalars(select(Sweep.id).order_by(Sweep.id)))}
        platforms = {i: code for i, code in s.execute(select(Platform.id, Platform.code))}
        named: dict[tuple[str, int], tuple[str, str]] = {}
        for model in (Listing, Shop, Ad):
            for i, p, e in s.execute(select(model.id, model.platform_id, model.external_id)):
                named[(model.__tablename__, i)] = (platforms[p], e)
        out = {}
        for model in (Platform, Shop, Listing, Ad, Observation, RuleHit, Lead):
            table, rows = model.__table__, []
            for row in s.execute(select(table)).mappings():
                row = {k: v for k, v in row.items() if k != "id"}
                if "vanished_at" in row:  # when its sweep finished: the clock of the run
                    row["vanished_at"] = row["vanished_at"] is not None
                for column, value in row.items():
                    key = next(iter(table.c[column].foreign_keys), None)
                    if key is None or value is None:
                        continue
                    target = key.column.table.name
                    if target == "sweeps":
                        row[column] = ("sweep", sweeps[value])
                    elif target == "platforms":
                        row[column] = platforms[value]
                    else:
                        row[column] = named[(target, value)]
                rows.append(repr(sorted(row.items())))
            out[table.name] = sorted(rows)
    return out


@contextmanager
def _schema(database: str):
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{database}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def _engine(url: str):
    engine = db.make_engine(url)
    db.upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def test_a_batch_stores_what_item_after_item_stores(db_engine, db_url, tmp_path, request):
    replay(db_engine, batched)
    if db_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path / 'one-by-one.db'}"
        with _engine(other) as engine:
            replay(engine, one_by_one)
            expected = dump(engine)
    else:
        with _schema(request.getfixturevalue("pg_database")) as other, _engine(other) as engine:
            replay(engine, one_by_one)
            expected = dump(engine)
    got = dump(db_engine)
    assert got == expected
    # The scenario did what it says: a sample of the rows it must have made.
    with db.session_scope(db_engine, read_only=True) as s:
        regions = {e: r for e, r in s.execute(select(Shop.external_id, Shop.region_code))}
        assert regions["S007"] == "420700"  # a bad USCC: placed by its one listing (鄂州)
        assert regions["S008"] == "330100"  # no licence: by its listings (杭州 2, 鄂州 1)
        assert regions["S010"] == "420704"  # by its licence address
        listing = s.scalars(select(Listing).where(Listing.external_id == "L00046")).one()
        assert listing.vanished_at is None and listing.last_seen == T0 + 2 * DAY
        gone = s.scalars(select(Listing.external_id).where(Listing.vanished_at.is_not(None)))
        # The third sweep saw only L00046: the demo's other listings are gone (L00047 since
        # the second), the page of another platform is not the sweep's to judge.
        assert sorted(gone) == [f"L000{n}" for n in (42, 43, 44, 45, 47, 48)]
        assert s.scalar(select(Platform.id).where(Platform.code == "web")) is not None


@pytest.mark.postgres
def test_sqlite_and_postgresql_store_the_same(pg_url, tmp_path):
    dumps = []
    for url in (f"sqlite:///{tmp_path / 'same.db'}", pg_url):
        with _engine(url) as engine:
            replay(engine, batched)
            dumps.append(dump(engine))
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["leads"]) > 5


def _statements(engine, entries_of_sweep) -> list[int]:
    """Statements each batch took, one transaction per batch."""
    counts = []

    def count(*args: Any) -> None:
        counts[-1] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for sweep_id, entries in entries_of_sweep:
            counts.append(0)
            with db.session_scope(engine) as s:
                SweepBatches(sweep_id).write(s, entries)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counts


def _listings(first: int, n: int, at):
    return [
        (
            of_shop(f"L{first + k:05d}", f"S{first + k:05d}", at=at, ship_from="浙江 杭州"),
            verdict(WILD) if k % 2 else verdict(),
        )
        for k in range(n)
    ]


def test_statements_per_batch_do_not_grow_with_the_batch(db_engine):
    with db.session_scope(db_engine) as s:
        first, second = new_sweep(s).id, new_sweep(s).id
    SweepBatches(first)  # the platform is looked up once per writer: warm it in each run
    new = _statements(db_engine, [(first, _listings(0, 3, T0)), (first, _listings(100, 30, T0))])
    again = _statements(
        db_engine, [(second, _listings(0, 3, T0 + DAY)), (second, _listings(100, 30, T0 + DAY))]
    )
    assert new[0] == new[1], new  # new listings, each with a new shop, half with a lead
    assert again[0] == again[1], again  # the same seen again: hits replaced, leads updated
    assert max(new + again) <= 20
    with db.session_scope(db_engine, read_only=True) as s:
        assert s.scalar(select(Lead.id).where(Lead.cleared_at.is_not(None))) is None
        assert len(s.scalars(select(Observation.id)).all()) == 66


class Gate:
    """A write_batch whose first batch waits until the test lets it go."""

    def __init__(self, write) -> None:
        self.write = write
        self.started, self.release = threading.Event(), threading.Event()
        self.sizes: list[int] = []

    def __call__(self, s, payloads):
        self.sizes.append(len(payloads))
        if len(self.sizes) == 1:
            self.started.set()
            assert self.release.wait(10)
        return self.write(s, payloads)


def _platforms(s, codes):
    for code in codes:
        s.add(Platform(code=code, name=code, base_url=""))
    s.flush()
    return codes


def test_items_submitted_while_a_batch_commits_go_in_one_later_batch(db_engine):
    gate = Gate(_platforms)
    writer = BatchWriter(db_engine, write_batch=gate, max_wait=0.0)
    first = writer.submit("p0")
    assert gate.started.wait(10)
    later = [writer.submit(f"p{n}") for n in range(1, 6)]
    gate.release.set()
    assert [f.result(timeout=10) for f in [first, *later]] == [f"p{n}" for n in range(6)]
    writer.close()
    assert gate.sizes == [1, 5]
    assert (writer.batches, writer.items) == (2, 6)


def test_a_failing_item_of_a_set_based_batch_fails_alone(db_engine):
    with db.session_scope(db_engine) as s:
        sweep_id = new_sweep(s).id
    batches = SweepBatches(sweep_id)
    gate = Gate(lambda s, entries: batches.write(s, entries))
    writer = BatchWriter(db_engine, write_batch=gate)
    bad = Hit.model_construct(**{**WILD.model_dump(), "matched": None})  # NOT NULL fails
    first = writer.submit((of_shop("L00001", "S001"), verdict(WILD)))
    assert gate.started.wait(10)
    entries = [(of_shop(f"L0001{n}", "S001"), verdict(WILD)) for n in range(4)]
    entries.insert(2, (of_shop("L00099", "S099"), verdict(bad, categories=["wildlife"])))
    futures = [writer.submit(entry) for entry in entries]
    gate.release.set()
    first.result(timeout=10)
    outcomes = []
    for future in futures:
        try:
            outcomes.append(future.result(timeout=10).kind)
        except IntegrityError:
            outcomes.append("failed")
    writer.close()
    assert outcomes == ["listing", "listing", "failed", "listing", "listing"]
    # The batch, then each of its items alone (the failing one maybe twice: the writer tries
    # an item again once when its key might be a concurrent writer's).
    assert gate.sizes[:2] == [1, 5] and set(gate.sizes[2:]) == {1}, gate.sizes
    assert 5 <= len(gate.sizes[2:]) <= 6
    with db.session_scope(db_engine, read_only=True) as s:
        stored = sorted(s.scalars(select(Listing.external_id)))
        assert stored == ["L00001", "L00010", "L00011", "L00012", "L00013"]
        assert s.scalar(select(Shop.id).where(Shop.external_id == "S099")) is None


class Stats(dict):
    def inc_value(self, key, count=1, start=0):
        self[key] = self.get(key, start) + count

    def set_value(self, key, value):
        self[key] = value

    def get_stats(self):
        return dict(self)


def test_the_store_pipeline_counts_its_batches_and_files_captures(db_engine, db_url):
    stats = Stats({"downloader/response_status_count/200": 20})
    pipeline = StorePipeline(stats, db_url, {"platform": "demo", "base_url": BASE})
    pipeline.open_spider()
    files = [StoredFile("body", "evidence/objects/ab/x", "a" * 64, 3, "text/html")]
    manifest = StoredFile("manifest", "evidence/objects/cd/y", "b" * 64, 9, "application/json")
    capture = CaptureRecord(f"{BASE}/item/L00005", "c" * 64, T0, files, manifest)
    scored = [Scored(*entry) for entry in _listings(0, 20, T0)]
    scored[5] = Scored(scored[5].item, scored[5].verdict, capture)

    async def crawl():
        return await asyncio.gather(*(pipeline.process_item(one) for one in scored))

    assert asyncio.run(crawl()) == scored
    pipeline.spider_closed(None, "finished")
    assert stats["wangjian/stored/listing"] == 20
    assert stats["wangjian/store/batch_items"] == 20
    assert 1 <= stats["wangjian/store/batches"] < 20  # the first alone, the rest queued
    engine = db.make_engine(db_url)
    try:
        with db.session_scope(engine, read_only=True) as s:
            sweep = s.scalars(select(Sweep)).one()
            assert sweep.status == SweepStatus.finished
            assert sweep.stats["wangjian/store/batches"] == stats["wangjian/store/batches"]
            (row,) = s.scalars(select(Capture)).all()
            assert row.listing.external_id == "L00005" and len(row.files) == 2
            assert row.sweep_id == sweep.id
    finally:
        engine.dispose()
