"""Text normalisation shared by terms and records, with a map back to the seller's text.

Sellers evade filters with full-width letters, traditional characters, invisible characters,
emoji and separators between characters (象 牙, 象*牙, 象🐘牙). Records and terms go through the
same function so they compare alike; every normalised character remembers the span of the
original text it came from, so hits can show what the seller actually wrote.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import opencc

# Unicode categories dropped from the text: separators, punctuation, symbols (emoji, ★, +),
# control and format characters (zero-width space/joiner, BOM, soft hyphen), enclosing marks
# (keycaps) and private-use icons.
_DROP_CATEGORIES = frozenset(
    {
        "Zs",
        "Zl",
        "Zp",
        "Pc",
        "Pd",
        "Ps",
        "Pe",
        "Pi",
        "Pf",
        "Po",
        "Sm",
        "Sc",
        "Sk",
        "So",
        "Cc",
        "Cf",
        "Me",
        "Co",
        "Cn",
        "Cs",
    }
)
_T2S = opencc.OpenCC("t2s")

#: Emoji that sellers write in place of a character (🐘牙 for 象牙, 🐯骨 for 虎骨, 🪸手串 for
#: 珊瑚手串, 五⭐好评, 返🧧): read as that character where the emoji touches a Chinese character,
#: unless the character itself stands beside it (象🐘牙, 犀🦏角: there the emoji only decorates
#: or separates, and is dropped like any other emoji, as is 🐘 大象 with a space).
REBUS: dict[str, str] = {
    "\U0001f418": "象",  # 🐘
    "\U0001f98f": "犀",  # 🦏
    "\U0001f42f": "虎",  # 🐯
    "\U0001f405": "虎",  # 🐅
    "\U0001f406": "豹",  # 🐆
    "\U0001f43b": "熊",  # 🐻
    "\U0001f422": "龟",  # 🐢
    "\U0001f40d": "蛇",  # 🐍
    "\U0001f98c": "鹿",  # 🦌
    "\U0001f412": "猴",  # 🐒
    "\U0001f435": "猴",  # 🐵
    "\U0001f985": "鹰",  # 🦅
    "\U0001f989": "鸮",  # 🦉
    "\U0001f40a": "鳄",  # 🐊
    "\U0001f99c": "鹦鹉",  # 🦜
    "\U0001fab8": "珊瑚",  # 🪸
    "\u2b50": "星",  # ⭐ (五⭐好评)
    "\U0001f31f": "星",  # 🌟
    "\U0001f9e7": "红包",  # 🧧 (返🧧)
    "\U0001f52b": "枪",  # 🔫
    "\U0001f48a": "药",  # 💊
    "\U0001f6ac": "烟",  # 🚬
    "\U0001f489": "针",  # 💉
    "\U0001f9b7": "牙",  # 🦷 (象🦷)
    "\U0001f52a": "刀",  # 🔪
    "\U0001f426": "鸟",  # 🐦
}

#: A character written as its two components side by side (弓单 for 弹, 木仓 for 枪, 犭句 for
#: 狗): read as the character. Only pairs that are not words or common runs of their own.
SPLITS: dict[str, str] = {
    "弓单": "弹",
    "木仓": "枪",
    "火乍": "炸",
    "火因": "烟",
    "犭句": "狗",
    "犭昔": "猎",
    "艹约": "药",
    "虍几": "虎",
    "立早": "章",
}
_SPLIT_FIRST = frozenset(k[0] for k in SPLITS)

#: Variant and formal characters read as the everyday one: 瑇瑁 is 玳瑁, 蕞好 is 最好, 第壹 第一
#: (the formal numerals that are not also common words: 陆 and 拾 stay).
_VARIANTS: dict[str, str] = {
    "瑇": "玳",
    "蝳": "玳",
    "蕞": "最",
    "冣": "最",
    "壹": "一",
    "贰": "二",
    "貳": "二",
    "叁": "三",
    "柒": "七",
    "捌": "八",
    "玖": "九",
}


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180D


#: Roman numerals are numbers (第Ⅰ, Ⅱ代): NFKC would spell them in Latin letters (i, ii).
_ROMAN = {
    **{chr(0x2160 + k): str(k + 1) for k in range(12)},
    **{chr(0x2170 + k): str(k + 1) for k in range(12)},
}


def _fold(ch: str) -> str:
    """NFKC + lowercase of one character, with dropped characters removed ('' = dropped).

    Latin letters lose their accents, as pinyin written with tone marks does (象yá, xiàng):
    ü is written v, pypinyin's and the sellers' way."""
    if ch in _ROMAN:
        return _ROMAN[ch]
    if ch in _VARIANTS:
        return _VARIANTS[ch]
    out = []
    for c in unicodedata.normalize("NFKC", ch).lower():
        if "\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff":
            base = unicodedata.normalize("NFD", c)
            c = "v" if base.startswith("u\u0308") else base[0]
            if not c.isascii():
                c = unicodedata.normalize("NFKC", ch).lower()  # ø, ß, æ: kept as written
        if unicodedata.category(c) in _DROP_CATEGORIES or _is_variation_selector(c):
            continue
        out.append(c)
    return "".join(out)


# Per-character results, filled as characters are met: a dict lookup is the hot path.
_FOLDED: dict[str, str] = {chr(i): _fold(chr(i)) for i in range(128)}


@lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    return _T2S.convert(ch)


def _rebus(text: str, i: int) -> str:
    """The character an animal emoji stands for, or '' where that character stands beside it."""
    word = REBUS[text[i]]
    before = text[i - 1] if i > 0 else ""
    j = i + 1
    while j < len(text) and _is_variation_selector(text[j]):
        j += 1
    after = text[j] if j < len(text) else ""
    if (before and before == word[-1]) or (after and after == word[0]):
        return ""
    # Only where it takes a character's place: touching a Chinese character (🐘牙, not 🐘 大象).
    return word if (before and is_cjk(before)) or (after and is_cjk(after)) else ""


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (the unified blocks, their extensions, the compatibility block)."""
    cp = ord(ch)
    return 0x3400 <= cp <= 0x9FFF or 0x20000 <= cp <= 0x3134F or 0xF900 <= cp <= 0xFAFF


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text; ``index[i]`` is the original character normalised char ``i`` came from.

    Every normalised character comes from exactly one original character (one original
    character may give several, e.g. ㎏ → kg), so a span maps back as (index[s], index[e-1]+1).
    """

    original: str
    text: str
    index: tuple[int, ...]
    #: Normalised positions k where dropped characters stood between text[k-1] and text[k].
    breaks: frozenset[int]
    #: Where a normalised character came from two original ones (弓单 read 弹): its original
    #: end, so a span ending on it covers both components.
    ends: Mapping[int, int] = field(default_factory=dict)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return tuple((i, i + 1) for i in self.index)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) covering normalised chars start..end-1."""
        return self.index[start], self.ends.get(end - 1, self.index[end - 1] + 1)

    def original_text(self, start: int, end: int) -> str:
        s, e = self.original_span(start, end)
        return self.original[s:e]

    def is_word_edge(self, k: int) -> bool:
        """True unless position k lies inside a run of ASCII letters/digits the seller wrote."""
        if k <= 0 or k >= len(self.text) or k in self.breaks:
            return True
        return not (is_ascii_alnum(self.text[k - 1]) and is_ascii_alnum(self.text[k]))


