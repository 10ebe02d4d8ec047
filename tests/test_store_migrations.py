"""Migrations move databases that hold data, both ways, losing nothing, on both backends."""

from __future__ import annotations

from sqlalchemy import func, select, text
from store_factories import (
    VALID_USCC,
    ad_item,
    hit,
    listing_item,
    new_sweep,
    shop_item,
    stored,
    verdict,
)

from store.db import check, current_revision, downgrade, head_revision, session_scope, upgrade
from store.leads import list_leads
from store.models import Ad, Lead, Listing, Shop, Sweep, SweepKind, SweepStatus
from store.queries import record_verdict


def _fill(engine) -> None:
    with session_scope(engine) as s:
        sweep = new_sweep(s)
        shop = stored(s, sweep, shop_item())
        listing = stored(s, sweep, listing_item(title="野生穿山甲片 正品"))
        s.flush()
        record_verdict(s, sweep, listing, verdict(hit()))
        record_verdict(s, sweep, shop, verdict())


def _counts(engine) -> tuple[int, int, int]:
    with session_scope(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model)) for model in (Shop, Listing, Lead)
        )


def test_down_to_0001_and_up_again_keeps_every_row(db_engine):
    _fill(db_engine)
    before = _counts(db_engine)
    assert before == (1, 1, 1)
    assert downgrade(db_engine, "0001") == "0001"
    with db_engine.connect() as connection:
        titles = connection.execute(text("SELECT title FROM listings")).scalars().all()
    assert titles == ["野生穿山甲片 正品"]
    assert upgrade(db_engine) == head_revision()
    assert _counts(db_engine) == before
    assert check(db_engine) == []
    with session_scope(db_engine) as s:
        assert s.scalars(select(Shop.shop_text)).all() == [""]  # not kept before 0002
        assert s.scalars(select(Lead.cleared_at)).all() == [None]


def test_a_failing_migration_leaves_the_database_as_it_was(db_engine):
    _fill(db_engine)
    downgrade(db_engine, "0001")
    # A column the migration will add already exists: the migration fails part-way.
    with db_engine.begin() as connection:
        connection.execute(text("ALTER TABLE leads ADD COLUMN cleared_at TIMESTAMP"))
    try:
        upgrade(db_engine)
    except Exception:  # noqa: BLE001 - which error the backend raises does not matter here
        pass
    else:
        raise AssertionError("the migration should have failed")
    assert current_revision(db_engine) == "0001"
    with db_engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM shops")).keys()
    assert "shop_text" not in columns  # added before the failure, rolled back with it


def test_0003_derives_regions_and_keeps_them_both_ways(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        shop = stored(s, sweep, shop_item(uscc=VALID_USCC))  # 上海市杨浦区
        listing = stored(s, sweep, listing_item(ship_from="湖北 鄂州"))
        ad = stored(s, sweep, ad_item())  # promotes L00042
        for target in (shop, listing, ad):
            record_verdict(s, sweep, target, verdict(hit()))
        rescored = new_sweep(s)
        rescored.kind = "rescore"
    assert downgrade(db_engine, "0002") == "0002"
    with db_engine.connect() as connection:
        # 0002 kept copies: the listing and every lead carry the seller's region.
        assert connection.execute(text("SELECT region_code FROM listings")).scalars().all() == [
            "310110"
        ]
        leads = connection.execute(text("SELECT region_code FROM leads")).scalars().all()
        assert leads == ["310110"] * 3
        profiles = connection.execute(text("SELECT profile FROM sweeps ORDER BY id")).scalars()
        assert list(profiles)[-1] == "rescore"
    assert upgrade(db_engine) == head_revision()
    assert check(db_engine) == []
    with session_scope(db_engine) as s:
        assert s.scalars(select(Listing.ship_from_code)).all() == ["420700"]
        assert s.scalars(select(Ad.target_external_id)).all() == ["L00042"]
        assert [row.region_code for row in list_leads(s)] == ["310110"] * 3
        kinds = s.scalars(select(Sweep.kind).order_by(Sweep.id)).all()
        assert kinds == [SweepKind.sweep, SweepKind.rescore]


def test_0004_allows_unreachable_sweeps_and_goes_back(db_engine):
    _fill(db_engine)
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        sweep.status = SweepStatus.unreachable
        listing = s.scalars(select(Listing)).one()
        listing.incomplete = "浏览器渲染失败：timeout"
    assert downgrade(db_engine, "0003") == "0003"
    with db_engine.connect() as connection:
        statuses = connection.execute(text("SELECT status FROM sweeps ORDER BY id")).scalars()
        assert list(statuses) == ["running", "finished"]
    with db_engine.begin() as connection:  # the old constraint is back
        try:
            with connection.begin_nested():
                connection.execute(text("UPDATE sweeps SET status = 'unreachable'"))
        except Exception:  # noqa: BLE001 - IntegrityError on both backends
            pass
        else:
            raise AssertionError("0003 must refuse the status unreachable")
    assert upgrade(db_engine) == head_revision()
    assert check(db_engine) == []
    with session_scope(db_engine) as s:
        assert s.scalars(select(Listing.incomplete)).all() == [""]
        s.scalars(select(Sweep)).first().status = SweepStatus.unreachable
    assert _counts(db_engine) == (1, 1, 1)
