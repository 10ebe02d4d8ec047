"""Evidence benchmark: the cost of capturing leads, one run.

The same demo marketplace swept twice into fresh databases, capture off and on: the seconds
and bytes each captured lead costs, and the sweep's throughput with capture on as a ratio of
capture off.
    python benchmarks/bench_evidence.py [LISTINGS]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import clean_env, sweep_demo, timed  # noqa: E402

from crawler.demo.catalog import build_catalog  # noqa: E402
from crawler.demo.server import DemoServer  # noqa: E402


def main(size: int = 300) -> None:
    catalog = build_catalog(seed=7, size=size)
    runs = {}
    with DemoServer(catalog) as server:
        for capture in ("false", "true"):
            with tempfile.TemporaryDirectory() as tmp:
                env = clean_env(WANGJIAN_DATA_DIR=tmp, WANGJIAN_CAPTURE=capture)
                args = sweep_demo(server.url)
                seconds, out = timed([*args, "--json"], env)
                runs[capture] = (seconds, json.loads(out))
    (off_s, off), (on_s, on) = runs["false"], runs["true"]
    leads = on["captured"]
    print(f"demo marketplace: {size} listings; {leads} leads' pages captured")
    print(f"capture off: {off['pages']} pages in {off_s:.1f}s; on: {on['pages']} in {on_s:.1f}s")
    if leads:
        print(
            f"evidence per lead: {(on_s - off_s) / leads:.2f}s, "
            f"{on['evidence_bytes'] / leads / 1024:,.0f} KiB"
        )
    ratio = (on["pages"] / on_s) / (off["pages"] / off_s)
    print(f"throughput ratio capture on / capture off: {ratio:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
