"""jieba's word table mapped from a trie and its segmentation (rules.wordfreq) cut exactly as
jieba's own."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import pytest
from baseline import reference_titles
from reference import REFERENCE

from rules import wordfreq

DICTIONARY = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "wangjian"


@pytest.fixture(scope="module")
def jiebas_own() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    own = jieba.Tokenizer()
    own.initialize()
    return own


def test_jiebas_dictionary_is_found_without_importing_it():
    assert wordfreq.dictionary() == DICTIONARY


def test_the_mapped_table_is_jiebas_table(cache, jiebas_own):
    segmenter = wordfreq.load(DICTIONARY)
    freq, total = segmenter.FREQ, segmenter.total
    assert total == jiebas_own.total and len(freq) == len(jiebas_own.FREQ)
    for word in ("象牙", "象牙白", "老虎", "虎骨", "刷单", "牙刷", "穿山甲", "大熊猫"):
        assert freq.get(word) == jiebas_own.FREQ.get(word)
        assert (word in freq) == (word in jiebas_own.FREQ)
    assert freq["象牙白"] == jiebas_own.FREQ["象牙白"]
    prefix = next(w for w, n in jiebas_own.FREQ.items() if n == 0)  # a prefix, no word
    assert prefix in freq and freq[prefix] == 0
    assert "不是词也不是前缀qq" not in freq and freq.get("不是词也不是前缀qq") is None
    assert 12345 not in freq


EDGES = [
    "",
    "a",
    "iPhone15 Pro Max 256G",  # single Latin letters and digits joined as jieba joins them
    "line one\r\nline two\n\ttabbed  two spaces",  # \r\n one piece, as jieba's split
    "象x牙 犀之角 C++ 3.5% 50ml#&_-",
    "穿山甲" * 300,  # a long run: the path over many words
    "〖官方正品〗￥99.9 🐘牙 ①②③",
]


def test_every_real_title_is_cut_as_jieba_cuts_it(cache, jiebas_own):
    segmenter = wordfreq.load(DICTIONARY)
    titles = reference_titles(REFERENCE)
    assert len(titles) > 5000
    for title in [*titles, *EDGES]:
        assert list(segmenter.cut(title)) == list(jiebas_own.cut(title, HMM=False)), title


def test_jiebas_tokenizer_reads_the_mapped_table_as_its_own(cache, jiebas_own):
    segmenter = wordfreq.load(DICTIONARY)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = segmenter.FREQ, segmenter.total, True
    for title in reference_titles(REFERENCE)[:500]:
        assert list(tokenizer.cut(title, HMM=False)) == list(jiebas_own.cut(title, HMM=False))


def test_a_second_process_maps_what_the_first_built(cache, monkeypatch):
    wordfreq.load(DICTIONARY)
    assert sorted(p.suffix for p in cache.iterdir()) == [".counts", ".marisa"]

    def no_build(dictionary):
        raise AssertionError("built again")

    monkeypatch.setattr(wordfreq, "build", no_build)
    assert wordfreq.load(DICTIONARY).FREQ.get("象牙") > 0


def test_a_damaged_trie_is_built_again(cache, caplog):
    wordfreq.load(DICTIONARY)
    (trie,) = cache.glob("*.marisa")
    trie.write_bytes(trie.read_bytes()[:100_000])  # cut short
    assert list(wordfreq.load(DICTIONARY).cut("软毛牙刷单支装"))[:2] == ["软毛", "牙刷"]
    assert "rebuilding the word table" in caplog.text


def test_a_damaged_cache_is_built_again(cache, caplog):
    wordfreq.load(DICTIONARY)
    (counts,) = cache.glob("*.counts")
    counts.write_bytes(counts.read_bytes()[:1000])  # cut short, as by a full disk
    segmenter = wordfreq.load(DICTIONARY)
    assert "rebuilding the word table" in caplog.text
    assert segmenter.FREQ.get("象牙") > 0 and segmenter.total > 0
    again = wordfreq.load(DICTIONARY)  # and written whole this time
    assert len(again.FREQ) == len(segmenter.FREQ) and "象牙" in list(again.cut("象牙手镯"))


def test_an_unwritable_cache_goes_to_the_temporary_folder_or_to_memory(tmp_path, monkeypatch):
    import tempfile

    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache directory would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    assert list(wordfreq.load(DICTIONARY).cut("软毛牙刷单支装"))[0] == "软毛"
    (kept,) = temp.iterdir()
    assert sorted(p.suffix for p in kept.iterdir()) == [".counts", ".marisa"]

    monkeypatch.setattr(tempfile, "tempdir", str(blocked))  # neither can be written
    assert wordfreq.cache_dirs()[1].parent == blocked
    assert list(wordfreq.load(DICTIONARY).cut("软毛牙刷单支装"))[0] == "软毛"
