"""Re-sweep benchmark: a second sweep of an unchanged demo marketplace against the first, in
one run — the bytes the server sent (bodies) and the wall time, as ratios. The second sweep
revalidates every page from the HTTP cache (ETag, 304), and reads the renders it kept once
the price API they fetched answers 304 too (spiders.render_reuse); Playwright does not start.

Measured twice: with the demo's JS-priced listings rendered in Chromium
(``WANGJIAN_RENDER_API=false``, a platform whose pages need the browser), and with the price
endpoint the demo profile names read without it. In the second case the first sweep is
itself cheap: a 304 saves the bytes, not the round trip nor the page's extraction, scoring
and storing, so the time ratio stays near 1.
    python benchmarks/bench_resweep.py [LISTINGS]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import clean_env, sweep_demo  # noqa: E402

from crawler.demo.catalog import build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402


def main(size: int = 1000) -> None:
    for render_api in (False, True):
        twice(size, render_api)


def twice(size: int, render_api: bool) -> None:
    catalog = build_catalog(seed=7, size=size)
    with DemoServer(catalog) as server, tempfile.TemporaryDirectory() as tmp:
        env = clean_env(
            WANGJIAN_DATA_DIR=tmp,
            WANGJIAN_CAPTURE="false",
            WANGJIAN_RENDER_API=str(render_api).lower(),
        )
        runs = []
        for _ in range(2):
            server.served.reset()
            start = time.perf_counter()
            done = subprocess.run(
                sweep_demo(server.url, "--json"),
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds = time.perf_counter() - start
            result = json.loads(done.stdout)
            runs.append((seconds, server.served.body_bytes, dict(server.served.statuses), result))
    (t1, b1, s1, r1), (t2, b2, s2, r2) = runs
    how = "price endpoint read, no Chromium" if render_api else "JS-priced pages in Chromium"
    print(f"re-sweep of an unchanged demo marketplace ({size} listings, {how}, capture off):")
    print(
        f"  first:  {t1:6.1f} s, {b1:>11,} body bytes, statuses {s1}, "
        f"{r1['listings']} listings, {r1['rendered']} rendered"
    )
    print(
        f"  second: {t2:6.1f} s, {b2:>11,} body bytes, statuses {s2}, "
        f"{r2['listings']} listings, {r2['rendered']} rendered"
    )
    print(
        f"  bytes ratio {b2 / b1:.3f} (target <= 0.2) -> {'ok' if b2 <= 0.2 * b1 else 'MISSED'}; "
        f"time ratio {t2 / t1:.2f} (target <= 0.5) -> {'ok' if t2 <= 0.5 * t1 else 'MISSED'}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
