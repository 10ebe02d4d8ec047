"""The benign baseline: real product titles nobody wrote for us, scored by the shipped packs.

Every lead they open must be listed, with the reason it is defensible, in
``tests/data/known_flags.yaml`` (reviewed by a person, the way Sigma's goodlog run guards its
rules); ``scripts/review_flags.py`` prints the entries a pack change adds.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

KNOWN_FLAGS = Path("tests/data/known_flags.yaml")
TITLE_FILES = (
    ("product_titles/taobao_titles_jie2019.csv", "title"),
    ("product_titles/taobao_search_2018/taobao_search_zhimahu_items.csv", "raw_title"),
)


def reference_titles(reference: Path) -> list[str]:
    """Every distinct real title of the reference sets, in file order."""
    titles: dict[str, None] = {}
    for name, column in TITLE_FILES:
        with (reference / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row[column].strip():
                    titles[row[column]] = None
    return list(titles)


def flags_of(scorer, titles: list[str]) -> dict[str, set[str]]:
    """The titles that are leads, with the categories they are leads in."""
    flags = {}
    for title in titles:
        verdict = scorer.score(title)
        if verdict.lead:
            flags[title] = set(verdict.categories)
    return flags


def known_flags(path: Path) -> dict[str, dict]:
    """The reviewed entries by title: categories (sorted) and reason."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {
        e["title"]: {"categories": sorted(e["categories"]), "reason": e.get("reason") or ""}
        for e in entries
    }
