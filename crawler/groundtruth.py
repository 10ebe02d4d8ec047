"""Compare a sweep's leads with what the demo marketplace knows it contains.

Truth and findings are both ``{(kind, external_id): {pack ids}}``; a target the sweep never
reached counts as missed for every category its truth holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Key = tuple[str, str]


@dataclass
class CategoryScore:
    category: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Comparison:
    by_category: dict[str, CategoryScore] = field(default_factory=dict)
    missed: list[tuple[Key, str]] = field(default_factory=list)
    false: list[tuple[Key, str]] = field(default_factory=list)

    def total(self) -> CategoryScore:
        total = CategoryScore("all")
        for score in self.by_category.values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
        return total


def compare(
    truth: Mapping[Key, Iterable[str]], found: Mapping[Key, Iterable[str]]
) -> Comparison:
    result = Comparison()

    def score(category: str) -> CategoryScore:
        return result.by_category.setdefault(category, CategoryScore(category))

    for key in sorted(set(truth) | set(found)):
        expected, got = set(truth.get(key, ())), set(found.get(key, ()))
        for category in sorted(expected & got):
            score(category).tp += 1
        for category in sorted(got - expected):
            score(category).fp += 1
            result.false.append((key, category))
        for category in sorted(expected - got):
            score(category).fn += 1
            result.missed.append((key, category))
    return result
