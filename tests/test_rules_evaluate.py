from __future__ import annotations

from pathlib import Path

from rules.engine import Scorer
from rules.evaluate import CategoryCounts, evaluate, percent
from rules.loader import load_packs

FIXTURES = Path(__file__).parent / "fixtures" / "packs"

LABELLED = [
    {"id": "a", "title": "正品象牙手镯", "expect": ["fx_wildlife"]},  # tp
    {"id": "b", "title": "穿山jia片", "expect": ["fx_wildlife"]},  # tp
    {"id": "c", "title": "大象牙刷套装", "expect": []},  # fp (象牙 inside 大象牙刷)
    {"id": "d", "title": "虎骨酒", "expect": ["fx_wildlife"]},  # fn (not in the pack)
    {"id": "e", "title": "象牙白连衣裙", "expect": []},  # tn
    {
        "id": "f",
        "kind": "shop",
        "title": "某店",
        "licence_present": False,
        "expect": ["fx_shop"],
    },  # tp for fx_shop
]


def test_precision_recall_per_pack():
    ev = evaluate(Scorer(load_packs(FIXTURES)), LABELLED)
    w, s = ev.packs["fx_wildlife"], ev.packs["fx_shop"]
    # 大象牙刷套装 reads 大象/牙刷: no 象牙 across the word boundary (once a false positive)
    assert (w.tp, w.fp, w.fn, w.tn) == (2, 0, 1, 3)
    assert (w.precision, w.recall) == (1.0, 2 / 3)
    assert (s.tp, s.fp, s.fn, s.tn) == (1, 0, 0, 5)
    assert (s.precision, s.recall) == (1.0, 1.0)
    assert ev.records == 6
    assert [(m.record_id, m.pack_id, m.kind) for m in ev.misses] == [("d", "fx_wildlife", "fn")]
    table = ev.render()
    assert (
        "fx_wildlife" in table
        and "66.7%" in table
        and "漏报 fx_wildlife: #3 d" in table
    )


def test_undefined_precision_is_none():
    ev = evaluate(Scorer(load_packs(FIXTURES)), [{"title": "普通T恤", "expect": []}])
    assert ev.packs["fx_wildlife"].precision is None
    assert ev.packs["fx_wildlife"].recall is None
    assert "fx_wildlife" in ev.render() and "—" in ev.render()


def test_counts_sum_and_percent():
    a, b = CategoryCounts("a"), CategoryCounts("b")
    for expected, predicted in [(True, True), (False, True), (True, False), (False, False)]:
        a.count(expected, predicted)
    b.count(True, True)
    total = CategoryCounts.summed("all", [a, b])
    assert (total.category, total.tp, total.fp, total.fn, total.tn) == ("all", 2, 1, 1, 1)
    assert (percent(total.precision), percent(total.recall)) == ("66.7%", "66.7%")
    assert percent(None) == "—"
