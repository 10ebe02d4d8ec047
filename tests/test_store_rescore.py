"""store.rescore: stored listings, shops and ads scored again with changed packs."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from store_factories import T0, ad_item, listing_item, new_sweep, shop_item, stored

from rules.engine import Scorer
from rules.items import record_of
from rules.loader import load_packs
from store.db import session_scope
from store.leads import list_leads
from store.models import Lead, RuleHit, Sweep, SweepKind, SweepStatus
from store.queries import record_verdict
from store.rescore import LeadChange, rescore

#: The shipped packs' versions, by pack (a pack change bumps its own).
SHIPPED = {pack.id: pack.version for pack in load_packs().packs}
NEW = "2026.11.1"


@pytest.fixture(scope="module")
def shipped() -> Scorer:
    return Scorer(load_packs())


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> Scorer:
    """The shipped packs with wildlife's ivory rule removed and its pangolin rule weighing 8,
    and 银河第一 added to fake_promotion's absolute terms; both versions bumped."""
    folder = tmp_path_factory.mktemp("packs")
    for path in load_packs().sources.values():
        shutil.copy(path, folder)

    def edit(pack_id, change):
        path = folder / f"{pack_id}.yaml"
        pack = yaml.safe_load(path.read_text(encoding="utf-8"))
        pack["version"] = NEW
        change({rule["id"]: rule for rule in pack["rules"]}, pack)
        path.write_text(yaml.safe_dump(pack, allow_unicode=True, sort_keys=False), "utf-8")

    def wildlife(rules, pack):
        pack["rules"] = [rule for rule in pack["rules"] if rule["id"] != "ivory"]
        rules["pangolin"]["weight"] = 8

    edit("wildlife", wildlife)
    edit("fake_promotion", lambda rules, _: rules["absolute_terms"]["terms"].append("银河第一"))
    return Scorer(load_packs(folder))


def items():
    def listing(external_id, title, category):
        return listing_item(
            external_id, title=title, description="", category=category, original_price=None
        )

    return [
        listing("L1", "老象牙手镯 包浆", "饰品"),  # ivory: no longer a lead
        listing("L2", "穿山甲片 下奶", "中药材"),  # pangolin: weighs more
        listing("L3", "银河第一好吃的燕窝", "食品"),  # clean until the new term
        shop_item(uscc=None),  # license_display: its pack did not change
        ad_item(),  # fake_promotion and wildlife (pangolin)
    ]


@pytest.fixture
def swept(db_engine, shipped):
    """The items stored and scored as a sweep with the shipped packs does it."""
    with session_scope(db_engine) as s:
        sweep = new_sweep(s)
        for item in items():
            target = stored(s, sweep, item)
            record_verdict(s, sweep, target, shipped.score(record_of(item)))
    return db_engine


def lead_state(s):
    leads = s.scalars(select(Lead).order_by(Lead.id))
    return [
        (lead.target.external_id, lead.category, lead.score, lead.pack_version, lead.active)
        for lead in leads
    ]


def hit_rows(s):
    rows = s.scalars(select(RuleHit).order_by(RuleHit.id))
    return [(h.id, h.target.external_id, h.rule_id, h.pack_version, h.sweep_id) for h in rows]


def test_rescore_with_changed_packs_reports_and_writes_the_changes(swept, changed):
    report = rescore(swept, changed, batch=2)
    assert report.scored == {"listing": 3, "shop": 1, "ad": 1}
    # The shop's verdict is the same: it is not rewritten.
    assert report.rewritten == {"listing": 3, "shop": 0, "ad": 1}
    key = [(c.kind, c.external_id, c.category, c.score, c.previous_score) for c in report.added]
    assert key == [("listing", "L3", "fake_promotion", 5.0, None)]
    assert [(c.kind, c.external_id, c.category, c.previous_score) for c in report.cleared] == [
        ("listing", "L1", "wildlife", 5.0)
    ]
    changes = [(c.external_id, c.category, c.previous_score, c.score) for c in report.changed]
    # P017 "全网最低价 穿山甲片": 甲片 of the slang rule needs its co-term as a word of its own
    assert changes == [("L2", "wildlife", 15.0, 18.0), ("P017", "wildlife", 10.0, 13.0)]
    assert report.versions_before == {
        "fake_promotion": [SHIPPED["fake_promotion"]],
        "license_display": [SHIPPED["license_display"]],
        "wildlife": [SHIPPED["wildlife"]],
    }
    assert report.versions_after == {
        "fake_promotion": NEW,
        "license_display": SHIPPED["license_display"],
        "prohibited_goods": SHIPPED["prohibited_goods"],
        "price_gouging": SHIPPED["price_gouging"],
        "wildlife": NEW,
    }
    (sweep_id,) = report.sweep_ids
    with session_scope(swept) as s:
        assert lead_state(s) == [
            ("L1", "wildlife", 5.0, SHIPPED["wildlife"], False),  # kept, cleared, as it last fired
            ("L2", "wildlife", 18.0, NEW, True),
            ("S007", "license_display", 5.0, SHIPPED["license_display"], True),
            ("P017", "fake_promotion", 10.0, NEW, True),
            ("P017", "wildlife", 13.0, NEW, True),
            ("L3", "fake_promotion", 5.0, NEW, True),
        ]
        hits = hit_rows(s)
        assert {(target, version, sweep) for _, target, _, version, sweep in hits} == {
            ("L2", NEW, sweep_id),
            ("L3", NEW, sweep_id),
            ("P017", NEW, sweep_id),
            ("S007", SHIPPED["license_display"], 1),  # untouched: still the crawl sweep's hit
        }
        assert "L1" not in {target for _, target, *_ in hits}
        sweep = s.get_one(Sweep, sweep_id)
        assert (sweep.kind, sweep.status) == (SweepKind.rescore, SweepStatus.finished)
        assert sweep.pack_versions == report.versions_after
        assert sweep.stats["leads_cleared"] == 1
        cleared = s.scalars(select(Lead).where(Lead.cleared_at.is_not(None))).one()
        # Dated by the content scored: the listing as it was last seen.
        assert cleared.cleared_at == T0
        assert cleared.last_sweep_id == 1
        active = [(r.external_id, r.category) for r in list_leads(s, active=True)]
        assert ("L1", "wildlife") not in active and len(active) == 5
        (gone,) = list_leads(s, active=False)
        assert (gone.external_id, gone.category, gone.cleared_at) == ("L1", "wildlife", T0)


