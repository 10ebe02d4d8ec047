"""`make bench`: every benchmark, each printing ratios measured in this one run."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence  # noqa: E402
import bench_prices  # noqa: E402
import bench_resweep  # noqa: E402
import bench_rules  # noqa: E402
import bench_sweep  # noqa: E402

if __name__ == "__main__":
    bench_rules.main()
    print()
    bench_sweep.main()
    print()
    bench_evidence.main()
    print()
    bench_resweep.main()
    print()
    bench_prices.main()
