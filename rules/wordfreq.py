"""jieba's word-frequency table, memory-mapped from a trie, and jieba's segmentation on it.

jieba keeps its dictionary as a dict of every word and every prefix of a word (a prefix that
is no word counts 0), about 500,000 strings: loading it from jieba's marshal cache takes
about 0.5 s of every process that segments, most of a ``wangjian scan``. Here the same table
is built once (with jieba's own ``gen_pfdict``, so the words, prefixes and counts are
jieba's) into a marisa trie and an array of counts, kept in the user's cache directory, and
every later process maps the trie and reads the counts in a few milliseconds.
``Frequencies`` answers what jieba's segmenter asks of its table (``in``, ``[]``, ``get``),
so a ``jieba.Tokenizer`` given it segments exactly as with its own; ``Segmenter`` is that
segmentation (``Tokenizer.cut(text, HMM=False)``: the most probable path through the words
of the table) without importing jieba, whose import alone (its HMM tables, pkg_resources)
costs about 0.1 s. A test holds it to jieba's own cut on every real title of the reference.

The files are named for their layout and the dictionary's size and modification time,
written under temporary names and renamed, so concurrent first runs and a jieba upgrade are
safe; where the user's cache cannot be written they go to the temporary folder, and where
neither can the table is built in memory for this process.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import tempfile
from array import array
from collections.abc import Iterator, Mapping
from math import log
from pathlib import Path

import marisa_trie

logger = logging.getLogger(__name__)

#: Counts of the table: 64-bit, with jieba's total and its longest word appended.
COUNT_TYPE = "q"
#: The layout of the cached files, in their names: a new layout never reads an old file.
FORMAT = 2
#: jieba's dictionary file, found without importing jieba.
DICTIONARY_NAME = "dict.txt"

# jieba's own expressions (jieba/__init__.py): runs it segments, what it splits the rest at,
# and the characters it joins into one token when the path leaves them single.
_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_SKIP = re.compile("(\r\n|\\s)", re.U)
_ENG = re.compile("[a-zA-Z0-9]", re.U)


class Frequencies(Mapping):
    """jieba's ``FREQ``: word or prefix -> count (0 for a prefix that is no word)."""

    def __init__(self, trie: marisa_trie.Trie, counts: array) -> None:
        self._trie = trie
        self._counts = counts

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._trie

    def __getitem__(self, key: str) -> int:
        return self._counts[self._trie[key]]

    def get(self, key: str, default: int | None = None) -> int | None:
        at = self._trie.get(key)
        return default if at is None else self._counts[at]

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.keys())

    def __len__(self) -> int:
        return len(self._trie)


class Segmenter:
    """jieba's ``Tokenizer.cut(text, HMM=False)`` on the mapped table."""

    def __init__(self, freq: Frequencies, total: int, longest: int) -> None:
        self.FREQ = freq  # noqa: N815 - jieba's name, for what reads it
        self.total = total
        self._longest = longest
        self._trie = freq._trie
        self._counts = freq._counts

    def cut(self, text: str) -> Iterator[str]:
        for block in _HAN.split(text):
            if not block:
                continue
            if _HAN.match(block):
                yield from self._cut_block(block)
                continue
            for piece in _SKIP.split(block):
                if _SKIP.match(piece):
                    yield piece
                else:
                    yield from piece

    def _cut_block(self, block: str) -> Iterator[str]:
        """The most probable words of one run (jieba's get_DAG, calc, __cut_DAG_NO_HMM)."""
        n = len(block)
        trie, counts, longest = self._trie, self._counts, self._longest
        log_total = log(self.total)
        # For each start, the words of the table it begins (their last index and count); a
        # character that begins none stands alone, at jieba's count of 1.
        edges: list[list[tuple[int, int]]] = []
        for k in range(n):
            found = [
                (k + len(word) - 1, counts[at])
                for word, at in trie.iter_prefixes_with_ids(block[k : k + longest])
                if counts[at]
            ]
            edges.append(found or [(k, 1)])
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for i in range(n - 1, -1, -1):
            route[i] = max((log(c) - log_total + route[x + 1][0], x) for x, c in edges[i])
        x, buf = 0, ""
        while x < n:
            y = route[x][1] + 1
            word = block[x:y]
            if len(word) == 1 and _ENG.match(word):
                buf += word
            else:
                if buf:
                    yield buf
                    buf = ""
                yield word
            x = y
        if buf:
            yield buf


