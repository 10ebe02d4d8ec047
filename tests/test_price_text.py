"""A reference price the seller wrote into the text (rules/price_text.py)."""

from __future__ import annotations

import pytest

from rules.price_text import stated_original_price


@pytest.mark.parametrize(
    ("texts", "price"),
    [
        (("到手价仅9.9 原价399 真皮钱包",), 399.0),
        (("吊牌价：¥1,299.50 羊毛",), 1299.5),
        (("专柜价 2680元",), 2680.0),
        (("市场价 ￥88",), 88.0),
        ((None, "描述：原价 120"), 120.0),
        (("2024新款 原价399",), 399.0),  # 24新 is a year, not a condition
    ],
)
def test_the_price_after_a_label_is_read(texts, price):
    assert stated_original_price(*texts) == price


@pytest.mark.parametrize(
    "texts",
    [
        ("原价购入 九成新",),  # no number after the label
        ("原价格 公道",),
        ("闲置 原价1299 现价300",),  # second-hand: 原价 is what was paid
        ("95新 原价399",),
        ("原价399", "自用 转让"),
        ("", None),
    ],
)
def test_no_price_or_a_second_hand_one_is_none(texts):
    assert stated_original_price(*texts) is None


def test_the_discount_check_reads_the_title_and_says_so():
    from rules.engine import Scorer

    scorer = Scorer.load()
    verdict = scorer.score({"title": "到手价仅9.9 原价399 真皮钱包", "price": 9.9})
    [hit] = [h for h in verdict.hits if h.rule_id == "fake_promotion.fake_discount"]
    assert hit.note.startswith("现价为标题所写原价的 2.5%"), hit.note
    # A description holds a page's other products too: its 原价 is not the listing's.
    assert not scorer.score(
        {"title": "真皮钱包", "description": "同店推荐 原价399", "price": 9.9}
    ).lead