def normalize(text: str) -> Normalized:
    """Normalise ``text`` (NFKC, lowercase, traditional→simplified, no separators or emoji)."""
    if not text:
        return _EMPTY
    folded = list(map(_FOLDED.get, text))
    if None in folded:
        for i, f in enumerate(folded):
            if f is None:
                if text[i] in REBUS:  # never cached: the reading depends on the neighbours
                    folded[i] = _rebus(text, i)
                else:
                    folded[i] = _FOLDED[text[i]] = _fold(text[i])
    folded_text = "".join(folded)
    if len(folded_text) == len(text) and "" not in folded:
        index: list[int] | range = range(len(text))  # nothing dropped or expanded
        breaks: set[int] = set()
    else:
        index, breaks = [], set()
        dropped = False
        for i, f in enumerate(folded):
            if not f:
                dropped = True
                continue
            if dropped:
                if index:
                    breaks.add(len(index))
                dropped = False
            if len(f) == 1:
                index.append(i)
            else:
                index.extend([i] * len(f))
    simplified = folded_text if folded_text.isascii() else _T2S.convert(folded_text)
    if len(simplified) != len(folded_text):
        # A phrase conversion changed the length: convert per character to keep the map exact.
        new_chars: list[str] = []
        new_index: list[int] = []
        new_breaks: set[int] = set()
        for k, (c, i) in enumerate(zip(folded_text, index, strict=True)):
            if k in breaks:
                new_breaks.add(len(new_chars))
            for s in _t2s_char(c):
                new_chars.append(s)
                new_index.append(i)
        simplified, index, breaks = "".join(new_chars), new_index, new_breaks
    if _SPLIT_FIRST.intersection(simplified) and (split := _join_splits(simplified, index, breaks)):
        return Normalized(text, *split)
    return Normalized(text, simplified, tuple(index), frozenset(breaks))


def _join_splits(
    text: str, index: Sequence[int], breaks: set[int] | frozenset[int]
) -> tuple[str, tuple[int, ...], frozenset[int], dict[int, int]] | None:
    """Read a character written as its components (弓单簧刀 → 弹簧刀), or None where none is.
    The joined character maps to the first component's place in the original and ends after
    the second; a break between the two is dropped."""
    chars: list[str] = []
    new_index: list[int] = []
    new_breaks: set[int] = set()
    ends: dict[int, int] = {}
    k = 0
    while k < len(text):
        if k in breaks:
            new_breaks.add(len(chars))
        joined = SPLITS.get(text[k : k + 2])
        if joined:
            ends[len(chars)] = index[k + 1] + 1
        chars.append(joined or text[k])
        new_index.append(index[k])
        k += 2 if joined else 1
    if not ends:
        return None
    return "".join(chars), tuple(new_index), frozenset(new_breaks), ends


_EMPTY = Normalized("", "", (), frozenset())


def normalize_term(term: str) -> str:
    """The normalised form of a pack term: same function as records, so they compare alike."""
    return normalize(term).text
