"""store.db: engines, migrations, the models-vs-migrations check, sessions, errors."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from store.db import (
    StoreError,
    check,
    check_connection,
    current_revision,
    head_revision,
    make_engine,
    masked_url,
    require_head,
    session_scope,
    sessions,
    upgrade,
)
from store.models import Platform, Sweep, SweepStatus

TABLES = {
    "ads",
    "alembic_version",
    "capture_files",
    "captures",
    "custody_head",
    "lead_events",
    "leads",
    "listings",
    "platforms",
    "listing_observations",
    "rule_hits",
    "shops",
    "sweeps",
}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_plain_postgres_urls_mean_psycopg():
    assert make_engine("postgresql://u@127.0.0.1/x").url.drivername == "postgresql+psycopg"
    assert make_engine("postgres://u@127.0.0.1/x").url.drivername == "postgresql+psycopg"
    assert make_engine("postgresql+psycopg://u@h/x").url.drivername == "postgresql+psycopg"


def test_masked_url_hides_the_password_and_the_driver():
    url = make_engine("postgres://alice:s3cret@127.0.0.1:5433/leads").url
    assert masked_url(url) == "postgresql://alice:***@127.0.0.1:5433/leads"


def test_unreachable_database_names_the_url_and_masks_the_password():
    port = closed_port()
    engine = make_engine(f"postgresql://postgres:hunter2@127.0.0.1:{port}/x")
    with pytest.raises(StoreError) as caught:
        check_connection(engine)
    message = str(caught.value)
    assert message.startswith(
        f"cannot reach database postgresql://postgres:***@127.0.0.1:{port}/x: "
    )
    assert "hunter2" not in message
    assert "refused" in message.lower()
    with pytest.raises(StoreError, match="cannot reach database"):
        upgrade(engine)


def test_sqlite_engine_creates_the_folder_and_sets_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'w.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    assert (tmp_path / "a" / "b" / "w.db").is_file()


def test_upgrade_creates_every_table_and_check_finds_no_difference(db_url):
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    assert upgrade(db_url) == head_revision() == "0009"
    assert set(inspect(engine).get_table_names()) == TABLES
    assert current_revision(engine) == "0009"
    assert check(engine) == []
    # Upgrading a database that is already at head is a no-op.
    assert upgrade(engine) == "0009"
    engine.dispose()


def test_check_reports_a_schema_that_drifted(db_engine):
    with db_engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_leads_status"))
    differences = check(db_engine)
    assert [d[0] for d in differences] == ["add_index"]
    assert differences[0][1].name == "ix_leads_status"


def test_unknown_revision_is_a_clear_error(db_engine):
    with db_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError) as caught:
        upgrade(db_engine)
    assert "schema revision 9999" in str(caught.value)
    assert f"newest known: {head_revision()}" in str(caught.value)


def test_older_revision_is_upgraded(db_url):
    engine = make_engine(db_url)
    # An empty database is the oldest revision there is; going to 0001 then head is stepwise.
    assert upgrade(engine, "0001") == "0001"
    assert upgrade(engine) == head_revision()
    engine.dispose()


def test_0008_marks_what_placed_each_shop_and_unplaces_a_failing_uscc(db_url):
    """Before 0008 a USCC placed its shop even when it failed its check; after it the shop is
    placed by where most of its listings ship from, and every shop says what placed it."""
    import sqlalchemy as sa

    engine = make_engine(db_url)
    assert upgrade(engine, "0007") == "0007"
    at = datetime(2026, 11, 1, tzinfo=UTC)
    seen = {"platform_id": 1, "first_seen": at, "last_seen": at, "last_sweep_id": 1, "url": "u"}
    shops = sa.table(
        "shops",
        *map(sa.column, [*seen, "id", "external_id", "name", "licence_present"]),
        *map(sa.column, ("licence_image_only", "uscc", "uscc_valid", "region_code")),
        sa.column("permits", sa.JSON),
        sa.column("categories", sa.JSON),
    )
    listing = seen | {"title": "t", "description": "", "category": "", "ship_from": ""}
    listing |= {"page_sha256": "0" * 64, "encoding": "utf-8", "rendered": False, "fetched_at": at}
    listings = sa.table(
        "listings", *map(sa.column, [*listing, "id", "external_id", "shop_id", "ship_from_code"])
    )
    good, bad = "91310110666007217T", "91420700MA4ABCDE10"
    placed = [
        (good, True, "310110"),  # placed by its valid code
        (bad, False, "420700"),  # by its failing code; listings in 深圳 (2) and 鄂州 (1)
        (bad, False, "420700"),  # by its failing code; no listings
        (None, None, "440300"),  # by its listings
        (None, None, None),  # by nothing
    ]
    with engine.begin() as connection:
        platform = "INSERT INTO platforms (id, code, name, base_url) VALUES (1, 'd', 'd', '')"
        connection.execute(text(platform))
        connection.execute(
            text(
                "INSERT INTO sweeps (id, platform_id, started_at, status, pack_versions, stats) "
                "VALUES (1, 1, :at, 'finished', '{}', '{}')"
            ),
            {"at": at},
        )
        shop = seen | {"name": "", "licence_present": True, "licence_image_only": False}
        shop |= {"permits": [], "categories": []}
        connection.execute(
            shops.insert(),
            [
                shop
                | {"id": n, "external_id": f"S{n}", "uscc": code, "uscc_valid": valid}
                | {"region_code": region}
                for n, (code, valid, region) in enumerate(placed, start=1)
            ],
        )
        ship_from = [(2, "420700"), (2, "440300"), (2, "440300"), (4, "440300")]
        connection.execute(
            listings.insert(),
            [
                listing
                | {"id": n, "external_id": f"L{n}", "shop_id": shop_id}
                | {"ship_from_code": region}
                for n, (shop_id, region) in enumerate(ship_from, start=1)
            ],
        )
    assert upgrade(engine) == head_revision()
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, region_code, region_source, licence_address FROM shops ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "310110", "uscc", None),
        (2, "440300", "ship_from", None),
        (3, None, None, None),
        (4, "440300", "ship_from", None),
        (5, None, None, None),
    ]
    engine.dispose()


def test_session_scope_commits_on_success_and_rolls_back_on_error(db_engine):
    with session_scope(db_engine) as s:
        s.add(Platform(code="demo", name="演示商城", base_url="http://127.0.0.1:1/"))
    with pytest.raises(RuntimeError):
        with session_scope(db_engine) as s:
            s.add(Platform(code="other", name="other", base_url=""))
            s.flush()
            raise RuntimeError("boom")
    with session_scope(db_engine) as s:
        assert s.scalars(select(Platform.code)).all() == ["demo"]
        assert s.scalars(select(Platform.name)).one() == "演示商城"


def test_datetimes_come_back_aware_in_utc(db_engine):
    beijing = timezone(timedelta(hours=8))
    started = datetime(2026, 11, 11, 0, 0, 0, 123456, tzinfo=beijing)
    with session_scope(db_engine) as s:
        platform = Platform(code="demo", name="demo", base_url="")
        s.add(Sweep(platform=platform, started_at=started, pack_versions={"wildlife": "1"}))
    with session_scope(db_engine) as s:
        sweep = s.scalars(select(Sweep)).one()
        assert sweep.started_at == datetime(2026, 11, 10, 16, 0, 0, 123456, tzinfo=UTC)
        assert sweep.started_at.tzinfo == UTC
        assert sweep.status is SweepStatus.running
        assert sweep.pack_versions == {"wildlife": "1"}
        assert sweep.stats == {}


def test_naive_datetimes_are_refused(db_engine):
    with pytest.raises(Exception, match="naive datetime"):
        with session_scope(db_engine) as s:
            platform = Platform(code="demo", name="demo", base_url="")
            s.add(Sweep(platform=platform, started_at=datetime(2026, 1, 1)))


def test_sqlite_writers_take_the_lock_when_they_begin_and_readers_do_not(tmp_path):
    """A writer waits for another writer instead of failing when its read turns into a write;
    a reader reads beside a writer, and cannot write."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    engine, other = make_engine(url), make_engine(url)
    with session_scope(engine) as s:
        s.add(Platform(code="demo", name="演示商城", base_url=""))
    with session_scope(other) as writing:
        writing.add(Platform(code="other", name="other", base_url=""))
        writing.flush()  # holds the write lock until the block ends
        with session_scope(engine, read_only=True) as reading:  # does not wait
            assert reading.scalars(select(Platform.code)).all() == ["demo"]
        started = []

        def write() -> None:
            with session_scope(engine) as s:
                started.append(s.scalars(select(Platform.code).order_by(Platform.id)).all())
                s.get_one(Platform, 1).name = "改名"

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(0.3)
        assert started == []  # waiting for the lock, before its first read
    thread.join(5)
    assert started == [["demo", "other"]]  # it read after the other writer committed
    with session_scope(engine, read_only=True) as s:
        assert s.get_one(Platform, 1).name == "改名"
    with pytest.raises(OperationalError, match="readonly database"):
        with session_scope(engine, read_only=True) as s:
            s.add(Platform(code="x", name="x", base_url=""))
    with session_scope(engine) as s:  # the same pooled connection writes again
        s.add(Platform(code="y", name="y", base_url=""))
    engine.dispose()
    other.dispose()


