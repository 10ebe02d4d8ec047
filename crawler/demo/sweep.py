"""``wangjian demo``: serve the demo marketplace, sweep it, and grade the leads.

The catalogue knows its own ground truth, so the demo reports precision and recall of the
whole flow (crawl, extraction, rules, store), not only of the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.groundtruth import Comparison, compare
from crawler.results import SweepResult
from crawler.run import run_sweep
from crawler.settings import Settings
from rules.engine import Scorer
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
