"""Why a text matched: normalised fields, each hit marked in the seller's text, pack scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.engine import Scorer, as_record
from rules.labels import field_label, via_label
from rules.normalize import Normalized
from rules.record import TEXT_FIELDS, Hit, Record, Verdict

CONTEXT = 12  # characters of the original text shown on each side of a hit


def mark(text: str, start: int, end: int, context: int = CONTEXT) -> str:
    """The span in its context, bracketed: …正品【象牙】手镯…"""
    left = max(0, start - context)
    right = min(len(text), end + context)
    return "".join(
        (
            "…" if left > 0 else "",
            text[left:start],
            "【",
            text[start:end],
            "】",
            text[end:right],
            "…" if right < len(text) else "",
        )
    )


@dataclass
class Explanation:
    """Everything an analyst needs to see why a record scored as it did."""

    record: Record
    verdict: Verdict
    fields: dict[str, Normalized]
    thresholds: dict[str, float]
    titles: dict[str, str]

    def hit_context(self, hit: Hit) -> str:
        if hit.field not in self.fields or hit.start < 0:
            return hit.note
        return mark(self.fields[hit.field].original, hit.start, hit.end)

    def render(self) -> str:
        v = self.verdict
        lines = [f"记录类型: {self.record.kind}" + (f"  编号: {v.id}" if v.id else "")]
        for name, norm in self.fields.items():
            if norm.original:
                lines.append(f"{field_label(name)} ({name})")
                lines.append(f"  原文:   {norm.original}")
                lines.append(f"  归一化: {norm.text}")
        lines.append(f"命中 ({len(v.hits)}):" if v.hits else "命中: 无")
        for h in v.hits:
            lines.append(
                f"  [{h.rule_id}] 包 {h.pack_id}@{h.pack_version}  严重程度 {h.severity}  "
                f"权重 {h.weight:g}  途径 {via_label(h.via)} ({h.via})"
            )
            lines.append(f"      {field_label(h.field)}: {self.hit_context(h)}")
            detail = f"      词条/模式: {h.term}"
            if h.note and h.via != "check":
                detail += f"  备注: {h.note}"
            lines.append(detail)
            if h.legal_basis:
                lines.append(f"      依据: {h.legal_basis}")
        lines.append("各规则包得分:")
        for pid, score in v.pack_scores.items():
            threshold = self.thresholds[pid]
            state = "达到阈值 → 线索" if pid in v.categories else "未达阈值"
            lines.append(f"  {pid} ({self.titles[pid]}): {score:g} / 阈值 {threshold:g}  {state}")
        verdict = "是线索" if v.lead else "不是线索"
        cats = "、".join(v.categories) if v.categories else "无"
        lines.append(f"结论: {verdict}  总分 {v.score:g}  类别 {cats}")
        return "\n".join(lines)


def explain(scorer: Scorer, text_or_record: str | Record | dict[str, Any]) -> Explanation:
    """Score a text (as a listing title) or a record and keep what explains the verdict."""
    record = as_record(text_or_record)
    packs = scorer.packset.packs
    return Explanation(
        record=record,
        verdict=scorer.score(record),
        fields=scorer.normalized(record),
        thresholds={p.id: p.threshold for p in packs},
        titles={p.id: p.title for p in packs},
    )


__all__ = ["Explanation", "explain", "mark", "TEXT_FIELDS"]
