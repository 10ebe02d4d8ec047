"""Precision and recall per pack on labelled records (each with ``expect``: pack ids)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rules.engine import Scorer


@dataclass
class PackStats:
    """Counts for one pack: a pack is predicted when it reaches its threshold."""

    pack_id: str
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
    packs: dict[str, PackStats]
    records: int = 0
    misses: list[Miss] = field(default_factory=list)

    def render(self) -> str:
        def pct(x: float | None) -> str:
            return "—" if x is None else f"{x * 100:.1f}%"

        head = f"{'规则包':<20} {'TP':>5} {'FP':>5} {'FN':>5} {'TN':>5} {'精确率':>8} {'召回率':>8}"
        lines = [f"样本 {self.records} 条", head]
        for s in self.packs.values():
            lines.append(
                f"{s.pack_id:<20} {s.tp:>5} {s.fp:>5} {s.fn:>5} {s.tn:>5} "
                f"{pct(s.precision):>10} {pct(s.recall):>10}"
            )
        for m in self.misses:
            label = "误报" if m.kind == "fp" else "漏报"
            lines.append(f"  {label} {m.pack_id}: #{m.index} {m.record_id or ''} {m.title}")
        return "\n".join(lines)


def evaluate(scorer: Scorer, records: Iterable[dict[str, Any]]) -> Evaluation:
    """Score labelled records and count hits and misses per pack."""
    stats = {p.id: PackStats(p.id) for p in scorer.packset.packs}
    result = Evaluation(stats)
    for i, raw in enumerate(records):
        expected = set(raw.get("expect") or [])
        record = {k: v for k, v in raw.items() if k != "expect"}
        verdict = scorer.score(record)
        fired = set(verdict.categories)
        result.records += 1
        for pid, s in stats.items():
            if pid in fired and pid in expected:
                s.tp += 1
            elif pid in fired:
                s.fp += 1
                result.misses.append(Miss(verdict.id, i, pid, "fp", str(record.get("title", ""))))
            elif pid in expected:
                s.fn += 1
                result.misses.append(Miss(verdict.id, i, pid, "fn", str(record.get("title", ""))))
            else:
                s.tn += 1
    return result
