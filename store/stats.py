"""The campaign statistics table (专项行动情况统计表): what a monitoring campaign found and did.

Leads seen in the period, by category, province and platform, with how many were
referred (已移送), dismissed (已排除) and are still open (待核查, 已核查); and the period's
work: sweeps run, pages seen, leads' pages captured as evidence. ``render`` prints it in
Chinese; ``write_xlsx`` writes the same two tables to a workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session
from tabulate import tabulate

from rules.labels import category_label
from store import places
from store.leads import list_leads, since_bound, until_bound
from store.models import Capture, Sweep, SweepKind

HEADINGS = ["类别", "属地（省）", "平台", "线索", "已移送", "已排除", "未办结"]


@dataclass
class StatsRow:
    category: str
    province: str | None
    platform: str
    leads: int = 0
    referred: int = 0
    dismissed: int = 0

    @property
    def open(self) -> int:
        return self.leads - self.referred - self.dismissed


@dataclass
class CampaignStats:
    since: date | datetime | None
    until: date | datetime | None
    rows: list[StatsRow] = field(default_factory=list)
    sweeps: int = 0
    pages: int = 0
    captured: int = 0

    def table(self, titles: dict[str, str] | None = None) -> list[list[object]]:
        lines: list[list[object]] = [
            [
                category_label(r.category, titles),
                places.region_name(r.province) or "未能确定",
                r.platform,
                r.leads,
                r.referred,
                r.dismissed,
                r.open,
            ]
            for r in self.rows
        ]
        totals = [sum(getattr(r, k) for r in self.rows) for k in ("leads", "referred", "dismissed")]
        lines.append(["合计", "", "", *totals, totals[0] - totals[1] - totals[2]])
        return lines

    def work(self) -> list[tuple[str, int]]:
        return [
            ("巡查次数", self.sweeps),
            ("检查页面", self.pages),
            ("固定证据（页）", self.captured),
        ]

    def render(self, titles: dict[str, str] | None = None) -> str:
        when = f"{_day(self.since)} 至 {_day(self.until)}"
        lines = [f"专项行动情况统计表（{when}）", ""]
        lines.append(tabulate(self.table(titles), headers=HEADINGS, disable_numparse=True))
        lines.append("")
        lines += [f"{name}: {value}" for name, value in self.work()]
        return "\n".join(lines) + "\n"

    def write_xlsx(self, stream: BinaryIO, titles: dict[str, str] | None = None) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = "统计"
        sheet.append(HEADINGS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in self.table(titles):
            sheet.append(line)  # our own labels and counts: no seller text here
        sheet.freeze_panes = "A2"
        for letter, width in zip("ABCDEFG", (22, 18, 10, 8, 8, 8, 8), strict=True):
            sheet.column_dimensions[letter].width = width
        work = book.create_sheet("工作量")
        work.append(["期间", f"{_day(self.since)} 至 {_day(self.until)}"])
        for name, value in self.work():
            work.append([name, value])
        book.save(stream)


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "不限"
    return (value.astimezone() if isinstance(value, datetime) else value).strftime("%Y-%m-%d")


def campaign_stats(
    s: Session, since: date | datetime | None, until: date | datetime | None
) -> CampaignStats:
    """The table for leads seen, sweeps started and pages captured in the period (a date
    ``until`` means to the end of that day; naive values are local time)."""
    stats = CampaignStats(since, until)
    grouped: dict[tuple[str, str | None, str], StatsRow] = {}
    for lead in list_leads(s, since=since, until=until, active=None):
        province = lead.region_code[:2] + "0000" if lead.region_code else None
        key = (lead.category, province, lead.platform)
        row = grouped.setdefault(key, StatsRow(*key))
        row.leads += 1
        row.referred += lead.status == "referred"
        row.dismissed += lead.status == "dismissed"
    stats.rows = [grouped[k] for k in sorted(grouped, key=lambda k: (k[0], k[1] or "9", k[2]))]
    sweeps = select(Sweep).where(Sweep.kind == SweepKind.sweep)
    captures = select(Capture.id)
    if since is not None:
        lower = since_bound(since)
        sweeps = sweeps.where(Sweep.started_at >= lower)
        captures = captures.where(Capture.captured_at >= lower)
    if until is not None:
        upper, included = until_bound(until)
        sweeps = sweeps.where(Sweep.started_at <= upper if included else Sweep.started_at < upper)
        captures = captures.where(
            Capture.captured_at <= upper if included else Capture.captured_at < upper
        )
    for sweep in s.scalars(sweeps):
        stats.sweeps += 1
        stats.pages += (sweep.stats or {}).get("response_received_count", 0)
    stats.captured = len(s.scalars(captures).all())
    return stats