def test_read_only_sessions_on_postgresql_cannot_write(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    with session_scope(engine, read_only=True) as s:
        assert s.execute(text("SHOW transaction_read_only")).scalar() == "on"
    with session_scope(sessions(engine), read_only=True) as s:
        assert s.execute(text("SHOW transaction_read_only")).scalar() == "on"
    with session_scope(engine) as s:
        assert s.execute(text("SHOW transaction_read_only")).scalar() == "off"
    engine.dispose()


def test_two_upgrades_of_a_new_sqlite_file_at_once_both_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    errors: list[BaseException] = []

    def run() -> None:
        try:
            upgrade(make_engine(url))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert current_revision(make_engine(url)) == head_revision()


def test_read_only_engines_create_no_file(tmp_path):
    path = tmp_path / "data" / "w.db"
    with pytest.raises(StoreError) as caught:
        make_engine(f"sqlite:///{path}", create=False)
    assert str(caught.value) == f"no database at {path}: run `wangjian db upgrade` or a sweep first"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://root:hunter2@127.0.0.1/x", "mysql://root:***@127.0.0.1/x"),
        ("oracle+cx_oracle://scott:tiger@h/xe", "oracle://scott:***@h/xe"),
        ("postgre://u@h/x", "postgre://u@h/x"),
    ],
)
def test_unsupported_urls_are_a_store_error(url, shown):
    with pytest.raises(StoreError) as caught:
        make_engine(url)
    assert str(caught.value) == (
        f"unsupported database URL {shown}: wangjian supports sqlite "
        "(sqlite:///path/to/wangjian.db) and postgresql (postgresql://user@host/db)"
    )


def test_unparsable_urls_are_a_store_error_with_the_password_masked():
    with pytest.raises(
        StoreError, match=r"^not a database URL: postgresql://u:\*\*\*@h:x/"
    ) as caught:
        make_engine("postgresql://u:hunter2@h:x/")
    assert "hunter2" not in str(caught.value)


def test_require_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = make_engine(url)
    with pytest.raises(StoreError, match="has no wangjian tables yet: run `wangjian db upgrade`"):
        require_head(engine)
    upgrade(engine, "0001")
    with pytest.raises(StoreError, match="is at schema revision 0001, older than this"):
        require_head(engine)
    upgrade(engine)
    require_head(engine)
    engine.dispose()
