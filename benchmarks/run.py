"""`make bench`: every benchmark, each printing ratios measured in this one run.

The memory benchmark sweeps catalogues of 10,000 to 50,000 listings and takes most of the
time (about ten minutes on a 2-core machine); ``BENCH_QUICK=1`` runs it at 2,000 and 5,000.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence  # noqa: E402
import bench_memory  # noqa: E402
import bench_prices  # noqa: E402
import bench_resweep  # noqa: E402
import bench_rules  # noqa: E402
import bench_start  # noqa: E402
import bench_store  # noqa: E402
import bench_sweep  # noqa: E402
import bench_workers  # noqa: E402


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


if __name__ == "__main__":
    quick = os.environ.get("BENCH_QUICK") == "1"
    section("rules: scoring records/s")
    bench_rules.main()
    section("sweep against bare Scrapy (issue 11.1, 11.2)")
    bench_sweep.main()
    section("store write path, per item (issue 11.1, 11.5)")
    bench_store.main()
    section("whole sweeps into PostgreSQL and SQLite (issue 11.5)")
    bench_store.sweep_ratio()
    section("start-up (issue 11.6)")
    bench_start.main()
    section("memory at growing catalogues (issue 11.3)")
    bench_memory.main(["--sizes", "2000,5000" if quick else "10000,25000,50000"])
    section("memory with the JS-priced listings rendered in Chromium (issue 11.2, 11.3)")
    bench_memory.main(["--sizes", "2000" if quick else "5000", "--chromium"])
    section("1, 2 and 3 workers of one distributed sweep (issue 11.4)")
    bench_workers.main(latency_ms=0)
    bench_workers.main(latency_ms=75)
    section("evidence capture")
    bench_evidence.main()
    section("re-sweep of an unchanged marketplace (issue 10.1)")
    bench_resweep.main()
    section("price rules over ten simulated days (issue 10.3)")
    bench_prices.main()