def test_rescoring_twice_with_the_same_packs_changes_nothing(swept, changed):
    rescore(swept, changed)
    with session_scope(swept) as s:
        leads, hits = lead_state(s), hit_rows(s)
    again = rescore(sessionmaker(swept, expire_on_commit=False), changed)
    assert again.unchanged
    assert again.rewritten == {"listing": 0, "shop": 0, "ad": 0}
    assert again.versions_before == {
        "fake_promotion": [NEW],
        "license_display": [SHIPPED["license_display"]],
        "wildlife": [NEW],
    }
    with session_scope(swept) as s:
        assert (lead_state(s), hit_rows(s)) == (leads, hits)
    assert "线索无变化。" in again.render()


def test_rescore_with_the_packs_of_the_sweep_writes_nothing(swept, shipped):
    with session_scope(swept) as s:
        hits = hit_rows(s)
    report = rescore(swept, shipped)
    assert report.scored == {"listing": 3, "shop": 1, "ad": 1}
    assert report.unchanged and sum(report.rewritten.values()) == 0
    with session_scope(swept) as s:
        assert hit_rows(s) == hits


def test_a_cleared_lead_fires_again_under_the_old_packs(swept, changed, shipped):
    rescore(swept, changed)
    back = rescore(swept, shipped)
    assert [(c.external_id, c.category) for c in back.added] == [("L1", "wildlife")]
    assert [(c.external_id, c.category) for c in back.cleared] == [("L3", "fake_promotion")]
    with session_scope(swept) as s:
        l1 = s.scalars(select(Lead).where(Lead.category == "wildlife")).first()
        assert (l1.listing.external_id, l1.active) == ("L1", True)
        assert l1.pack_version == SHIPPED["wildlife"]


def test_a_shop_page_text_is_kept_and_scored_again(db_engine, changed):
    shop = shop_item().model_copy(update={"shop_text": "银河第一老字号 统一社会信用代码："})
    with session_scope(db_engine) as s:
        stored(s, new_sweep(s), shop)
    report = rescore(db_engine, changed)
    assert [(c.kind, c.category, c.score) for c in report.added] == [
        ("shop", "fake_promotion", 5.0)
    ]


def test_render_and_json(swept, changed):
    report = rescore(swept, changed)
    text = report.render()
    assert text.splitlines()[0] == "重新评分完成：商品 3 件，店铺 1 家，广告 1 条。"
    assert f"  野生动植物及其制品（wildlife）：{SHIPPED['wildlife']} → {NEW}" in text
    assert f"  亮照亮证（license_display）：{SHIPPED['license_display']}（未变）" in text
    assert f"  禁限售商品（prohibited_goods）：（无记录） → {SHIPPED['prohibited_goods']}" in text
    lead_id = report.added[0].lead_id
    added = f"  [线索 {lead_id}] 商品 demo/L3「银河第一好吃的燕窝」"
    assert f"{added} 虚假宣传与违规促销（fake_promotion） 分值 5" in text
    assert "不再命中 1 条（线索保留，已标记不再命中）：" in text
    assert "分值变化 2 条：" in text
    data = report.to_dict()
    assert data["cleared"] == [
        {
            "lead_id": report.cleared[0].lead_id,
            "kind": "listing",
            "platform": "demo",
            "external_id": "L1",
            "title": "老象牙手镯 包浆",
            "category": "wildlife",
            "score": None,
            "previous_score": 5.0,
        }
    ]
    assert data["versions_after"]["wildlife"] == NEW
    assert isinstance(report.added[0], LeadChange)


def test_a_failing_run_marks_its_sweeps_failed(swept, changed):
    class Broken:
        packset = changed.packset

        def score(self, record):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        rescore(swept, Broken())
    with session_scope(swept) as s:
        sweep = s.scalars(select(Sweep).where(Sweep.kind == SweepKind.rescore)).one()
        assert sweep.status is SweepStatus.failed
        assert sweep.finished_at >= T0 + timedelta(days=1)
