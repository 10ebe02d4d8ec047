"""Sweep benchmark: wangjian against bare Scrapy on the same demo marketplace, one run.

wangjian does more per page (extraction, normalisation, scoring, a database write, Chromium for
the JS-priced pages, keyword searches besides the browse); the ratio says what that costs.
    python benchmarks/bench_sweep.py [LISTINGS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demo.catalog import build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402

CONCURRENCY = 8


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main(size: int = 2000) -> None:
    catalog = build_catalog(seed=7, size=size)
    with DemoServer(catalog) as server, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WANGJIAN_CONCURRENCY": str(CONCURRENCY)}
        env.pop("WANGJIAN_DATABASE_URL", None)
        bare_s, out = timed(
            [sys.executable, "benchmarks/bare_spider.py", server.url, str(CONCURRENCY)], env
        )
        bare_pages = int(out.strip().splitlines()[-1])
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ours_s, out = timed(
            [
                sys.executable,
                "-m",
                "cli",
                "sweep",
                "demo",
                "--base-url",
                server.url,
                "--database-url",
                db,
                "--json",
            ],
            env,
        )
        result = json.loads(out)
    ours_pages = result["pages"]
    print(
        f"demo marketplace: {size} listings, {len(catalog.shops)} shops, concurrency {CONCURRENCY}"
    )
    print(
        f"bare Scrapy (browse only, no extraction): {bare_pages} pages in {bare_s:.1f}s "
        f"= {bare_pages / bare_s:,.0f} pages/s"
    )
    print(
        f"wangjian sweep (keywords + browse, rules, SQLite, {result['rendered']} via Chromium): "
        f"{ours_pages} pages in {ours_s:.1f}s = {ours_pages / ours_s:,.0f} pages/s"
    )
    ratio = (ours_pages / ours_s) / (bare_pages / bare_s)
    print(f"throughput ratio wangjian / bare Scrapy: {ratio:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
