"""Precision and recall per pack on labelled records (each with ``expect``: pack ids)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rules.engine import Scorer


@dataclass
class CategoryCounts:
    """Right and wrong calls for one category (a pack id): predicted or not, expected or not.

    Used for the rules on labelled records (``evaluate``) and for a whole sweep against the
    demo marketplace's ground truth (crawler/groundtruth.py). Precision and recall are None
    when nothing was predicted or nothing expected: 100% of nothing would read as a result.
    """

    category: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def count(self, expected: bool, predicted: bool) -> None:
        if predicted and expected:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1

    @classmethod
    def summed(cls, category: str, parts: Iterable[CategoryCounts]) -> CategoryCounts:
        total = cls(category)
        for part in parts:
            total.tp += part.tp
            total.fp += part.fp
            total.fn += part.fn
            total.tn += part.tn
        return total


def percent(value: float | None) -> str:
    """A precision or recall for people: ``66.7%``, or ``—`` when undefined."""
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class Miss:
    """A record the packs got wrong: ``kind`` is "fp" or "fn"."""

    record_id: str | None
    index: int
    pack_id: str
    kind: str
    title: str


@dataclass
class Evaluation:
    packs: dict[str, CategoryCounts]
    records: int = 0
    misses: list[Miss] = field(default_factory=list)

    def render(self) -> str:
        head = f"{'规则包':<20} {'TP':>5} {'FP':>5} {'FN':>5} {'TN':>5} {'精确率':>8} {'召回率':>8}"
        lines = [f"样本 {self.records} 条", head]
        for s in self.packs.values():
            lines.append(
                f"{s.category:<20} {s.tp:>5} {s.fp:>5} {s.fn:>5} {s.tn:>5} "
                f"{percent(s.precision):>10} {percent(s.recall):>10}"
            )
        for m in self.misses:
            label = "误报" if m.kind == "fp" else "漏报"
            lines.append(f"  {label} {m.pack_id}: #{m.index} {m.record_id or ''} {m.title}")
        return "\n".join(lines)


def evaluate(scorer: Scorer, records: Iterable[dict[str, Any]]) -> Evaluation:
    """Score labelled records and count hits and misses per pack."""
    stats = {p.id: CategoryCounts(p.id) for p in scorer.packset.packs}
    result = Evaluation(stats)
    for i, raw in enumerate(records):
        expected = set(raw.get("expect") or [])
        record = {k: v for k, v in raw.items() if k != "expect"}
        verdict = scorer.score(record)
        fired = set(verdict.categories)
        result.records += 1
        for pid, s in stats.items():
            s.count(pid in expected, pid in fired)
            if (pid in fired) != (pid in expected):
                kind = "fp" if pid in fired else "fn"
                result.misses.append(Miss(verdict.id, i, pid, kind, str(record.get("title", ""))))
    return result
