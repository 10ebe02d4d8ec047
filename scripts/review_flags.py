"""List the leads the shipped packs open on the real reference titles that
``tests/data/known_flags.yaml`` does not hold yet, as YAML entries to review.

    .venv/bin/python scripts/review_flags.py            # new flags, reason left empty
    .venv/bin/python scripts/review_flags.py --stale    # entries that no longer fire

Each new entry must get a reason (why a regulator would want to see that listing) before it
goes into the file, or the packs must change so that it does not fire;
``tests/test_rules_baseline.py`` fails on a flag without an entry, an entry without a reason
and an entry that no longer fires.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from baseline import KNOWN_FLAGS, flags_of, known_flags, reference_titles  # noqa: E402
from reference import REFERENCE  # noqa: E402

from rules.engine import Scorer  # noqa: E402


def main() -> None:
    flags = flags_of(Scorer.load(), reference_titles(REFERENCE))
    known = known_flags(ROOT / KNOWN_FLAGS)
    if "--stale" in sys.argv:
        for title in sorted(set(known) - set(flags)):
            print(title)
        return
    new = [
        {"title": title, "categories": sorted(categories), "reason": ""}
        for title, categories in sorted(flags.items())
        if known.get(title, {}).get("categories") != sorted(categories)
    ]
    if new:
        print(yaml.safe_dump(new, allow_unicode=True, sort_keys=False, width=200), end="")
    print(f"# {len(new)} to review; {len(flags)} flagged of the reference titles", file=sys.stderr)


if __name__ == "__main__":
    main()
