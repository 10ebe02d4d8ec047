"""Price checks over ten days of the demo marketplace: one sweep a day on a simulated clock
(WANGJIAN_CLOCK), with the calendar's 双11 promotion and emergency, scored per rule against
the calendar's truth (crawler.demo.calendar.cheats) — precision and recall per sighting.
    python benchmarks/bench_prices.py [LISTINGS]
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

from common import clean_env, wangjian  # noqa: E402

from crawler.demo import calendar, rehearsal  # noqa: E402
from crawler.demo.catalog import build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402


def main(size: int = 500) -> None:
    catalog = build_catalog(seed=11, size=size)
    with DemoServer(catalog) as server, tempfile.TemporaryDirectory() as tmp:
        env = clean_env()
        env.update(WANGJIAN_DATA_DIR=tmp, WANGJIAN_CAPTURE="false")
        found: set[rehearsal.Sighting] = set()
        start = time.perf_counter()
        for day in range(calendar.DAYS):
            server.catalog.day = day
            done = subprocess.run(
                wangjian(*rehearsal.sweep_args(server.url), "--json"),
                cwd=ROOT,
                env={**env, "WANGJIAN_CLOCK": rehearsal.clock(day)},
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode not in (0, 1):
                raise SystemExit(f"day {day}: sweep exited {done.returncode}: {done.stderr[-500:]}")
            sweep_id = json.loads(done.stdout)["sweep_id"]
            found |= rehearsal.fired(Path(tmp) / "wangjian.db", sweep_id, day)
        seconds = time.perf_counter() - start
    expected = rehearsal.truth(catalog)
    print(
        f"price checks over {calendar.DAYS} daily sweeps of a {size}-listing demo marketplace "
        f"(seed 11, {seconds:.0f} s), per sighting against the calendar's truth:"
    )
    for score in rehearsal.scores(found, expected):
        print(f"  {score.line()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
