from __future__ import annotations

from pathlib import Path

import pytest

from rules.engine import Scorer
from rules.loader import load_packs
from rules.model import Pack, PackSet, Rule

FIXTURES = Path(__file__).parent / "fixtures" / "packs"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_packs(FIXTURES))


def rule_hits(verdict, rule_id):
    return [h for h in verdict.hits if h.rule_id == rule_id]


def test_hit_reports_original_span_and_pack_details(scorer):
    v = scorer.score({"id": "L1", "title": "正品 象*牙 手镯"})
    [h] = v.hits
    assert (h.pack_id, h.pack_version, h.rule_id) == (
        "fx_wildlife",
        "2026.1.0",
        "fx_wildlife.ivory",
    )
    assert (h.field, h.start, h.end, h.matched, h.term, h.via) == (
        "title",
        3,
        6,
        "象*牙",
        "象牙",
        "term",
    )
    assert (h.severity, h.weight) == ("high", 5)
    assert h.legal_basis == "《野生动物保护法》第二十八条"
    assert v.id == "L1"
    assert v.score == 5 and v.lead and v.categories == ["fx_wildlife"]
    assert v.pack_scores == {"fx_shop": 0.0, "fx_wildlife": 5.0}
    assert v.pack_versions == {"fx_shop": "2026.1.0", "fx_wildlife": "2026.1.0"}


def test_term_note_carried(scorer):
    [h] = scorer.score("大熊猫皮").hits
    assert h.note == "国家一级保护野生动物"


def test_traditional_text_hits(scorer):
    [h] = scorer.score("收購 象牙手鐲").hits
    assert h.matched == "象牙"


@pytest.mark.parametrize("title", ["象牙白连衣裙", "象牙塔", "进口象牙果"])
def test_exclusions(scorer, title):
    assert scorer.score(title).hits == []


def test_exclusion_only_covers_its_own_span(scorer):
    [h] = scorer.score("象牙塔旁卖象牙手镯").hits
    assert (h.start, h.end) == (5, 7)
    assert len(scorer.score("象牙手镯").hits) == 1


def test_require_any(scorer):
    assert rule_hits(scorer.score("犀角杯图片欣赏"), "fx_wildlife.trade") == []
    assert len(rule_hits(scorer.score("收购老犀角"), "fx_wildlife.trade")) == 1
    # the co-term counts near the hit, in its own field: not anywhere on a long page
    v = scorer.score({"title": "老犀角", "description": "高价收购"})
    assert rule_hits(v, "fx_wildlife.trade") == []
    far = "老犀角" + "，店铺其他商品包邮" * 3 + "，高价收购"
    assert rule_hits(scorer.score(far), "fx_wildlife.trade") == []


def test_categories_filter(scorer):
    assert (
        rule_hits(
            scorer.score({"title": "治疗糖尿病", "category": "服饰"}), "fx_wildlife.health_food"
        )
        == []
    )
    v = scorer.score({"title": "治疗糖尿病", "category": "保健食品"})
    assert len(rule_hits(v, "fx_wildlife.health_food")) == 1


def test_kinds_and_fields(scorer):
    # fields default to title+description: shop_text is not read by ivory
    hits = scorer.score({"kind": "shop", "title": "某店", "shop_text": "象牙手镯"}).hits
    assert [h for h in hits if h.via != "check"] == []


@pytest.mark.parametrize(
    "title,matched",
    [
        ("穿山jia片", "穿山jia"),
        ("川山甲", "川山甲"),
        ("chuanshanjia", "chuanshanjia"),
        ("chuan shan jia", "chuan shan jia"),
        ("xiao气丸", "xiao气"),
    ],
)
def test_phonetic_hits(scorer, title, matched):
    [h] = rule_hits(scorer.score(title), "fx_wildlife.pangolin")
    assert (h.via, h.matched) == ("phonetic", matched)


def test_phonetic_not_reported_when_term_hit(scorer):
    [h] = rule_hits(scorer.score("穿山甲"), "fx_wildlife.pangolin")
    assert h.via == "term"


def test_two_char_pure_homophone_does_not_fire(scorer):
    # 小气 sounds like the listed 消气 but is written all in characters: too common to report
    assert scorer.score("小气鬼").hits == []
    assert scorer.score("xiaoqing").hits == []


def test_fuzzy_hit(scorer):
    [h] = rule_hits(scorer.score("正品穿山申鳞片"), "fx_wildlife.pangolin")
    assert (h.via, h.matched, h.term) == ("fuzzy", "穿山申鳞片", "穿山甲鳞片")
    assert h.note == "相似度 80"


def test_regex_hit(scorer):
    [h] = scorer.score("猛犸牙雕 摆件").hits
    assert (h.via, h.matched, h.term) == ("regex", "猛犸牙", "猛犸象?牙")


