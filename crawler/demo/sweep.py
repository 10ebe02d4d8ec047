"""``wangjian demo``: serve the demo marketplace, sweep it, and grade the leads.

The catalogue knows its own ground truth, so the demo reports precision and recall of the
whole flow (crawl, extraction, rules, store), not only of the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tabulate import tabulate

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.groundtruth import Comparison, compare
from crawler.results import SweepResult
from crawler.run import run_sweep
from crawler.settings import Settings
from rules.engine import Scorer
from rules.evaluate import percent
from rules.labels import category_label
from store.db import make_engine, session_scope
from store.leads import LeadRow, SummaryRow, lead_summary, list_leads

PROFILE = "demo"


@dataclass
class DemoReport:
    sweep: SweepResult
    leads: list[LeadRow]
    summary: list[SummaryRow]  # leads by category and province
    comparison: Comparison
    seconds: float

    def render(self, titles: dict[str, str] | None = None) -> str:
        """The leads by category and province, then the grading against the ground truth."""
        by_region = [
            (category_label(r.category, titles), r.province_name or "未知属地", r.count)
            for r in self.summary
        ]
        grading = []
        for score in [*self.comparison.by_category.values(), self.comparison.total()]:
            name = "合计" if score.category == "all" else category_label(score.category, titles)
            found = (score.tp + score.fn, score.tp + score.fp, score.tp)
            grading.append((name, *found, percent(score.precision), percent(score.recall)))
        return (
            f"\n线索 {len(self.leads)} 条，按类别与属地（省）：\n"
            + tabulate(by_region, headers=("类别", "属地", "线索数"))
            + "\n\n与演示商城的真实答案对比：\n"
            + tabulate(grading, headers=("类别", "应发现", "发现", "正确", "精确率", "召回率"))
            + "\n"
        )


def run_demo(
    settings: Settings, size: int = 300, seed: int = 7, scorer: Scorer | None = None
) -> DemoReport:
    """Sweep a fresh demo marketplace of ``size`` listings into the configured database."""
    catalog = build_catalog(seed=seed, size=size)
    started = datetime.now(UTC)
    with DemoServer(catalog) as server:
        result = run_sweep(PROFILE, settings, scorer=scorer, base_url=server.url)
    seconds = (datetime.now(UTC) - started).total_seconds()
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            # Leads this sweep saw; older sweeps of other demo sizes must not count.
            rows = [r for r in list_leads(session, since=started) if r.platform == PROFILE]
            summary = lead_summary(session, since=started, platform=PROFILE)
    finally:
        engine.dispose()
    found: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        found.setdefault((row.kind, row.external_id), set()).add(row.category)
    return DemoReport(result, rows, summary, compare(catalog.truth, found), seconds)
