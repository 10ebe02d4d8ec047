"""The phonetic channel: toneless pinyin of a normalised text, to catch 穿山jia and 川山甲.

Each normalised character contributes a chunk: a CJK character its default reading (pypinyin,
toneless, ü written v), anything else itself. A match must start and end on syllable boundaries:
the edges of CJK chunks, and inside runs of Latin letters the points where the run splits into
valid pinyin syllables, so "xiaoqi" is not found inside "xiaoqing".
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rules.normalize import Normalized, is_cjk


def _pinyin_dict() -> dict[int, str]:
    """pypinyin's single-character table (code point → readings, the default first).

    Read from its JSON file without importing the package: ``import pypinyin`` loads the
    phrase dictionary and trains a segmenter (~0.25 s of every start), and a character's
    default reading is the first of its entry either way (lazy_pinyin agrees on all 41,923).
    """
    spec = importlib.util.find_spec("pypinyin")
    for folder in (spec and spec.submodule_search_locations) or []:
        try:
            with open(f"{folder}/pinyin_dict.json", encoding="utf-8") as fp:
                return {int(k): v for k, v in json.load(fp).items()}
        except OSError:
            continue
    from pypinyin.pinyin_dict import pinyin_dict  # a layout without the file

    return pinyin_dict


pinyin_dict = _pinyin_dict()


def toneless(reading: str) -> str:
    """A pinyin reading without tone marks, ü written v (pypinyin's NORMAL style)."""
    spelled = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in spelled if not unicodedata.combining(c))


def _syllables() -> frozenset[str]:
    """Every toneless syllable of pypinyin's dictionary (tone marks dropped, ü written v)."""
    readings: set[str] = set()
    for value in pinyin_dict.values():
        readings.update(value.split(","))
    out = set()
    for reading in readings:
        syl = toneless(reading)
        # Vowel-less interjections (m, ng, hm) would split almost any English word.
        if syl.isascii() and any(v in syl for v in "aeiouv"):
            out.add(syl)
    return frozenset(out)


SYLLABLES = _syllables()
_MAX_SYL = max(len(s) for s in SYLLABLES)


@lru_cache(maxsize=65536)
def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one CJK character; any other character stands for itself."""
    if not is_cjk(ch):
        return ch
    entry = pinyin_dict.get(ord(ch))
    if entry is None:
        return ch
    reading = toneless(entry.split(",", 1)[0])
    return reading if reading.isascii() else ch


def term_pinyin(norm_term: str) -> str:
    return "".join(char_pinyin(c) for c in norm_term)


def _latin_boundaries(run: str) -> set[int]:
    """Inner offsets where ``run`` splits into pinyin syllables on some full segmentation."""
    n = len(run)
    forward = {0}
    for i in range(n):
        if i in forward:
            for j in range(i + 1, min(n, i + _MAX_SYL) + 1):
                if run[i:j] in SYLLABLES:
                    forward.add(j)
    if n not in forward:
        return set()
    backward = {n}
    for j in range(n, 0, -1):
        if j in backward:
            for i in range(max(0, j - _MAX_SYL), j):
                if run[i:j] in SYLLABLES:
                    backward.add(i)
    return forward & backward


@dataclass(frozen=True, slots=True)
class Phonetic:
    """Pinyin of a normalised text; ``index[p]`` is the normalised char behind pinyin pos p."""

    text: str
    index: tuple[int, ...]
    boundaries: frozenset[int]

    def norm_span(self, start: int, end: int) -> tuple[int, int]:
        return self.index[start], self.index[end - 1] + 1


def phonetic(norm: Normalized) -> Phonetic:
    """Build the phonetic channel of a normalised text."""
    parts: list[str] = []
    index: list[int] = []
    bounds: set[int] = {0}
    text = norm.text
    pos = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isascii() and ch.isalpha():
            # A Latin run, cut at places where the seller put separators.
            j = i + 1
            while (
                j < len(text) and text[j].isascii() and text[j].isalpha() and j not in norm.breaks
            ):
                j += 1
            run = text[i:j]
            bounds.update(pos + b for b in _latin_boundaries(run))
            parts.append(run)
            index.extend(range(i, j))
            pos += len(run)
            i = j
        else:
            chunk = char_pinyin(ch)
            parts.append(chunk)
            index.extend([i] * len(chunk))
            pos += len(chunk)
            i += 1
        bounds.add(pos)
    return Phonetic("".join(parts), tuple(index), frozenset(bounds))
