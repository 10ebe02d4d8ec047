"""Start-up benchmark: how long ``wangjian scan URL`` of one plain page takes, end to end.

Each run is a new process, as a person or a script starts it: ``wangjian scan`` of a demo
listing with the demo profile and of the same page without one (read as any web page), and of
a JS-priced listing (its price read from the endpoint the profile names). The baseline is a
bare Scrapy process fetching the same page. Median of ``--runs`` runs each, interleaved.

    python benchmarks/bench_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import clean_env, wangjian  # noqa: E402

from crawler.demo.catalog import build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402

BARE = """
import sys, scrapy
from scrapy.crawler import CrawlerProcess
class One(scrapy.Spider):
    name = "one"
    start_urls = [sys.argv[1]]
    def parse(self, response):
        return None
p = CrawlerProcess({"LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False})
p.crawl(One)
p.start()
"""


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: a lead was found
        raise SystemExit(f"{args[2:5]} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return seconds


def main(runs: int = 5) -> dict[str, float]:
    catalog = build_catalog(seed=7, size=50)
    plain = next(i for i, x in catalog.listings.items() if not x.js_priced and not x.gbk)
    js = next(i for i, x in catalog.listings.items() if x.js_priced and not x.gbk)
    env = clean_env()
    with DemoServer(catalog) as server:
        url = f"{server.url}/item/{plain}"
        scan = wangjian("scan")
        cases = {
            "bare Scrapy, one page": [sys.executable, "-c", BARE, url],
            "wangjian scan, no profile": [*scan, url],
            "wangjian scan --profile demo": [*scan, "--profile", "demo", url],
            "wangjian scan --profile demo, JS-priced": [
                *scan,
                "--profile",
                "demo",
                f"{server.url}/item/{js}",
            ],
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        for args in cases.values():  # a warm-up each: the page cache, .pyc files
            timed(args, env)
        for _ in range(runs):
            for name, args in cases.items():
                times[name].append(timed(args, env))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"start-up: one page end to end, a new process each run (median of {runs}):")
    for name, seconds in medians.items():
        print(f"  {name:42s} {seconds:5.2f} s")
    print("  target: wangjian scan of one plain page in about a second")
    return medians


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
