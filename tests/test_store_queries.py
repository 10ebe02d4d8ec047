"""store.queries: sweeps, upserts without duplicates, price history, verdicts and leads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
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
    shop_item,
    stored,
    verdict,
)

from store.db import session_scope
from store.models import (
    Ad,
    Lead,
    LeadStatus,
    Listing,
    Observation,
    RuleHit,
    Shop,
    Sweep,
    SweepStatus,
)
from store.queries import (
    finish_sweep,
    list_leads,
    listings_for_rescore,
    record_verdict,
    set_lead_status,
)


def count(s, model) -> int:
    return s.scalar(select(func.count()).select_from(model))


def test_sweep_starts_running_and_finishes_with_stats(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        assert sweep.status is SweepStatus.running
        assert sweep.platform.name == "演示商城"
        finish_sweep(s, sweep, "interrupted", {"pages": 12})
    with session_scope(db_engine) as s:
        stored = s.scalars(select(Sweep)).one()
        assert stored.status is SweepStatus.interrupted
        assert stored.stats == {"pages": 12}
        assert stored.profile == "spiders/profiles/demo.yaml"
        assert stored.finished_at >= stored.started_at


def test_upserting_twice_never_duplicates(db_engine):
    with session_scope(db_engine) as s:
        for _ in range(2):
            sweep = new_sweep(s)
            stored(s, sweep, shop_item())
            stored(s, sweep, listing_item())
            stored(s, sweep, ad_item())
    with session_scope(db_engine) as s:
        assert [count(s, m) for m in (Shop, Listing, Ad, Sweep)] == [1, 1, 1, 2]
        listing = s.scalars(select(Listing)).one()
        assert listing.shop.external_id == "S007"
        assert listing.last_sweep_id == 2


def test_a_listing_names_its_shop_before_the_shop_page_is_fetched(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        listing = stored(s, sweep, listing_item())
        assert listing.shop.fetched_at is None
        assert listing.shop.url == f"{BASE}/shop/S007"
        shop = stored(s, sweep, shop_item())
        assert shop.id == listing.shop_id
        assert shop.fetched_at == T0
        assert count(s, Shop) == 1


def test_a_chinese_listing_round_trips(db_engine):
    with session_scope(db_engine) as s:
        stored(s, new_sweep(s), listing_item(price=12.1))
    with session_scope(db_engine) as s:
        listing = s.scalars(select(Listing)).one()
        assert listing.title == "野生穿山甲片 正品保真"
        assert listing.ship_from == "湖北 鄂州"
        assert listing.price == Decimal("12.10")
        assert listing.original_price == Decimal("199.00")
        assert listing.page_sha256 == listing_item().page.sha256
        assert listing.first_seen == listing.last_seen == listing.fetched_at == T0


def test_shop_facts_and_uscc_check(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        good = stored(s, sweep, shop_item())
        assert (good.uscc_valid, good.permits, good.categories) == (
            True,
            ["食品经营许可证"],
            ["中药材", "保健食品"],
        )
        assert stored(s, sweep, shop_item(uscc=BAD_USCC)).uscc_valid is False
        assert stored(s, sweep, shop_item(uscc=None)).uscc_valid is None


def test_observations_accumulate_one_per_sweep(db_engine):
    prices = [(T0, 120.0), (T0 + timedelta(days=2), 89.0), (T0 + timedelta(days=5), 99.0)]
    with session_scope(db_engine) as s:
        for at, price in prices:
            sweep = new_sweep(s)
            stored(s, sweep, listing_item(price=price, at=at))
            # Seen twice in one sweep: the later sighting replaces the first.
            stored(s, sweep, listing_item(price=price, at=at))
        stored(s, new_sweep(s), listing_item(price=None, at=T0 + timedelta(days=6)))
    with session_scope(db_engine) as s:
        listing = s.scalars(select(Listing)).one()
        observed = s.execute(
            select(Observation.observed_at, Observation.price).order_by(
                Observation.observed_at
            )
        ).all()
        # A sighting without a price is a sighting: kept, with its title, price NULL.
        assert observed == [(at, Decimal(f"{price:.2f}")) for at, price in prices] + [
            (T0 + timedelta(days=6), None)
        ]
        assert listing.price is None
        titles = s.scalars(select(Observation.title)).all()
        assert titles == [listing.title] * 4


def test_record_verdict_replaces_hits_and_keeps_one_lead_per_category(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        listing = stored(s, sweep, listing_item())
        first = record_verdict(
            s,
            sweep,
            listing,
            verdict(hit(), hit("fake_promotion", "正品保真", 7, "genuine")),
            when=T0,
        )
        assert sorted(lead.category for lead in first) == ["fake_promotion", "wildlife"]
        set_lead_status(s, first[0].id, "verified", by="tester")
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        listing = stored(s, sweep, listing_item())
        later = T0 + timedelta(days=1)
        # Re-scored: only wildlife fires now, with a different hit.
        again = record_verdict(s, sweep, listing, verdict(hit(matched="甲片", start=4)), when=later)
        assert [lead.category for lead in again] == ["wildlife"]
    with session_scope(db_engine) as s:
        assert s.scalars(select(RuleHit.matched)).all() == ["甲片"]
        leads = {lead.category: lead for lead in s.scalars(select(Lead))}
        assert sorted(leads) == ["fake_promotion", "wildlife"]
        assert leads["wildlife"].first_seen == T0
        assert leads["wildlife"].last_seen == later
        assert leads["wildlife"].last_sweep_id == 2
        assert leads["fake_promotion"].last_seen == T0
        assert {lead.status for lead in leads.values()} == {LeadStatus.verified, LeadStatus.new}
        assert leads["wildlife"].score == 10.0
        assert leads["wildlife"].pack_version == "2026.1"
        assert [row.matched for row in list_leads(s, category="wildlife")] == ["甲片"]


def test_leads_on_shops_and_ads_are_unique_too(db_engine):
    with session_scope(db_engine) as s:
        for _ in range(2):
            sweep = new_sweep(s)
            shop = stored(s, sweep, shop_item(uscc=BAD_USCC))
            stored(s, sweep, listing_item(shop_external_id=None))
            ad = stored(s, sweep, ad_item())
            check = hit("license_display", "", -1, "uscc_checksum").model_copy(
                update={"field": "record", "term": "uscc_checksum", "end": -1}
            )
            record_verdict(s, sweep, shop, verdict(check))
            record_verdict(s, sweep, ad, verdict(hit("fake_promotion", "全网最低价", 0)))
            # The ad's region is that of the listing it points to.
            (ad_lead,) = list_leads(s, category="fake_promotion")
            assert (ad_lead.kind, ad_lead.region_code) == ("ad", "420700")
    with session_scope(db_engine) as s:
        assert count(s, Lead) == 2
        assert count(s, RuleHit) == 2
        assert sorted(s.scalars(select(Lead.category))) == ["fake_promotion", "license_display"]


def test_regions_come_from_the_shop_licence_else_from_ship_from(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        listing = stored(s, sweep, listing_item())
        assert listing.ship_from_code == "420700"  # 湖北 鄂州, the shop page not yet seen
        record_verdict(s, sweep, listing, verdict(hit()))
        assert [row.region_code for row in list_leads(s)] == ["420700"]
        # The shop's USCC was issued in 上海市杨浦区: the seller's region wins, leads follow.
        shop = stored(s, sweep, shop_item(uscc=VALID_USCC))
        assert shop.region_code == "310110"
        assert [row.region_code for row in list_leads(s)] == ["310110"]
        # The listing keeps the place it states.
        assert stored(s, sweep, listing_item()).ship_from_code == "420700"


def test_a_rule_hit_needs_exactly_one_target(db_engine):
    with pytest.raises(IntegrityError):
        with session_scope(db_engine) as s:
            sweep = new_sweep(s)
            listing = stored(s, sweep, listing_item())
            shop = listing.shop
            s.add(
                RuleHit(
                    listing_id=listing.id,
                    shop_id=shop.id,
                    **hit().model_dump(),
                    created_at=T0,
                )
            )
            s.flush()


def test_listings_for_rescore_yields_every_listing_in_batches(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        for n in range(7):
            stored(s, sweep, listing_item(external_id=f"L{n:05d}", title=f"商品{n}"))
    with session_scope(db_engine) as s:
        titles = [listing.title for listing in listings_for_rescore(s, batch=3)]
        assert titles == [f"商品{n}" for n in range(7)]
