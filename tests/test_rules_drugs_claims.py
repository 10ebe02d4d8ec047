"""Drugs, claims and absolute terms from real lists (issue: detection that holds on real text):
the drug rules are built from the reference lists (scripts/build_drug_rules.py), a
prescription drug is a lead with an offer to sell it without a prescription and an OTC drug
is not, disease claims on goods that are not drugs are read from the text itself, and
absolute terms are a pattern family."""

from __future__ import annotations

import csv

import pytest
from reference import REFERENCE

from rules.engine import Scorer
from rules.loader import load_packs
from rules.normalize import normalize_term

needs_reference = pytest.mark.skipif(
    not (REFERENCE / "drugs").is_dir(), reason=f"{REFERENCE} is not here"
)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer.load()


def categories(scorer: Scorer, text: str, category: str = "") -> list[str]:
    return scorer.score({"title": text, "category": category}).categories


@pytest.mark.parametrize("drug", ["拉米夫定片", "头孢克洛胶囊", "多西环素", "来曲唑片", "恩替卡韦"])
def test_a_prescription_drug_offered_without_prescription_is_a_lead(scorer, drug):
    assert categories(scorer, f"{drug} 免处方 包邮") == ["prohibited_goods"]
    assert categories(scorer, f"{drug} 无需问诊 直发") == ["prohibited_goods"]
    # The name alone is not: a licensed pharmacy may sell it against a prescription.
    assert categories(scorer, f"{drug} 正品 药店") == []


@pytest.mark.parametrize("otc", ["布洛芬缓释胶囊", "感冒灵颗粒", "维生素C片", "板蓝根颗粒"])
def test_an_otc_drug_is_no_lead_even_without_prescription(scorer, otc):
    assert categories(scorer, f"{otc} 免处方 包邮") == []


@pytest.mark.parametrize(
    "title",
    [
        "美沙酮 口服液 私聊",  # a narcotic
        "米非司酮 秘方药 调经 包邮",  # an abortion drug sold as a secret remedy
        "秘方药 打胎 无痛 快速",
        "华法林钠片 2.5mg 100片",  # on the list of drugs that may not be sold online
        "阿普唑仑片 0.4mg",  # a psychotropic
        "右美沙芬 口服液 止咳",  # controlled since 2025
    ],
)
def test_drugs_that_may_not_be_sold_online_are_leads_alone(scorer, title):
    assert "prohibited_goods" in categories(scorer, title)


@needs_reference
def test_the_drug_rules_hold_the_real_lists():
    pack = next(p for p in load_packs(None).packs if p.id == "prohibited_goods")
    terms = {normalize_term(t.term) for r in pack.rules for t in r.term_specs() if r.terms}
    with (REFERENCE / "drugs" / "prohibited_online_sales_2022.csv").open(encoding="utf-8") as f:
        named = [r["name"] for r in csv.DictReader(f) if r["item_type"] == "generic_name"]
    assert len(named) == 43
    missing = [n for n in named if normalize_term(n) not in terms and n != "雌二醇"]
    assert missing == []  # 雌二醇 is left out: it names cosmetics ingredients too
    with (REFERENCE / "drugs" / "controlled_medical_2025.csv").open(encoding="utf-8") as f:
        medical = [r["name"] for r in csv.DictReader(f)]
    covered = [n for n in medical if normalize_term(n) in terms]
    assert len(covered) >= 100, len(covered)


@pytest.mark.parametrize(
    "title",
    [
        "祖传秘方 膏药 治疗腰间盘突出 一贴见效",
        "降压茶 停药 不反弹",
        "艾灸贴 治疗颈椎病 除根",
        "磁疗鞋垫 降压 根治高血压",
    ],
)
def test_disease_claims_on_goods_that_are_not_drugs_need_no_category(scorer, title):
    for category in ("", "医疗器械", "家居日用"):
        assert "fake_promotion" in categories(scorer, title, category), (title, category)


@pytest.mark.parametrize(
    "title",
    [
        "布洛芬缓释胶囊 治疗头痛 24粒",
        "颈椎按摩仪 家用 热敷",
        "秘制 红烧肉 调料",
        "苦荞茶 清香 袋泡",
    ],
)
def test_drugs_and_plain_goods_without_claims_stay_clean(scorer, title):
    assert "fake_promotion" not in categories(scorer, title)


@pytest.mark.parametrize(
    ("title", "lead"),
    [
        ("全网最大 工厂店 直销", True),
        ("全国最低 批发价", True),
        ("效果 没有之一 面霜", True),
        ("中国第一品牌 空调", True),
        ("行业领先 品质", True),
        ("中国国家地理 第一辑 精装", False),
        ("最权威 老字号", True),  # 最 + an adjective is the law's own form (最高级, 最佳)
        ("最🔥好用的 洗发水", True),
        ("顶级奢华 真丝 四件套", True),
        ("首选 老字号", False),  # a weak form alone needs company
        ("最好 面霜", False),  # 最好 alone: 最好的我们, 最好不要
        ("效果最好 面霜", True),  # a quality said best (adlaw lists: 效果最好)
        ("顶级域名 注册", False),
        ("最近 新款 卫衣", False),
        ("特效 化妆 套装 舞台", False),
    ],
)
def test_absolute_terms_are_a_pattern_family(scorer, title, lead):
    assert ("fake_promotion" in categories(scorer, title)) is lead


def test_a_prescription_drug_from_a_shop_without_pharmacy_licence_is_a_lead(scorer):
    def verdict(permits):
        return scorer.score({"title": "头孢克洛胶囊 0.25g*24粒", "seller_permits": permits})

    assert verdict(["营业执照", "食品经营许可证：JY14201000012345"]).categories == [
        "prohibited_goods"
    ]
    assert verdict(["药品经营许可证：鄂AA0270001"]).categories == []
    assert verdict(None).categories == []  # the shop's page was not read: not known


def test_a_stored_listing_carries_its_shops_permits_once_the_shop_was_read():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from rules.items import record_of

    shop = SimpleNamespace(permits=["食品经营许可证"], fetched_at=datetime.now(UTC))
    row = SimpleNamespace(
        kind="listing",
        external_id="L1",
        title="拉米夫定片",
        description="",
        category="",
        price=None,
        original_price=None,
        shop=shop,
    )
    assert record_of(row).seller_permits == ["食品经营许可证"]
    shop.fetched_at = None
    assert record_of(row).seller_permits is None
