from __future__ import annotations

from pathlib import Path

from rules.engine import Scorer
from rules.explain import explain, mark
from rules.loader import load_packs

FIXTURES = Path(__file__).parent / "fixtures" / "packs"


def test_mark_context():
    assert mark("正品象牙手镯", 2, 4) == "正品【象牙】手镯"
    assert mark("一二三四五六七八九十正品象牙手镯", 12, 14, context=2) == "…正品【象牙】手镯"


def test_render_shows_fields_hits_and_scores():
    text = explain(Scorer(load_packs(FIXTURES)), "正品 象*牙 手镯").render()
    assert text.splitlines() == [
        "记录类型: listing",
        "标题 (title)",
        "  原文:   正品 象*牙 手镯",
        "  归一化: 正品象牙手镯",
        "命中 (1):",
        "  [fx_wildlife.ivory] 包 fx_wildlife@2026.1.0  严重程度 high  权重 5  途径 词条 (term)",
        "      标题: 正品 【象*牙】 手镯",
        "      词条/模式: 象牙",
        "      依据: 《野生动物保护法》第二十八条",
        "各规则包得分:",
        "  fx_shop (测试：亮照亮证与促销): 0 / 阈值 3  未达阈值",
        "  fx_wildlife (测试：野生动植物): 5 / 阈值 5  达到阈值 → 线索",
        "结论: 是线索  总分 5  类别 fx_wildlife",
    ]


def test_explain_check_hit():
    ex = explain(
        Scorer(load_packs(FIXTURES)), {"kind": "shop", "title": "某店", "licence_present": False}
    )
    assert ex.verdict.categories == ["fx_shop"]
    assert "      记录: 店铺未公示营业执照信息" in ex.render().splitlines()
