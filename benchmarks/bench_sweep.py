"""Sweep benchmark: a wangjian sweep against bare Scrapy on the same demo marketplace.

Fair by construction:

- the demo server answers without artificial stalls (TCP_NODELAY, one write per answer), and
  with a platform's latency where stated (``--latency-ms``, counted from the request);
- both sides fetch the same URL set at the same concurrency: the packs' search terms and the
  browse with their result pages, every listing, every shop, the price endpoint of each
  JS-priced listing (the demo profile reads it instead of rendering: ``render.api``) — the
  URLs each side fetched are compared and the difference printed;
- the rate is the server's: answers over the time from the first request to the last answer,
  so process start-up and shut-down (imports, migrations, packs) are timed apart, from the
  child's wall time;
- the sides alternate within each round and the median of the rounds is kept;
- CPU seconds per page are the child's own (user + system, with its children), the figure that
  holds on a loaded machine.

wangjian does the whole sweep per page (extract, normalise, score, store into SQLite); evidence
capture is off (its screenshots are ``bench_evidence``'s). Chromium renders are measured apart:
the same sweep with ``WANGJIAN_RENDER_API=false`` renders the JS-priced listings, and their rate
(renders per second while any was in progress) is printed by itself, never counted as pages.

    python benchmarks/bench_sweep.py [--size 2000] [--rounds 3] [--latency-ms 75]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import clean_env, sweep_demo  # noqa: E402

from crawler.demo.catalog import Catalog, build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402

CONCURRENCY = 8


@dataclass
class Run:
    side: str
    answers: int
    span_s: float  # first request to last answer, seen by the server
    wall_s: float  # the child process, start to exit
    cpu_s: float  # the child's user + system time, its own children included
    paths: Counter
    result: dict | None = None

    @property
    def rate(self) -> float:
        return self.answers / self.span_s if self.span_s else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.answers if self.answers else 0.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def keywords() -> list[str]:
    """The search terms a default sweep uses: every pack's, each once."""
    from crawler.run import search_terms
    from crawler.settings import Settings
    from rules.engine import Scorer

    return search_terms(Scorer.load(Settings.load().packs_dir))


def child_env(**extra: str) -> dict[str, str]:
    return clean_env(WANGJIAN_CONCURRENCY=str(CONCURRENCY), WANGJIAN_CAPTURE="false", **extra)


def run(side: str, server: DemoServer, terms: list[str], tmp: Path, **env: str) -> Run:
    server.served.reset()
    if side == "bare":
        args = [sys.executable, "benchmarks/bare_spider.py", server.url, str(CONCURRENCY), *terms]
    else:
        data = tempfile.mkdtemp(dir=tmp)
        env = {"WANGJIAN_DATA_DIR": data, **env}
        args = sweep_demo(server.url, "--json")
        args += [a for t in terms for a in ("--keyword", t)]
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(
        args, cwd=ROOT, env=child_env(**env), capture_output=True, text=True, check=False
    )
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{side} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    served = server.served
    result = json.loads(done.stdout) if side != "bare" else None
    return Run(side, served.answers, served.span_s, wall, cpu, Counter(served.paths), result)


def rounds(
    catalog: Catalog, latency_ms: int, terms: list[str], n: int, tmp: Path
) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {"bare": [], "wangjian": []}
    with DemoServer(catalog, latency_s=latency_ms / 1000) as server:
        for i in range(n):
            order = ("bare", "wangjian") if i % 2 == 0 else ("wangjian", "bare")
            for side in order:
                runs[side].append(run(side, server, terms, tmp))
    return runs


def url_difference(a: Counter, b: Counter) -> str:
    only_a, only_b = set(a) - set(b), set(b) - set(a)
    if not only_a and not only_b:
        return "the same URL set"
    sample = sorted(only_a)[:2] + sorted(only_b)[:2]
    return f"URL sets differ: {len(only_a)} only bare, {len(only_b)} only wangjian, e.g. {sample}"


def report(label: str, runs: dict[str, list[Run]]) -> float:
    bare, ours = runs["bare"], runs["wangjian"]
    ratios = [o.rate / b.rate for b, o in zip(bare, ours, strict=True)]
    ratio = statistics.median(ratios)
    b, o = bare[-1], ours[-1]
    print(f"{label}: {url_difference(b.paths, o.paths)} ({b.answers} / {o.answers} answers)")
    for side, rs in runs.items():
        rate = statistics.median(r.rate for r in rs)
        cpu = statistics.median(r.cpu_ms_per_page for r in rs)
        startup = statistics.median(r.wall_s - r.span_s for r in rs)
        wall = statistics.median(r.wall_s for r in rs)
        print(
            f"  {side:8s} {rate:7,.0f} pages/s   {cpu:5.2f} CPU-ms/page   "
            f"start-up and shut-down {startup:4.1f}s (wall {wall:.1f}s)"
        )
    each = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"  ratio wangjian / bare Scrapy, pages/s: {ratio:.2f} (rounds: {each})")
    return ratio


def renders(catalog: Catalog, terms: list[str], tmp: Path) -> None:
    """The JS-priced listings through Chromium: their rate apart, and the launch."""
    with DemoServer(catalog) as server:
        got = run("wangjian", server, terms, tmp, WANGJIAN_RENDER_API="false")
    result = got.result or {}
    print(
        f"Chromium renders (WANGJIAN_RENDER_API=false): {result.get('rendered', 0)} of "
        f"{got.answers} answers, {result.get('rendered_per_s', 0):.1f} renders/s while "
        f"rendering; the sweep {got.rate:,.0f} answers/s with them, "
        f"{got.wall_s - got.span_s:.1f}s start-up and shut-down"
    )


def main(size: int = 2000, n: int = 3, latency_ms: int = 75) -> None:
    catalog = build_catalog(seed=7, size=size)
    terms = keywords()
    js = sum(x.js_priced for x in catalog.listings.values())
    print(
        f"demo marketplace: {size} listings ({js} JS-priced), {len(catalog.shops)} shops, "
        f"{len(terms)} search terms, concurrency {CONCURRENCY}, {n} interleaved rounds, "
        "median; evidence capture off"
    )
    with tempfile.TemporaryDirectory() as tmp:
        late = rounds(catalog, latency_ms, terms, n, Path(tmp))
        report(f"server latency {latency_ms} ms (target >= 0.9)", late)
        cpu = rounds(catalog, 0, terms, n, Path(tmp))
        report("no latency, CPU-bound (target >= 0.7)", cpu)
        renders(catalog, terms, Path(tmp))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=75)
    args = parser.parse_args()
    main(args.size, args.rounds, args.latency_ms)
