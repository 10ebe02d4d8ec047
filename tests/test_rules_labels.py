from __future__ import annotations

from rules.checks import CHECKS
from rules.labels import (
    CATEGORY_LABELS,
    CHECK_LABELS,
    FIELD_LABELS,
    VIA_LABELS,
    category_label,
    check_label,
    field_label,
    hit_label,
    kind_label,
    status_label,
    sweep_status_label,
)
from rules.loader import load_packs
from rules.record import TEXT_FIELDS, Hit


def test_every_registered_check_has_a_label():
    assert set(CHECK_LABELS) == set(CHECKS)


def test_category_labels_are_the_shipped_pack_titles():
    assert CATEGORY_LABELS == {p.id: p.title for p in load_packs().packs}


def test_every_field_and_via_a_hit_can_have_is_labelled():
    assert set(FIELD_LABELS) == {*TEXT_FIELDS, "record"}
    assert set(VIA_LABELS) == set(Hit.model_fields["via"].annotation.__args__)


def test_category_label_prefers_the_loaded_titles():
    assert category_label("wildlife") == "野生动植物及其制品"
    assert category_label("wildlife", {"wildlife": "本地野保"}) == "本地野保"
    assert category_label("my_pack", {"my_pack": "自定义包"}) == "自定义包"
    assert category_label("my_pack", {"other": "别的"}) == "my_pack"
    assert category_label("my_pack") == "my_pack"


def test_hit_label_reads_the_text_or_names_the_check():
    assert hit_label("象 牙", "象牙", "term") == "象 牙"
    assert hit_label("", "象牙", "phonetic") == "象牙"
    assert hit_label("", "uscc_valid", "check") == "统一社会信用代码校验不通过"
    assert hit_label("", "new_check", "check") == "new_check"


def test_helpers_label_known_ids_and_pass_unknown_ones_through():
    assert [kind_label(k) for k in ("listing", "shop", "ad", "search", "page", "x")] == [
        "商品",
        "店铺",
        "广告",
        "搜索页",
        "网页",
        "x",
    ]
    assert (status_label("referred"), status_label("x")) == ("已移送", "x")
    assert (sweep_status_label("interrupted"), sweep_status_label("x")) == ("已中断", "x")
    assert (field_label("shop_text"), field_label("x")) == ("店铺页文字", "x")
    assert (check_label("licence_present"), check_label("x")) == ("未公示营业执照", "x")
