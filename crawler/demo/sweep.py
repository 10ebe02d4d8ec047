"""``wangjian demo``: serve the demo marketplace, sweep it, and grade the leads.

The catalogue knows its own ground truth, so the demo reports precision and recall of the
whole flow (crawl, extraction, rules, store), not only of the rules.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crawler.demo.catalog import build_catalog
from crawler.demo.server import DemoServer
from crawler.groundtruth import Comparison, compare
from crawler.settings import Settings
from crawler.sweep import SweepResult, run_sweep
from rules.regions import lookup
from store.db import make_engine, session_scope
from store.leads import LeadRow, list_leads

PROFILE = "demo"


@dataclass
class DemoReport:
    sweep: SweepResult
    leads: list[LeadRow]
    comparison: Comparison
    seconds: float

    def by_category_and_province(self) -> list[tuple[str, str, int]]:
        """(category, province name, count), largest first."""
        counts: Counter[tuple[str, str]] = Counter()
        for row in self.leads:
            code = (row.region_code or "")[:2]
            region = lookup(code + "0000") if code else None
            counts[(row.category, region.name if region else "未知属地")] += 1
        return [
            (c, p, n) for (c, p), n in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1]))
        ]


def run_demo(
    settings: Settings, size: int = 300, seed: int = 7, packs_dir: Path | None = None
) -> DemoReport:
    """Sweep a fresh demo marketplace of ``size`` listings into the configured database."""
    catalog = build_catalog(seed=seed, size=size)
    started = datetime.now(UTC)
    with DemoServer(catalog) as server:
        result = run_sweep(PROFILE, settings, packs_dir=packs_dir, base_url=server.url)
    seconds = (datetime.now(UTC) - started).total_seconds()
    engine = make_engine(settings.db_url)
    try:
        with session_scope(engine) as session:
            # Leads this sweep saw; older sweeps of other demo sizes must not count.
            rows = [r for r in list_leads(session, since=started) if r.platform == PROFILE]
    finally:
        engine.dispose()
    found: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        found.setdefault((row.kind, row.external_id), set()).add(row.category)
    return DemoReport(result, rows, compare(catalog.truth, found), seconds)
