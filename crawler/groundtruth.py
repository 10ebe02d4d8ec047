"""Compare a sweep's leads with what the demo marketplace knows it contains.

Truth and findings are both ``{(kind, external_id): {pack ids}}``; a target the sweep never
reached counts as missed for every category its truth holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rules.evaluate import CategoryCounts

Key = tuple[str, str]


@dataclass
class Comparison:
    """Counts per category; true negatives are not counted (the truth lists only positives)."""

    by_category: dict[str, CategoryCounts] = field(default_factory=dict)
    missed: list[tuple[Key, str]] = field(default_factory=list)
    false: list[tuple[Key, str]] = field(default_factory=list)

    def total(self) -> CategoryCounts:
        return CategoryCounts.summed("all", self.by_category.values())


def compare(truth: Mapping[Key, Iterable[str]], found: Mapping[Key, Iterable[str]]) -> Comparison:
    result = Comparison()

    def score(category: str) -> CategoryCounts:
        return result.by_category.setdefault(category, CategoryCounts(category))

    for key in sorted(set(truth) | set(found)):
        expected, got = set(truth.get(key, ())), set(found.get(key, ()))
        for category in sorted(expected | got):
            score(category).count(category in expected, category in got)
        result.false += [(key, c) for c in sorted(got - expected)]
        result.missed += [(key, c) for c in sorted(expected - got)]
    return result