def test_ascii_terms_respect_word_edges(scorer):
    assert [h.matched for h in scorer.score("全网NO.1").hits] == ["NO.1"]
    assert [h.matched for h in scorer.score("A K 4 7 模型").hits] == ["A K 4 7"]
    assert scorer.score("piano 1 钢琴").hits == []
    assert scorer.score("ak470").hits == []


def shop(**kw):
    return {"kind": "shop", "title": "某店", **kw}


@pytest.mark.parametrize(
    "record,rule,note",
    [
        (shop(licence_present=False), "no_licence", "店铺未公示营业执照信息"),
        (
            shop(licence_present=True, licence_image_only=True),
            "licence_image",
            "营业执照仅以图片公示，无可核验文字",
        ),
        (
            shop(licence_present=True, uscc="91310110666007217U"),
            "bad_uscc",
            "统一社会信用代码校验失败：91310110666007217U",
        ),
        (shop(licence_present=True), "bad_uscc", "公示的营业执照信息中没有统一社会信用代码"),
        (
            shop(licence_present=True, uscc="91310110666007217T", category="食品 茶叶"),
            "food_permit",
            "经营食品类目但未公示食品经营许可证",
        ),
        (
            {"title": "某商品", "price": 9.9, "original_price": 100},
            "deep_discount",
            "现价为划线价的 9.9%",
        ),
        (
            {"kind": "ad", "title": "推广", "is_ad": True, "ad_labelled": False},
            "ad_unlabelled",
            '付费推广未标明"广告"',
        ),
    ],
)
def test_checks_fire(scorer, record, rule, note):
    hits = [h for h in scorer.score(record).hits if h.pack_id == "fx_shop"]
    assert [(h.rule_id, h.note, h.via, h.field, h.start) for h in hits] == [
        (f"fx_shop.{rule}", note, "check", "record", -1)
    ]


@pytest.mark.parametrize(
    "record",
    [
        shop(licence_present=True, uscc="91310110666007217T"),
        shop(
            licence_present=True,
            uscc="91310110666007217T",
            category="食品",
            permits=["食品经营许可证"],
        ),
        {"title": "某商品", "price": 50, "original_price": 100},
        {"title": "某商品", "price": 9.9},
        {"kind": "ad", "title": "推广", "is_ad": True, "ad_labelled": True},
        {"kind": "listing", "title": "某商品", "licence_present": False},
    ],
)
def test_checks_pass(scorer, record):
    assert [h for h in scorer.score(record).hits if h.pack_id == "fx_shop"] == []


def test_pack_threshold(scorer):
    v = scorer.score(shop(licence_present=True, licence_image_only=True))
    assert v.pack_scores["fx_shop"] == 1 and v.categories == [] and not v.lead


def test_weights_count_once_per_rule(scorer):
    v = scorer.score("象牙手镯 象牙筷子")
    assert len(v.hits) == 2 and v.pack_scores["fx_wildlife"] == 5


ALPHABET = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土东南西"


def generated_pack(n: int) -> Pack:
    # distinct 4-character terms: three letters of a 30-character alphabet, then 品
    a = len(ALPHABET)
    terms = [
        ALPHABET[i % a] + ALPHABET[i // a % a] + ALPHABET[i // (a * a)] + "品" for i in range(n)
    ]
    rule = Rule(
        id="many", description="生成词条", legal_basis="测试", severity="low", weight=1, terms=terms
    )
    return Pack(
        id="generated",
        version="1",
        title="生成",
        legal_basis="测试",
        owner="测试",
        threshold=1,
        rules=[rule],
    )


def test_one_automaton_for_many_terms():
    packset = load_packs(FIXTURES)
    pack = generated_pack(20000)
    target = pack.rules[0].terms[12345]
    scorer = Scorer(PackSet(packs=packset.packs + [pack]))
    assert scorer.matcher.literal is not None and len(scorer.matcher.literal) > 20000
    v = scorer.score(f"正品 象牙 {target[:2]} {target[2:]}")
    assert [(h.rule_id, h.term) for h in v.hits] == [
        ("fx_wildlife.ivory", "象牙"),
        ("generated.many", target),
    ]


def test_verdict_round_trips_through_json(scorer):
    from rules.record import Verdict

    v = scorer.score({"id": "x", "title": "穿山jia片", "price": 1, "original_price": 100})
    again = Verdict.model_validate_json(v.model_dump_json())
    assert again == v
    assert [(h.rule_id, h.via) for h in again.hits] == [
        ("fx_shop.deep_discount", "check"),
        ("fx_wildlife.pangolin", "phonetic"),
    ]


def test_hits_nested_in_a_longer_hit_of_the_same_rule_are_dropped():
    scorer = Scorer(load_packs())
    hits = [h for h in scorer.score("正品象牙手镯 送象牙").hits if h.rule_id == "wildlife.ivory"]
    assert [(h.start, h.end, h.matched) for h in hits] == [(2, 6, "象牙手镯"), (8, 10, "象牙")]