def dictionary() -> Path:
    """jieba's dictionary file."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / DICTIONARY_NAME


def cache_dirs() -> list[Path]:
    """Where the table is kept: the user's cache, else (not writable) the temporary folder."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    user = f"wangjian-{os.getuid()}" if hasattr(os, "getuid") else "wangjian"
    return [Path(base) / "wangjian", Path(tempfile.gettempdir()) / user]


def _paths(dictionary: Path, folder: Path) -> tuple[Path, Path]:
    st = dictionary.stat()
    stem = folder / f"jieba-v{FORMAT}-{st.st_size}-{st.st_mtime_ns}"
    return stem.with_suffix(".marisa"), stem.with_suffix(".counts")


def build(dictionary: Path) -> tuple[marisa_trie.Trie, array, int]:
    """The trie, its counts by key id, and jieba's total, from jieba's own reading (the only
    place jieba is imported: once, for the first process)."""
    import jieba

    with dictionary.open("rb") as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    trie = marisa_trie.Trie(freq.keys())
    counts = array(COUNT_TYPE, bytes(len(trie) * array(COUNT_TYPE).itemsize))
    for word, count in freq.items():
        counts[trie[word]] = count
    return trie, counts, total


def _write(trie: marisa_trie.Trie, counts: array, total: int, paths: tuple[Path, Path]) -> None:
    trie_path, counts_path = paths
    trie_path.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".{os.getpid()}.tmp"
    tmp_trie, tmp_counts = (p.with_name(p.name + suffix) for p in paths)
    try:
        trie.save(str(tmp_trie))
        with tmp_counts.open("wb") as f:
            (counts + array(COUNT_TYPE, [total, _longest(trie)])).tofile(f)
        os.replace(tmp_counts, counts_path)  # the counts first: the trie says both are there
        os.replace(tmp_trie, trie_path)
    finally:
        tmp_trie.unlink(missing_ok=True)
        tmp_counts.unlink(missing_ok=True)


def _longest(trie: marisa_trie.Trie) -> int:
    return max(map(len, trie.keys()))


def _read(paths: tuple[Path, Path]) -> tuple[marisa_trie.Trie, array, int, int]:
    trie_path, counts_path = paths
    trie = marisa_trie.Trie()
    trie.mmap(str(trie_path))
    counts = array(COUNT_TYPE)
    size = counts_path.stat().st_size // counts.itemsize
    with counts_path.open("rb") as f:
        counts.fromfile(f, size)
    if size != len(trie) + 2:
        raise ValueError(f"{counts_path}: {size} counts for {len(trie)} words")
    longest, total = counts.pop(), counts.pop()
    return trie, counts, total, longest


def load(path: Path | None = None) -> Segmenter:
    """jieba's segmentation with the table of ``path`` (jieba's dictionary by default):
    mapped when built before, else built (about 2 s) and kept for the next process."""
    path = path or dictionary()
    places = [_paths(path, folder) for folder in cache_dirs()]
    for paths in places:
        if paths[0].exists():
            try:
                trie, counts, total, longest = _read(paths)
                return Segmenter(Frequencies(trie, counts), total, longest)
            except (OSError, ValueError, RuntimeError) as exc:  # damaged: built again
                logger.warning("rebuilding the word table: %s", exc)
    trie, counts, total = build(path)
    for paths in places:
        try:
            _write(trie, counts, total, paths)
            break
        except OSError as exc:
            logger.info("word table not kept in %s: %s", paths[0].parent, exc)
    return Segmenter(Frequencies(trie, counts), total, _longest(trie))
