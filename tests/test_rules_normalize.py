from __future__ import annotations

import pytest

from rules.normalize import normalize, normalize_term
from rules.phonetic import phonetic


@pytest.mark.parametrize(
    "text",
    [
        "象 牙",
        "象*牙",
        "象-牙",
        "象\u200b牙",
        "象🐘牙",
        "象_牙",
        "象.牙",
        "象·牙",
        "象|牙",
        "象/牙",
        "象\\牙",
        "象~牙",
        "象+牙",
        "象\u00ad牙",
        "象\ufeff牙",
        "象\u200d牙",
        "象\ufe0f牙",
        "象★牙",
    ],
)
def test_separator_evasions_collapse_and_map_back(text):
    n = normalize(text)
    assert n.text == "象牙"
    assert n.original_span(0, 2) == (0, len(text))
    assert n.original_text(0, 2) == text


def test_fullwidth_and_case():
    n = normalize("ＡＫ４７步枪")
    assert n.text == "ak47步枪"
    assert n.original_text(0, 4) == "ＡＫ４７"


def test_traditional_to_simplified_keeps_offsets():
    n = normalize("出售 象牙手鐲 頭髮")
    assert n.text == "出售象牙手镯头发"
    assert n.original_text(2, 6) == "象牙手鐲"
    assert n.original_text(6, 8) == "頭髮"


def test_nfkc_expansion_maps_every_char_to_its_source():
    n = normalize("㎏装")  # one original char becomes two
    assert n.text == "kg装"
    assert n.spans == ((0, 1), (0, 1), (1, 2))


def test_terms_and_text_compare_alike():
    assert normalize_term("NO.1") == "no1"
    assert normalize("全网ＮＯ．１").text == "全网no1"


def test_word_edges_for_ascii():
    n = normalize("piano 1")
    assert n.text == "piano1"
    assert n.is_word_edge(5)  # the seller put a space there
    assert not n.is_word_edge(3)


def test_phonetic_channel_and_boundaries():
    p = phonetic(normalize("穿山jia片"))
    assert p.text == "chuanshanjiapian"
    assert {0, 5, 9, 12, 16} <= p.boundaries
    assert p.norm_span(0, 12) == (0, 5)
    q = phonetic(normalize("xiaoqing"))
    assert 6 not in q.boundaries  # "xiaoqi" must not be read into "xiaoqing"


class _Expanding:
    """Stands in for OpenCC with a conversion that changes the length (乾 → 干干)."""

    def convert(self, text: str) -> str:
        return text.replace("乾", "干干")


def test_length_changing_conversion_keeps_the_map(monkeypatch):
    import rules.normalize as nz

    monkeypatch.setattr(nz, "_T2S", _Expanding())
    nz._t2s_char.cache_clear()
    try:
        n = nz.normalize("a 乾-b")
        assert n.text == "a干干b"
        assert n.index == (0, 2, 2, 4)
        assert n.breaks == frozenset({1, 3})
        assert n.original_text(1, 3) == "乾"
    finally:
        nz._t2s_char.cache_clear()


def test_the_syllable_set_is_pypinyins_readings_without_tones():
    # The fast derivation (tone marks dropped by NFD) against pypinyin's own tone converter.
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    from rules.phonetic import SYLLABLES

    readings = {r for value in pinyin_dict.values() for r in value.split(",")}
    toneless = {to_normal(r, v_to_u=False) for r in readings}
    assert SYLLABLES == {s for s in toneless if s.isascii() and any(v in s for v in "aeiouv")}
    assert {"lv", "nve", "zhuang", "er"} <= SYLLABLES and "m" not in SYLLABLES


def test_char_pinyin_is_lazy_pinyins_default_reading_without_its_phrase_tables():
    # Read from the single-character table: the same readings as lazy_pinyin, character by
    # character, and the phrase dictionary (a quarter second at import) never loaded.
    import subprocess
    import sys

    from pypinyin import lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    from rules.phonetic import char_pinyin, is_cjk

    chars = [chr(cp) for cp in sorted(pinyin_dict)[::7] if is_cjk(chr(cp))]
    chars += list("穿山甲绿女略嗯犀象牙")
    assert [char_pinyin(c) for c in chars] == [lazy_pinyin(c, errors="default")[0] for c in chars]
    assert char_pinyin("a") == "a" and char_pinyin("\U0002ffff") == "\U0002ffff"
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, rules.engine; print('pypinyin.phrases_dict' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
