"""属地 of a shop that shows no readable licence: placed by where its listings ship from."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from store_factories import (
    BASE,
    VALID_USCC,
    ad_item,
    hit,
    listing_item,
    new_sweep,
    shop_item,
    stored,
    verdict,
)

from store import places
from store.db import session_scope
from store.models import Listing, Shop
from store.queries import list_leads, record_verdict

EZHOU, SHENZHEN, SHANGHAI_YANGPU = "420700", "440300", "310110"


def no_licence(image_only: bool = False):
    item = shop_item(uscc=None)
    return item.model_copy(update={"licence_present": image_only, "licence_image_only": image_only})


def licence_lead(s, sweep, shop):
    check = hit("license_display", "", -1, "no_uscc").model_copy(update={"field": "record"})
    (lead,) = record_verdict(s, sweep, shop, verdict(check))
    return lead


def lead_regions(s) -> dict[int, str | None]:
    """Lead id -> the region a lead list shows for it."""
    return {row.id: row.region_code for row in list_leads(s)}


def regions(s):
    """The shop's stored region, and every lead's region in id order."""
    shop = s.scalars(select(Shop)).one()
    return shop.region_code, [code for _, code in sorted(lead_regions(s).items())]


def test_shop_page_first_then_its_listings_place_it(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        shop = stored(s, sweep, no_licence())
        licence_lead(s, sweep, shop)
        assert shop.region_code is None  # nothing places it yet: 未知属地
        for external_id, ship_from in (
            ("L1", "广东 深圳"),
            ("L2", "湖北 鄂州"),
            ("L3", "湖北鄂州"),
        ):
            listing = stored(s, sweep, listing_item(external_id, ship_from=ship_from))
            record_verdict(s, sweep, listing, verdict(hit()))
        s.expire_all()
        # The first listing placed it, the majority (2 of 3) moved it; the shop's lead
        # followed, each listing's lead is placed by where the listing itself ships from.
        assert regions(s) == (EZHOU, [EZHOU, SHENZHEN, EZHOU, EZHOU])
        # Each listing keeps the place it states.
        codes = s.scalars(select(Listing.ship_from_code).order_by(Listing.id)).all()
        assert codes == [SHENZHEN, EZHOU, EZHOU]


def test_listings_first_then_a_shop_page_without_licence_keeps_their_region(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        stored(s, sweep, listing_item("L1", ship_from="湖北 鄂州"))
        stub = s.scalars(select(Shop)).one()
        assert (stub.fetched_at, stub.region_code) == (None, EZHOU)
        shop = stored(s, sweep, no_licence(image_only=True))
        lead = licence_lead(s, sweep, shop)
        assert lead_regions(s)[lead.id] == EZHOU


def test_a_readable_uscc_outranks_the_listings(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        shop = stored(s, sweep, no_licence())
        listing = stored(s, sweep, listing_item("L1", ship_from="湖北 鄂州"))
        record_verdict(s, sweep, listing, verdict(hit()))
        licence_lead(s, sweep, shop)
        stored(s, sweep, shop_item(uscc=VALID_USCC))
        s.expire_all()
        assert regions(s) == (SHANGHAI_YANGPU, [SHANGHAI_YANGPU] * 2)
        # More listings elsewhere do not move a registered seller.
        stored(s, sweep, listing_item("L2", ship_from="广东 深圳"))
        stored(s, sweep, listing_item("L3", ship_from="广东 深圳"))
        s.expire_all()
        assert regions(s)[0] == SHANGHAI_YANGPU


def test_a_tie_goes_to_the_earliest_listing_and_a_listing_without_ship_from_follows(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        stored(s, sweep, listing_item("L1", ship_from="广东 深圳"))
        stored(s, sweep, listing_item("L2", ship_from="湖北 鄂州"))
        unplaced = stored(s, sweep, listing_item("L3", ship_from=""))
        record_verdict(s, sweep, unplaced, verdict(hit()))
        assert unplaced.ship_from_code is None
        s.expire_all()
        assert regions(s) == (SHENZHEN, [SHENZHEN])


def test_a_listing_without_a_shop_keeps_its_own_ship_from(db_engine):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        item = listing_item("L1", ship_from="湖北 鄂州", shop_external_id=None, shop_url=None)
        record_verdict(s, sweep, stored(s, sweep, item), verdict(hit()))
        unplaced = listing_item("L2", ship_from="", shop_external_id=None, shop_url=None)
        record_verdict(s, sweep, stored(s, sweep, unplaced), verdict(hit()))
        assert sorted(lead_regions(s).values(), key=str) == [EZHOU, None]


def test_places_reads_rules_regions_and_uscc():
    assert places.region_of_place("湖北 鄂州") == EZHOU
    assert places.region_of_place("") is None
    assert places.region_of_uscc(VALID_USCC) == SHANGHAI_YANGPU
    assert places.region_of_uscc(None) is None
    assert places.region_name("420704") == "湖北省鄂州市鄂城区"
    assert places.region_name("999999") is None
    assert places.region_name(None) is None
    assert (places.uscc_is_valid(VALID_USCC), places.uscc_is_valid(None)) == (True, None)


@pytest.mark.parametrize("shop_url", [f"{BASE}/shop/S007", None])
def test_an_ad_seen_before_its_listing_takes_the_listing_region(db_engine, shop_url):
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        ad = stored(s, sweep, ad_item())  # promotes /item/L00042, not stored yet
        s.flush()
        (lead,) = record_verdict(
            s, sweep, ad, verdict(hit(pack="fake_promotion", rule="unlabelled_ad"))
        )
        assert lead_regions(s)[lead.id] is None
        # Ships from 湖北 鄂州; with a shop the region reaches the ad through the shop.
        shop_id = "S007" if shop_url else None
        stored(s, sweep, listing_item("L00042", shop_url=shop_url, shop_external_id=shop_id))
        s.flush()
        assert lead_regions(s)[lead.id] == "420700"


EZHOU_ECHENG = "420704"
ADDRESS = "湖北省鄂州市鄂城区古楼街道滨江路8号"


@pytest.mark.parametrize("how", ["profile", "shop_text"])
def test_a_shop_whose_uscc_fails_is_placed_by_its_licence_address(db_engine, how):
    """USCC where valid, else the licence address (read by the profile, or out of the shop's
    text), else the ship-from place: the source is kept and shown."""
    from store.dossier import lead_dossier

    bad = VALID_USCC[:-1] + ("X" if VALID_USCC[-1] != "X" else "Y")
    item = shop_item(uscc=bad)
    if how == "profile":
        item = item.model_copy(update={"licence_address": ADDRESS})
    else:
        item = item.model_copy(update={"shop_text": f"企业名称：某某商贸有限公司 住所：{ADDRESS}"})
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        shop = stored(s, sweep, item)
        lead = licence_lead(s, sweep, shop)
        # A listing shipping from elsewhere: the seller's own address still places it.
        listing = stored(s, sweep, listing_item("L9", ship_from="广东 深圳"))
        (listing_lead,) = record_verdict(s, sweep, listing, verdict(hit()))
        assert (shop.region_code, shop.region_source) == (EZHOU_ECHENG, "licence_address")
        for prefix in ("42", "4207", "420704"):
            ids = {row.id for row in list_leads(s, region=prefix)}
            assert ids == {lead.id, listing_lead.id}, prefix
        assert list_leads(s, region="4403") == []
        (row,) = [r for r in list_leads(s) if r.id == listing_lead.id]
        assert (row.region_code, row.region_source) == (EZHOU_ECHENG, "licence_address")
        shown = lead_dossier(s, listing_lead.id).render()
        assert (
            f"属地: {EZHOU_ECHENG} 湖北省鄂州市鄂城区（依据：店铺营业执照住所「{ADDRESS}」）"
            in shown
        )


def test_an_invalid_uscc_no_longer_places_a_shop(db_engine):
    bad = VALID_USCC[:-1] + ("X" if VALID_USCC[-1] != "X" else "Y")
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        shop = stored(s, sweep, shop_item(uscc=bad))
        assert (shop.region_code, shop.region_source) == (None, None)
        stored(s, sweep, listing_item("L1", ship_from="湖北 鄂州"))
        s.expire_all()
        shop = s.scalars(select(Shop)).one()
        assert (shop.region_code, shop.region_source) == (EZHOU, "ship_from")
