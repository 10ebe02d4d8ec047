"""Word boundaries of Chinese text (jieba), so that a term does not fire across two words
(刷单 in 软毛牙刷单支装, 虎骨 in 陶瓷老虎骨碟), and fillers sellers put between a term's characters
(象x牙, 犀之角) taken out.

jieba's dictionary loads on the first text that needs it, mapped from a trie built once
(``rules.wordfreq``: a few milliseconds, where jieba's own load took about 0.5 s); most texts
match no term and never need it. A sweep, which will need it, loads it at once (``preload``).
Segmentation runs on the normalised text, the same text the terms are matched on, without
jieba's HMM (which invents words of unknown characters and would move boundaries between runs).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

_lock = threading.Lock()
_segmenter = None


def _words():
    """jieba's segmentation (``Tokenizer.cut(text, HMM=False)``) on its table mapped from a
    trie built once (``rules.wordfreq``), loaded once a process."""
    global _segmenter
    with _lock:
        if _segmenter is None:
            from rules import wordfreq

            _segmenter = wordfreq.load()
    return _segmenter


def preload() -> None:
    """Load the dictionary in a thread of its own now, for a run that will segment (a
    sweep): its start-up (migrations, packs, the engine) goes on meanwhile, and the first
    text that needs it waits only for what is left."""
    if _segmenter is None:
        threading.Thread(target=_words, name="jieba-load", daemon=True).start()


@lru_cache(maxsize=4096)
def boundaries(text: str) -> frozenset[int]:
    """The offsets of ``text`` where one word ends and the next begins (0 and len included)."""
    edges = {0}
    at = 0
    for word in _words().cut(text):
        at += len(word)
        edges.add(at)
    return frozenset(edges)


def aligned(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` starts and ends on word boundaries."""
    edges = boundaries(text)
    return start in edges and end in edges


#: Dictionary frequency from which a word is an ordinary word or an established name (湘雅 4,
#: 小天鹅 40, 大象 271); rarer entries are mostly variant spellings (川山甲 3, 西角 3).
ORDINARY_FREQ = 4


def dictionary_words() -> Mapping[str, int]:
    """jieba's dictionary: word → frequency (0 for a prefix that is no word)."""
    return _words().FREQ


def is_word(text: str) -> bool:
    """Whether ``text`` is an ordinary word or name of jieba's dictionary."""
    return (_words().FREQ.get(text) or 0) >= ORDINARY_FREQ


# -- fillers -------------------------------------------------------------------------------

_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff]"
#: A filler between two CJK characters: one or two Latin letters (象x牙), a particle that
#: sellers slip into a compound (犀之角, 象の牙), or a stroke character used as a dot (象丶牙,
#: 犀丿角: strokes are CJK characters, so normalisation keeps them).
FILLER_RE = re.compile(rf"(?<={_CJK})(?:[a-z]{{1,2}}|[之の丶丿乀乛亅])(?={_CJK})")


@dataclass(frozen=True, slots=True)
class Defilled:
    """A text with its fillers taken out; ``index[i]`` is the position in the text given."""

    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.index[start], self.index[end - 1] + 1


def defilled(text: str) -> Defilled | None:
    """``text`` without fillers, or None when it holds none."""
    fillers = [m.span() for m in FILLER_RE.finditer(text)]
    if not fillers:
        return None
    kept, index, at = [], [], 0
    for start, end in fillers:
        kept.append(text[at:start])
        index.extend(range(at, start))
        at = end
    kept.append(text[at:])
    index.extend(range(at, len(text)))
    return Defilled("".join(kept), tuple(index))
