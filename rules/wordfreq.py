"""jieba's word-frequency table, memory-mapped from a trie instead of unmarshalled each run.

jieba keeps its dictionary as a dict of every word and every prefix of a word (a prefix that
is no word counts 0), about 500,000 strings: loading it from jieba's marshal cache takes
about 0.5 s of every process that segments, most of a ``wangjian scan``. Here the same table
is built once (with jieba's own ``gen_pfdict``, so the words, prefixes and counts are
jieba's) into a marisa trie and an array of counts, kept in the user's cache directory, and
every later process maps the trie and reads the counts in a few milliseconds.
``Frequencies`` answers what jieba's segmenter asks of its table (``in``, ``[]``, ``get``),
so a ``jieba.Tokenizer`` given it segments exactly as with its own.

The files are named for the dictionary's size and modification time, written under
temporary names and renamed, so concurrent first runs and a jieba upgrade are safe; when the
cache cannot be written the table is built in memory for this process.
"""

from __future__ import annotations

import logging
import os
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path

import marisa_trie

logger = logging.getLogger(__name__)

#: Counts of the table: 64-bit, with jieba's total appended as the last element.
COUNT_TYPE = "q"


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


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wangjian"


def _paths(dictionary: Path) -> tuple[Path, Path]:
    st = dictionary.stat()
    stem = cache_dir() / f"jieba-{st.st_size}-{st.st_mtime_ns}"
    return stem.with_suffix(".marisa"), stem.with_suffix(".counts")


def build(dictionary: Path) -> tuple[marisa_trie.Trie, array, int]:
    """The trie, its counts by key id, and jieba's total, from jieba's own reading."""
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
            (counts + array(COUNT_TYPE, [total])).tofile(f)
        os.replace(tmp_counts, counts_path)  # the counts first: the trie says both are there
        os.replace(tmp_trie, trie_path)
    finally:
        tmp_trie.unlink(missing_ok=True)
        tmp_counts.unlink(missing_ok=True)


def _read(paths: tuple[Path, Path]) -> tuple[marisa_trie.Trie, array, int]:
    trie_path, counts_path = paths
    trie = marisa_trie.Trie()
    trie.mmap(str(trie_path))
    counts = array(COUNT_TYPE)
    size = counts_path.stat().st_size // counts.itemsize
    with counts_path.open("rb") as f:
        counts.fromfile(f, size)
    if size != len(trie) + 1:
        raise ValueError(f"{counts_path}: {size} counts for {len(trie)} words")
    total = counts.pop()
    return trie, counts, total


def load(dictionary: Path) -> tuple[Frequencies, int]:
    """jieba's table of ``dictionary`` and its total: mapped when built before, else built
    (about 2 s) and kept for the next process."""
    paths = _paths(dictionary)
    if paths[0].exists():
        try:
            trie, counts, total = _read(paths)
            return Frequencies(trie, counts), total
        except (OSError, ValueError, RuntimeError) as exc:  # a damaged cache: built again
            logger.warning("rebuilding the word table: %s", exc)
    trie, counts, total = build(dictionary)
    try:
        _write(trie, counts, total, paths)
    except OSError as exc:
        logger.info("word table not cached (%s): built for this process only", exc)
    return Frequencies(trie, counts), total
