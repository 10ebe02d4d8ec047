"""Memory benchmark: peak RSS of a sweep of the demo marketplace at growing catalogue sizes.

Each size is one ``wangjian sweep demo --json`` in a child process against a demo server in
this one, sampled every ``--every`` seconds with psutil: the sweep process's RSS, and the
summed RSS and PSS of its descendants (Playwright's node driver and Chromium's processes;
PSS counts the pages Chromium's processes share once, RSS once per process). Reported per
size: peak RSS of the sweep, peak RSS/PSS of the browser tree, the most requests waiting in
the frontier (``wangjian/frontier_max``: the scheduler plus the render pool), pages, renders
and API reads. The sweep's memory must not grow with the catalogue (the frontier is ordered
by ``spiders.frontier``); targets: < 500 MB for the sweep at 50,000 listings, Chromium under
``CHROMIUM_BOUND_MB`` PSS.

    python benchmarks/bench_memory.py [--sizes 10000,25000,50000] [--chromium] [--json]

``--chromium`` renders the demo's JS-priced listings in Chromium (WANGJIAN_RENDER_API=false)
instead of reading their price API, so that the browser's memory is measured too. Evidence
capture is off (its screenshots run in a Chromium of their own, once per new lead, and
would time the capture rather than the crawl); ``--capture`` turns it on.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import clean_env, sweep_demo  # noqa: E402

from crawler.demo.catalog import build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402

MB = 1024 * 1024
SWEEP_TARGET_MB = 500
CHROMIUM_BOUND_MB = 800


class Sampler(threading.Thread):
    """Peak memory of a process and of its descendants, sampled until it ends."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.every = every
        self.sweep_rss = self.tree_rss = self.tree_pss = 0
        self.browser_processes = 0

    def run(self) -> None:
        while self.process.is_running() and self.process.status() != psutil.STATUS_ZOMBIE:
            try:
                self.sweep_rss = max(self.sweep_rss, self.process.memory_info().rss)
                rss = pss = 0
                children = self.process.children(recursive=True)
                for child in children:
                    try:
                        full = child.memory_full_info()  # PSS: /proc/<pid>/smaps_rollup
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
                    rss, pss = rss + full.rss, pss + full.pss
                self.tree_rss, self.tree_pss = max(self.tree_rss, rss), max(self.tree_pss, pss)
                self.browser_processes = max(self.browser_processes, len(children))
            except psutil.NoSuchProcess:
                return
            time.sleep(self.every)


def sweep(size: int, every: float, chromium: bool, capture: bool) -> dict:
    catalog = build_catalog(seed=7, size=size)
    with DemoServer(catalog) as server, tempfile.TemporaryDirectory() as tmp:
        env = clean_env(WANGJIAN_DATA_DIR=tmp, WANGJIAN_CAPTURE=str(capture).lower())
        if chromium:
            env["WANGJIAN_RENDER_API"] = "false"
        command = sweep_demo(server.url, "--database-url", f"sqlite:///{tmp}/wangjian.db", "--json")
        start = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        sampler = Sampler(child.pid, every)
        sampler.start()
        out, _ = child.communicate()
        seconds = time.perf_counter() - start
        sampler.join(timeout=every * 4)
    result = json.loads(out)
    return {
        "listings_in_catalogue": size,
        "seconds": round(seconds, 1),
        "status": result["status"],
        "pages": result["pages"],
        "listings": result["listings"],
        "rendered": result["rendered"],
        "api_read": result["api_read"],
        "frontier_max": result["frontier_max"],
        "sweep_peak_rss_mb": round(sampler.sweep_rss / MB, 1),
        "browser_peak_rss_mb": round(sampler.tree_rss / MB, 1),
        "browser_peak_pss_mb": round(sampler.tree_pss / MB, 1),
        "browser_processes": sampler.browser_processes,
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,25000,50000", help="catalogue sizes")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--chromium", action="store_true", help="render instead of the API")
    parser.add_argument("--capture", action="store_true", help="capture evidence of leads")
    parser.add_argument("--json", action="store_true", help="one JSON line per size")
    args = parser.parse_args(argv)
    mode = "Chromium renders" if args.chromium else "price API read without Chromium"
    capture = "on" if args.capture else "off"
    if not args.json:
        print(f"Memory of a demo sweep ({mode}; evidence capture {capture})")
        print(
            f"{'listings':>9} {'pages':>7} {'s':>7} {'frontier':>8} {'rendered':>8} "
            f"{'api':>6} {'sweep RSS':>10} {'browser RSS':>12} {'browser PSS':>12}"
        )
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        row = sweep(size, args.every, args.chromium, args.capture)
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
            continue
        print(
            f"{size:>9} {row['pages']:>7} {row['seconds']:>7.1f} {row['frontier_max']:>8} "
            f"{row['rendered']:>8} {row['api_read']:>6} {row['sweep_peak_rss_mb']:>7.1f} MB "
            f"{row['browser_peak_rss_mb']:>9.1f} MB {row['browser_peak_pss_mb']:>9.1f} MB",
            flush=True,
        )
    if rows and not args.json:
        first, last = rows[0], rows[-1]
        growth = last["sweep_peak_rss_mb"] / first["sweep_peak_rss_mb"]
        print(
            f"sweep peak RSS at {last['listings_in_catalogue']} over "
            f"{first['listings_in_catalogue']} listings: {growth:.2f}x "
            f"(target: < {SWEEP_TARGET_MB} MB, flat); browser PSS bound {CHROMIUM_BOUND_MB} MB: "
            + (
                "met"
                if all(r["browser_peak_pss_mb"] < CHROMIUM_BOUND_MB for r in rows)
                else "exceeded"
            )
        )
    return rows


if __name__ == "__main__":
    main()
