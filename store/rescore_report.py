"""What a rescore changed, for people (Chinese text) and for scripts (``--json``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rules.labels import category_label, kind_label

COUNT_WORDS = {"listing": "件", "shop": "家", "ad": "条"}
KINDS = ("listing", "shop", "ad")


@dataclass(frozen=True)
class LeadChange:
    """One lead that a rescore added, cleared or re-scored."""

    lead_id: int
    kind: str  # listing, shop or ad
    platform: str
    external_id: str
    title: str  # listing title, shop name or ad text
    category: str  # pack id
    score: float | None  # score now; None for a cleared lead
    previous_score: float | None  # score before; None for a lead that was not active


@dataclass
class RescoreReport:
    """Counts and changes of one rescore run.

    ``versions_before`` holds, per pack id, every version found on stored hits and active
    leads before the run (sorted; several when earlier sweeps used different versions);
    ``versions_after`` the versions of the packs scored with.
    """

    scored: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    rewritten: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    added: list[LeadChange] = field(default_factory=list)
    cleared: list[LeadChange] = field(default_factory=list)
    changed: list[LeadChange] = field(default_factory=list)
    versions_before: dict[str, list[str]] = field(default_factory=dict)
    versions_after: dict[str, str] = field(default_factory=dict)
    sweep_ids: list[int] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict, repr=False)  # pack id -> title

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.cleared or self.changed)

    def stats(self) -> dict[str, Any]:
        """The counts, as stored in the rescore sweeps' ``stats``."""
        return {
            "scored": dict(self.scored),
            "rewritten": dict(self.rewritten),
            "leads_added": len(self.added),
            "leads_cleared": len(self.cleared),
            "scores_changed": len(self.changed),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "scored": dict(self.scored),
            "rewritten": dict(self.rewritten),
            "added": [asdict(c) for c in self.added],
            "cleared": [asdict(c) for c in self.cleared],
            "changed": [asdict(c) for c in self.changed],
            "versions_before": {k: list(v) for k, v in self.versions_before.items()},
            "versions_after": dict(self.versions_after),
            "sweep_ids": list(self.sweep_ids),
        }

    def render(self) -> str:
        """The report in Chinese, one change a line."""
        counts = "，".join(f"{kind_label(k)} {self.scored[k]} {COUNT_WORDS[k]}" for k in KINDS)
        lines = [f"重新评分完成：{counts}。", "规则包版本："]
        for pack_id in sorted(set(self.versions_before) | set(self.versions_after)):
            before = "、".join(self.versions_before.get(pack_id, [])) or "（无记录）"
            after = self.versions_after.get(pack_id, "（未加载）")
            arrow = f"{before} → {after}" if before != after else f"{after}（未变）"
            lines.append(f"  {self._category(pack_id)}：{arrow}")
        if self.unchanged:
            lines.append("线索无变化。")
            return "\n".join(lines) + "\n"
        sections = (
            (f"新增线索 {len(self.added)} 条：", self.added, self._added),
            (
                f"不再命中 {len(self.cleared)} 条（线索保留，已标记不再命中）：",
                self.cleared,
                self._cleared,
            ),
            (f"分值变化 {len(self.changed)} 条：", self.changed, self._changed),
        )
        for heading, changes, describe in sections:
            if changes:
                lines.append(heading)
                lines += [f"  {self._target(c)} {describe(c)}" for c in changes]
        return "\n".join(lines) + "\n"

    def _category(self, pack_id: str) -> str:
        title = category_label(pack_id, self.labels)
        return f"{title}（{pack_id}）" if title != pack_id else pack_id

    def _target(self, change: LeadChange) -> str:
        title = change.title if len(change.title) <= 24 else change.title[:23] + "…"
        kind = kind_label(change.kind)
        return f"[线索 {change.lead_id}] {kind} {change.platform}/{change.external_id}「{title}」"

    def _added(self, change: LeadChange) -> str:
        return f"{self._category(change.category)} 分值 {change.score:g}"

    def _cleared(self, change: LeadChange) -> str:
        return f"{self._category(change.category)} 原分值 {change.previous_score:g}"

    def _changed(self, change: LeadChange) -> str:
        return (
            f"{self._category(change.category)} 分值 {change.previous_score:g} → {change.score:g}"
        )


__all__ = ["LeadChange", "RescoreReport"]
