"""Text normalisation shared by terms and records, with a map back to the seller's text.

Sellers evade filters with full-width letters, traditional characters, invisible characters,
emoji and separators between characters (象 牙, 象*牙, 象🐘牙). Records and terms go through the
same function so they compare alike; every normalised character remembers the span of the
original text it came from, so hits can show what the seller actually wrote.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

# Unicode categories dropped from the text: separators, punctuation, symbols (emoji, ★, +),
# control and format characters (zero-width space/joiner, BOM, soft hyphen), enclosing marks
# (keycaps) and private-use icons.
_DROP_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
                              "Sm", "Sc", "Sk", "So", "Cc", "Cf", "Me", "Co", "Cn", "Cs"})
_T2S = opencc.OpenCC("t2s")


def _is_variation_selector(ch: str) -> bool:
    cp = ord(ch)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180D


@lru_cache(maxsize=65536)
def _fold(ch: str) -> str:
    """NFKC + lowercase of one character, with dropped characters removed ('' = dropped)."""
    out = []
    for c in unicodedata.normalize("NFKC", ch).lower():
        if unicodedata.category(c) in _DROP_CATEGORIES or _is_variation_selector(c):
            continue
        out.append(c)
    return "".join(out)


@lru_cache(maxsize=65536)
def _t2s_char(ch: str) -> str:
    return _T2S.convert(ch)


def is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text; ``spans[i]`` is the original (start, end) of normalised char ``i``."""

    original: str
    text: str
    spans: tuple[tuple[int, int], ...]
    #: Normalised positions k where dropped characters stood between text[k-1] and text[k].
    breaks: frozenset[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) covering normalised chars start..end-1."""
        return self.spans[start][0], self.spans[end - 1][1]

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
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    breaks: set[int] = set()
    dropped = False
    for i, ch in enumerate(text):
        if ch.isascii():
            folded = ch.lower() if ch.isalnum() else ""
        else:
            folded = _fold(ch)
        if not folded:
            dropped = True
            continue
        if dropped and chars:
            breaks.add(len(chars))
        dropped = False
        for c in folded:
            chars.append(c)
            spans.append((i, i + 1))
    folded_text = "".join(chars)
    simplified = _T2S.convert(folded_text) if not folded_text.isascii() else folded_text
    if len(simplified) != len(folded_text):
        # A phrase conversion changed the length: convert per character to keep the map exact.
        new_chars: list[str] = []
        new_spans: list[tuple[int, int]] = []
        new_breaks: set[int] = set()
        for c, span, k in zip(chars, spans, range(len(chars)), strict=True):
            if k in breaks:
                new_breaks.add(len(new_chars))
            for s in _t2s_char(c):
                new_chars.append(s)
                new_spans.append(span)
        simplified, spans, breaks = "".join(new_chars), new_spans, new_breaks
    return Normalized(text, simplified, tuple(spans), frozenset(breaks))


def normalize_term(term: str) -> str:
    """The normalised form of a pack term: same function as records, so they compare alike."""
    return normalize(term).text
