"""store.leads: lead lists filtered by region prefix, category, date and status; summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from store_factories import T0, ad_item, hit, listing_item, new_sweep, shop_item, stored, verdict

from store.db import StoreError, session_scope
from store.leads import LeadRow, SummaryRow, lead_summary, list_leads, set_lead_status
from store.queries import record_verdict

DAY = timedelta(days=1)


@pytest.fixture
def leads_db(db_engine):
    """Five leads: three listings in 鄂城区, 武汉 and 北京, one shop of unknown region, one ad."""
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        shop = stored(s, sweep, shop_item(uscc=None))
        listings = {}
        for external_id, region in (
            ("L00042", "420704"),
            ("L00043", "420100"),
            ("L00044", "110105"),
        ):
            # No ship-from text: the shop stays of unknown region (tests/test_store_regions.py);
            # only the first listing is the shop's, so the others keep the region set here.
            shop_fields = (
                {} if external_id == "L00042" else {"shop_url": None, "shop_external_id": None}
            )
            item = listing_item(external_id, ship_from="", **shop_fields)
            listings[external_id] = stored(s, sweep, item)
            listings[external_id].ship_from_code = region
        ad = stored(s, sweep, ad_item())
        wildlife = verdict(hit(), hit(matched="甲片", start=4), hit(matched="穿山甲片", start=20))
        record_verdict(s, sweep, listings["L00042"], wildlife, when=T0 + DAY)
        promo = verdict(hit("fake_promotion", "全网最低价", 0, "lowest"))
        record_verdict(s, sweep, listings["L00043"], promo, when=T0 + 2 * DAY)
        record_verdict(s, sweep, listings["L00044"], verdict(hit()), when=T0 + 3 * DAY)
        check = hit("license_display", "", -1, "no_uscc").model_copy(update={"term": "no_uscc"})
        record_verdict(s, sweep, shop, verdict(check), when=T0)
        record_verdict(s, sweep, ad, promo, when=T0 + DAY)
    return db_engine


def keys(rows: list[LeadRow]) -> list[tuple[str, str, str]]:
    return [(row.kind, row.external_id, row.category) for row in rows]


def test_all_leads_newest_first_with_what_an_export_needs(leads_db):
    with session_scope(leads_db) as s:
        rows = list_leads(s)
    assert keys(rows) == [
        ("listing", "L00044", "wildlife"),
        ("listing", "L00043", "fake_promotion"),
        ("ad", "P017", "fake_promotion"),
        ("listing", "L00042", "wildlife"),
        ("shop", "S007", "license_display"),
    ]
    first = rows[3]
    assert first == LeadRow(
        id=first.id,
        category="wildlife",
        score=30.0,
        status="new",
        pack_version="2026.1",
        region_code="420704",
        region_name=first.region_name,
        kind="listing",
        platform="demo",
        external_id="L00042",
        url="http://127.0.0.1:8000/item/L00042",
        title="野生穿山甲片 正品保真",
        shop_name="鄂州老字号药材店",
        uscc=None,
        first_seen=T0 + DAY,
        last_seen=T0 + DAY,
        matched="穿山甲片、甲片",
        region_source="listing_ship_from",  # its shop shows no USCC: where it ships from
    )
    assert (rows[2].url, rows[2].title, rows[2].region_code) == (
        "http://127.0.0.1:8000/item/L00042",
        "全网最低价 穿山甲片",
        "420704",
    )
    assert (rows[4].title, rows[4].matched, rows[4].region_code) == (
        "鄂州老字号药材店",
        "no_uscc",
        None,
    )


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("42", ["L00043", "P017", "L00042"]),
        ("420000", ["L00043", "P017", "L00042"]),
        ("4207", ["P017", "L00042"]),
        ("420700", ["P017", "L00042"]),
        ("420704", ["P017", "L00042"]),
        ("4201", ["L00043"]),
        ("11", ["L00044"]),
        ("44", []),
    ],
)
def test_region_is_a_prefix(leads_db, region, expected):
    with session_scope(leads_db) as s:
        assert [row.external_id for row in list_leads(s, region=region)] == expected


def test_a_region_that_is_no_code_is_refused(leads_db):
    with session_scope(leads_db) as s:
        with pytest.raises(StoreError, match="'4' is not a region code"):
            list_leads(s, region="4")
        with pytest.raises(StoreError, match="is not a region code"):
            list_leads(s, region="42%")


def test_since_keeps_leads_seen_at_or_after_it(leads_db):
    with session_scope(leads_db) as s:
        assert keys(list_leads(s, since=T0 + 2 * DAY)) == [
            ("listing", "L00044", "wildlife"),
            ("listing", "L00043", "fake_promotion"),
        ]
        # 04:00 in Beijing is 20:00 UTC the day before: L00043 (08:00 UTC) is earlier.
        beijing = datetime(2026, 11, 4, 4, 0, tzinfo=timezone(timedelta(hours=8)))
        assert [r.external_id for r in list_leads(s, since=beijing)] == ["L00044"]
        assert len(list_leads(s, since=date(2026, 11, 1))) == 5


def test_category_status_and_limit(leads_db):
    with session_scope(leads_db) as s:
        wildlife = list_leads(s, category="wildlife")
        assert [row.external_id for row in wildlife] == ["L00044", "L00042"]
        set_lead_status(s, wildlife[1].id, "referred", by="tester")
    with session_scope(leads_db) as s:
        assert [r.external_id for r in list_leads(s, status="referred")] == ["L00042"]
        assert [r.external_id for r in list_leads(s, category="wildlife", status="new")] == [
            "L00044"
        ]
        assert [r.external_id for r in list_leads(s, limit=2)] == ["L00044", "L00043"]
        with pytest.raises(StoreError, match="no lead with id 999"):
            set_lead_status(s, 999, "dismissed", by="tester")


def test_summary_counts_by_category_and_province(leads_db):
    with session_scope(leads_db) as s:
        summary = lead_summary(s)
    assert [(row.category, row.province_code, row.count) for row in summary] == [
        ("fake_promotion", "420000", 2),
        ("license_display", None, 1),
        ("wildlife", "110000", 1),
        ("wildlife", "420000", 1),
    ]
    assert all(isinstance(row, SummaryRow) for row in summary)


def test_region_names_come_from_the_region_table(leads_db):
    pytest.importorskip("rules.regions", reason="rules.regions not written yet")
    with session_scope(leads_db) as s:
        names = {row.province_code: row.province_name for row in lead_summary(s)}
        assert names == {"420000": "湖北省", "110000": "北京市", None: None}
        rows = list_leads(s, region="420704")
    assert [row.region_name for row in rows] == ["湖北省鄂州市鄂城区", "湖北省鄂州市鄂城区"]


def test_until_rule_score_platform_and_sweep(leads_db):
    with session_scope(leads_db) as s:
        # A date is the whole day (local time); a date and time that moment.
        assert len(list_leads(s, until=date(2026, 11, 4))) == 5
        assert [r.external_id for r in list_leads(s, until=T0 + DAY)] == ["P017", "L00042", "S007"]
        assert [r.external_id for r in list_leads(s, rule="lowest")] == ["L00043", "P017"]
        assert list_leads(s, rule="wildlife.lowest") == []  # a rule of another pack
        assert [r.external_id for r in list_leads(s, min_score=30)] == ["L00042"]
        assert len(list_leads(s, platform="demo")) == 5 and list_leads(s, platform="x") == []
        assert len(list_leads(s, sweep_id=1)) == 5 and list_leads(s, sweep_id=2) == []
        assert lead_summary(s, platform="demo") == lead_summary(s)
        assert lead_summary(s, platform="x") == []
