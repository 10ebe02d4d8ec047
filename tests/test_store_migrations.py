"""Migrations move databases that hold data, both ways, losing nothing, on both backends."""

from __future__ import annotations

from sqlalchemy import func, select, text
from store_factories import hit, listing_item, new_sweep, shop_item, verdict

from store.db import check, current_revision, downgrade, head_revision, session_scope, upgrade
from store.models import Lead, Listing, Shop
from store.queries import record_verdict, upsert_listing, upsert_shop


def _fill(engine) -> None:
    with session_scope(engine) as s:
        sweep = new_sweep(s)
        shop = upsert_shop(s, sweep, shop_item())
        listing = upsert_listing(s, sweep, listing_item(title="野生穿山甲片 正品"))
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
