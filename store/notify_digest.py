"""The message a sweep sends when it has ended (``crawler.notify``): a Chinese digest read from
the database alone, so that it can be tested without sending anything.

Its first line says how the sweep ended — a sweep that failed, was blocked, stopped early or
reached nothing says so there, and in the title. Then the counts, the changes against the
platform's previous sweep, the new leads at or above a severity by category and region, and
the top ones with the command that shows each. A lead is new when this sweep filed it
(first seen since the sweep started); its severity is that of its strongest rule hit in its
category. Seller text is escaped as on a terminal and kept from reading as a spreadsheet
formula: a digest is pasted into chats, mails and sheets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from rules.labels import category_label, kind_label
from rules.prices import BEIJING
from rules.terminal import escape_controls, shorten
from store.errors import StoreError
from store.export import neutralised
from store.leads import LeadRow, list_leads
from store.models import Lead, RuleHit, Sweep, SweepKind, SweepStatus

#: Severities from the least to the most severe (``rules.record.Severity``).
SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_LABELS = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
#: Leads listed one by one; the others are counted.
TOP = 10
#: Regions named in the by-region line; the others are counted.
TOP_REGIONS = 8
TITLE_WIDTH = 60
UNKNOWN_REGION = "属地未能确定"


@dataclass(frozen=True)
class Digest:
    title: str
    body: str
    ok: bool  # the sweep finished and pages answered: not failed, blocked, interrupted
    leads: int  # new leads at or above the severity


def digest(
    s: Session,
    sweep_id: int,
    min_severity: str = "high",
    top: int = TOP,
    titles: Mapping[str, str] | None = None,
) -> Digest:
    """The digest of sweep ``sweep_id``; ``titles`` are pack titles for custom packs."""
    sweep = s.get(Sweep, sweep_id)
    if sweep is None:
        raise StoreError(f"no sweep with id {sweep_id}")
    if min_severity not in SEVERITIES:
        raise ValueError(f"not a severity: {min_severity!r} (one of {', '.join(SEVERITIES)})")
    stats = sweep.stats or {}
    ok, said, short = _ending(sweep, stats)
    platform = e(f"{sweep.platform.name}（{sweep.platform.code}）")
    rows = list_leads(s, sweep_id=sweep_id, active=True)
    new = [r for r in rows if r.first_seen >= sweep.started_at]
    severity = _severities(s, [r.id for r in new])
    floor = SEVERITIES.index(min_severity)
    serious = [r for r in new if SEVERITIES.index(severity.get(r.id, "low")) >= floor]
    serious.sort(key=lambda r: (-SEVERITIES.index(severity.get(r.id, "low")), -r.score, r.id))
    label = f"“{SEVERITY_LABELS[min_severity]}”及以上"

    title = (
        f"【网监】{platform} 巡查 {sweep.id} {short}："
        f"新线索 {len(new)} 条，{label} {len(serious)} 条"
    )
    lines = [f"巡查 {sweep.id}（{platform}）{said}。", _when(sweep), _counts(stats, rows, new)]
    if ok:
        lines += _changes(s, sweep)
    if not serious:
        lines.append(f"没有{label}的新线索。")
    else:
        by_severity = Counter(severity[r.id] for r in serious)
        shares = [f"{SEVERITY_LABELS[x]} {by_severity[x]}" for x in SEVERITIES if by_severity[x]]
        lines.append(f"{label}的新线索 {len(serious)} 条：" + "，".join(reversed(shares)))
        by_category = Counter(r.category for r in serious)
        lines.append(
            "按类别："
            + "，".join(f"{category_label(c, titles)} {n}" for c, n in by_category.most_common())
        )
        lines.append("按属地：" + _regions(serious))
        lines.append("")
        for number, row in enumerate(serious[:top], 1):
            lines += _lead_lines(number, row, severity[row.id], titles)
        if len(serious) > top:
            lines.append(f"……另有 {len(serious) - top} 条。")
    lines.append("")
    lines.append(f"本次巡查的全部线索：wangjian leads list --sweep {sweep.id}")
    return Digest(title, "\n".join(lines) + "\n", ok, len(serious))


def e(text: str) -> str:
    """Text from the database as a digest may show it: controls escaped, no formula."""
    return str(neutralised(escape_controls(text)))


def _ending(sweep: Sweep, stats: Mapping) -> tuple[bool, str, str]:
    """Whether the sweep ended well, how it ended in a sentence, and in a word (the title)."""
    status = SweepStatus(sweep.status)
    reason = e(str(stats.get("close_reason") or "unknown"))
    if status == SweepStatus.finished:
        warnings = (stats.get("health") or {}).get("warnings") or []
        errors = stats.get("wangjian/errors", 0)
        if warnings:
            said = "已完成，但页面结构可能已变化：" + "；".join(map(e, warnings))
            return True, said, "完成（页面结构可能已变化）"
        if errors:
            return True, f"已完成，{errors} 个页面未能获取或读取", "完成（部分页面失败）"
        return True, "已完成", "完成"
    if status == SweepStatus.unreachable:
        said = "失败：没有一个页面得到响应（网站无法访问或网址有误），什么也没有看到"
        return False, said, "失败"
    if status == SweepStatus.blocked:
        blocked = stats.get("wangjian/blocked", 0)
        return False, f"中止：平台持续拦截（验证码或登录墙，{blocked} 次），结果不完整", "中止"
    if status == SweepStatus.interrupted:
        return False, f"中断（{reason}）：没有扫完，结果不完整", "中断"
    if status == SweepStatus.running:
        return False, "尚未结束", "未结束"
    return False, f"失败（{reason}）", "失败"


def _when(sweep: Sweep) -> str:
    start = sweep.started_at.astimezone(BEIJING)
    line = f"开始于 {start:%Y-%m-%d %H:%M}（北京时间）"
    if sweep.finished_at is not None:
        minutes = (sweep.finished_at - sweep.started_at).total_seconds() / 60
        line += f"，用时 {minutes:.1f} 分钟"
    return line + "。"


def _counts(stats: Mapping, rows: list[LeadRow], new: list[LeadRow]) -> str:
    return (
        f"页面 {stats.get('response_received_count', 0)}，"
        f"商品 {stats.get('wangjian/items/listing', 0)}，"
        f"店铺 {stats.get('wangjian/items/shop', 0)}，"
        f"广告 {stats.get('wangjian/items/ad', 0)}，"
        f"错误 {stats.get('wangjian/errors', 0)}；"
        f"本次命中线索 {len(rows)} 条，其中新线索 {len(new)} 条。"
    )


def _changes(s: Session, sweep: Sweep) -> list[str]:
    """The listings new, changed and vanished since the platform's previous sweep."""
    from store.changes import KIND_LABELS, changes_of

    if sweep.kind != SweepKind.sweep:
        return []
    found = changes_of(s, sweep.id)
    if found.previous_id is None:
        return ["这是该平台的第一次巡查，没有可比较的上一次。"]
    counts = "，".join(
        f"{label.split('（')[0]} {found.count(kind)}"
        for kind, label in KIND_LABELS.items()
        if found.count(kind)
    )
    return [f"与上一次巡查 {found.previous_id} 相比：{counts or '商品没有变化'}。"]


