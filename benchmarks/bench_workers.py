"""Distributed sweep benchmark: 1, 2 and 3 local workers on one demo marketplace, into PostgreSQL.

Each round is one distributed sweep (``wangjian sweep demo --distributed``) of the same
marketplace by N workers started together, a fresh PostgreSQL database and Redis key prefix
each, the rounds interleaved (1, 2, 3, 1, 2, 3 …). Pages/s is the whole sweep's pages over
the span from the first worker's crawl start to the last one's end (the sweep row's
``start_time``/``finish_time``: process start-up, migrations and Chromium launch are not in
it); ``wall`` is the time the commands took, start-up included. On a 2-core machine the
workers share two cores with the demo server, PostgreSQL and Redis: read the ratios.

    python benchmarks/bench_workers.py [LISTINGS] [--latency-ms MS] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402
from common import clean_env, sweep_demo  # noqa: E402

from crawler.demo.catalog import build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKERS = (1, 2, 3)


def one_sweep(url: str, workers: int, data_dir: str) -> dict:
    """A distributed sweep of ``url`` by ``workers`` processes; its figures."""
    name = f"wangjian_bench_{uuid.uuid4().hex[:10]}"
    prefix = f"wangjian-bench-{uuid.uuid4().hex[:10]}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env = clean_env(
        WANGJIAN_REDIS_URL=REDIS_URL,
        WANGJIAN_REDIS_PREFIX=prefix,
        WANGJIAN_CAPTURE="false",
        WANGJIAN_DATA_DIR=data_dir,
    )
    command = sweep_demo(url, "--database-url", f"{base}/{name}", "--distributed", "--json")
    try:
        start = time.perf_counter()
        processes = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(workers)
        ]
        results = [json.loads(p.communicate()[0]) for p in processes]
        wall = time.perf_counter() - start
        codes = [p.returncode for p in processes]
        with psycopg.connect(f"{base}/{name}") as connection:
            stats, finished, listings = connection.execute(
                "SELECT stats, finished_at, (SELECT count(*) FROM listings) FROM sweeps"
            ).fetchone()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server = redis.Redis.from_url(REDIS_URL)
        keys = list(server.scan_iter(match=f"{prefix}:*"))
        if keys:
            server.delete(*keys)
    (last,) = [r for r in results if r["distributed"]["last"]]
    # From the first crawl's start (Scrapy's start_time, the earliest of the workers') to the
    # row finished by the last worker.
    crawl_s = (finished - datetime.fromisoformat(stats["start_time"])).total_seconds()
    return {
        "workers": workers,
        "codes": codes,
        "pages": last["pages"],
        "listings": listings,
        "crawl_s": crawl_s,
        "wall_s": wall,
        "pages_per_s": last["pages"] / crawl_s,
        "share": sorted(r["pages"] for r in results if not r["distributed"]["last"]),
    }


def main(size: int = 1000, latency_ms: int = 0, rounds: int = 1) -> dict[int, float]:
    import tempfile

    catalog = build_catalog(seed=7, size=size)
    found: dict[int, list[dict]] = {n: [] for n in WORKERS}
    server = DemoServer(catalog, latency_s=latency_ms / 1000)
    with server, tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            for n in WORKERS:
                figures = one_sweep(server.url, n, tmp)
                found[n].append(figures)
                print(
                    f"  {n} worker(s): {figures['pages']} pages, {figures['listings']} listings "
                    f"in {figures['crawl_s']:.1f} s ({figures['pages_per_s']:.1f} pages/s, wall "
                    f"{figures['wall_s']:.1f} s), exit codes {figures['codes']}",
                    flush=True,
                )
    rates = {n: statistics.median(f["pages_per_s"] for f in runs) for n, runs in found.items()}
    one = rates[1]
    print(
        f"distributed sweep of {size} listings into PostgreSQL (latency {latency_ms} ms, "
        f"{os.cpu_count()} cores): "
        + ", ".join(f"{n} worker(s) {r:.1f} pages/s ({r / one:.2f}x)" for n, r in rates.items())
    )
    return rates


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="?", type=int, default=1000, help="listings")
    parser.add_argument("--latency-ms", type=int, default=0, help="the demo server's latency")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds")
    args = parser.parse_args()
    main(args.size, args.latency_ms, args.rounds)
