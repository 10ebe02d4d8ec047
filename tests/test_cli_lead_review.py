"""Working a lead: `leads mark` keeps who, when and why, the custody log records it, and
`leads show` gives the lead with its hits in context, legal basis, region and history."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from store_factories import (
    T0,
    VALID_USCC,
    hit,
    listing_item,
    new_sweep,
    shop_item,
    stored,
    verdict,
)

from cli import main
from store.db import session_scope
from store.models import LeadEvent
from store.queries import record_verdict

BASIS = "《野生动物保护法》第二十八条"
TITLE = "老象 牙手镯 \x1b]8;;http://x\x07点我\x1b]8;;\x07 实心"


@pytest.fixture
def a_lead(db_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("WANGJIAN_DATA_DIR", str(tmp_path / "data"))
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        item = listing_item(
            "L1", at=T0, title=TITLE, ship_from="湖北 鄂州", shop_url=None, shop_external_id=None
        )
        listing = stored(s, sweep, item)
        ivory = hit("wildlife", "象 牙", 1, "wildlife.ivory")
        found = verdict(ivory.model_copy(update={"legal_basis": BASIS}))
        (lead,) = record_verdict(s, sweep, listing, found, when=T0)
        lead_id = lead.id
    return db_engine.url.render_as_string(hide_password=False), lead_id, tmp_path / "data"


def run(url: str, *args: str):
    return CliRunner().invoke(main, [*args, "--database-url", url])


def test_a_status_change_keeps_who_when_and_why_and_is_in_the_custody_log(a_lead, db_engine):
    url, lead_id, data = a_lead
    done = run(
        url, "leads", "mark", str(lead_id), "已移送", "--note", "移交鄂州市局", "--by", "张三"
    )
    assert done.exit_code == 0, done.output
    assert done.output == f"线索 {lead_id} 状态已改为「已移送」（张三）\n"
    with session_scope(db_engine, read_only=True) as s:
        (event,) = s.query(LeadEvent).all()
        assert (event.by, event.from_status, event.to_status, event.note) == (
            "张三",
            "new",
            "referred",
            "移交鄂州市局",
        )
    (line,) = (data / "evidence" / "custody.jsonl").read_text(encoding="utf-8").splitlines()
    logged = json.loads(line)
    assert (logged["action"], logged["by"]) == ("referral", "张三")
    assert logged["what"]["changes"] == [
        {"lead": lead_id, "from": "new", "to": "referred", "note": "移交鄂州市局"}
    ]
    assert run(url, "evidence", "verify").exit_code == 0


def test_show_gives_the_hit_in_its_text_the_basis_the_region_and_the_history(a_lead):
    url, lead_id, _ = a_lead
    assert run(url, "leads", "mark", str(lead_id), "verified", "--by", "李四").exit_code == 0
    done = run(url, "leads", "show", str(lead_id))
    assert done.exit_code == 0, done.output
    out = done.output
    assert "\x1b" not in out and "\x07" not in out  # seller text shown, never acted on
    assert "标题: 老【象 牙】手镯 \\x1b]8;;http://x\\x07点我" not in out
    assert "…老【象 牙】手镯 \\x1b]8;;http://x\\x07点我" in out
    assert "属地: 420700 湖北省鄂州市（依据：商品发货地「湖北 鄂州」）" in out
    assert f"    依据: {BASIS}" in out
    assert "李四  待核查 → 已核查" in out
    assert "价格记录:" in out


def test_a_bad_status_or_lead_changes_nothing(a_lead, db_engine):
    url, lead_id, data = a_lead
    done = run(url, "leads", "mark", str(lead_id), "已结案")
    assert done.exit_code == 2 and "'已结案' is not a lead status" in done.output
    done = run(url, "leads", "mark", str(lead_id), "999", "dismissed")
    assert done.exit_code == 2 and "no lead with id 999" in done.output
    with session_scope(db_engine, read_only=True) as s:
        assert s.query(LeadEvent).count() == 0  # all or none: lead 1 was not changed either
    assert not (data / "evidence" / "custody.jsonl").exists()
    # The old name still works.
    assert run(url, "leads", "status", str(lead_id), "dismissed").exit_code == 0


ADDRESS = "湖北省鄂州市华容区庙岭镇新港路1号"


@pytest.fixture
def placed_by_address(db_engine, tmp_path, monkeypatch):
    """A shop whose USCC fails its check and whose licence shows a 住所 in 鄂州 华容区, with
    a listing that ships from 深圳: the seller's own address places both leads."""
    monkeypatch.setenv("WANGJIAN_DATA_DIR", str(tmp_path / "data"))
    bad = VALID_USCC[:-1] + ("X" if VALID_USCC[-1] != "X" else "Y")
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        item = shop_item(uscc=bad).model_copy(update={"licence_address": ADDRESS})
        shop = stored(s, sweep, item)
        check = hit("license_display", "", -1, "uscc_valid").model_copy(update={"field": "record"})
        (shop_lead,) = record_verdict(s, sweep, shop, verdict(check), when=T0)
        listing = stored(s, sweep, listing_item("L1", at=T0, ship_from="广东 深圳"))
        (listing_lead,) = record_verdict(s, sweep, listing, verdict(hit()), when=T0)
        # A listing of a shop nothing of its own places: its own ship-from.
        other = listing_item(
            "L2", at=T0, ship_from="湖北 鄂州", shop_url=None, shop_external_id=None
        )
        (other_lead,) = record_verdict(s, sweep, stored(s, sweep, other), verdict(hit()), when=T0)
        ids = shop_lead.id, listing_lead.id, other_lead.id
    return db_engine.url.render_as_string(hide_password=False), ids


def test_show_says_the_licence_address_placed_a_seller_whose_uscc_fails(placed_by_address):
    url, (shop_lead, listing_lead, other_lead) = placed_by_address
    basis = f"属地: 420703 湖北省鄂州市华容区（依据：店铺营业执照住所「{ADDRESS}」）"
    for lead_id in (shop_lead, listing_lead):
        done = run(url, "leads", "show", str(lead_id))
        assert done.exit_code == 0, done.output
        assert basis in done.output
        assert "校验失败" in done.output
    done = run(url, "leads", "show", str(other_lead))
    assert "属地: 420700 湖北省鄂州市（依据：商品发货地「湖北 鄂州」）" in done.output


@pytest.mark.parametrize(
    "region,expected",
    [
        ("42", {0, 1, 2}),
        ("420000", {0, 1, 2}),
        ("4207", {0, 1, 2}),
        ("420700", {0, 1, 2}),
        ("420703", {0, 1}),  # 华容区: where the address places the seller
        ("420704", set()),
        ("44", set()),  # not where the listing ships from: its seller is placed by its licence
    ],
)
def test_leads_list_region_by_province_city_and_county(placed_by_address, region, expected):
    url, ids = placed_by_address
    done = run(url, "leads", "list", "--region", region, "--format", "json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.output)
    assert {r["id"] for r in rows} == {ids[i] for i in expected}, done.output
    for r in rows:
        placed = r["id"] != ids[2]
        source = "licence_address" if placed else "listing_ship_from"
        assert (r["region_code"], r["region_source"]) == (
            "420703" if placed else "420700",
            source,
        )