def _severities(s: Session, lead_ids: list[int]) -> dict[int, str]:
    """Lead id -> the severity of its strongest rule hit in its own category."""
    found: dict[int, str] = {}
    if not lead_ids:
        return found
    same_target = or_(
        RuleHit.listing_id == Lead.listing_id,
        RuleHit.shop_id == Lead.shop_id,
        RuleHit.ad_id == Lead.ad_id,
    )
    hits = s.execute(
        select(Lead.id, RuleHit.severity)
        .join(RuleHit, and_(same_target, RuleHit.pack_id == Lead.category))
        .where(Lead.id.in_(lead_ids))
    )
    rank = {name: i for i, name in enumerate(SEVERITIES)}
    for lead_id, severity in hits:
        if rank.get(severity, 0) >= rank.get(found.get(lead_id, "low"), 0):
            found[lead_id] = severity if severity in rank else "low"
    return found


def _regions(rows: list[LeadRow]) -> str:
    counts = Counter(r.region_name or UNKNOWN_REGION for r in rows)
    shown = [f"{name} {n}" for name, n in counts.most_common(TOP_REGIONS)]
    if len(counts) > TOP_REGIONS:
        shown.append(f"等 {len(counts)} 地")
    return "，".join(shown)


def _lead_lines(
    number: int, row: LeadRow, severity: str, titles: Mapping[str, str] | None
) -> list[str]:
    title = str(neutralised(shorten(row.title, TITLE_WIDTH)))
    return [
        f"{number}. [{SEVERITY_LABELS[severity]}] {category_label(row.category, titles)} · "
        f"{kind_label(row.kind)}「{title}」",
        f"   {row.region_name or UNKNOWN_REGION} · 线索 {row.id} · "
        f"查看：wangjian leads show {row.id}",
    ]
