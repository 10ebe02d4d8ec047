"""Recall and false positives per pack and per group on a blind set (issue 9, point 9).

``rules eval`` counts per pack over the whole file; the blind sets also carry a ``group``
(plain, evasive, lookalike, realistic_clean), and the targets are per group. A violating record
is caught for a pack when that pack fires; a clean record is flagged when any pack fires.

    .venv/bin/python scripts/eval_groups.py tests/data/blind_c.jsonl [--packs DIR] [--misses]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules.engine import Scorer  # noqa: E402

VIOLATING = ("plain", "evasive")
CLEAN = ("lookalike", "realistic_clean")


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}% ({n}/{d})" if d else "—"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--packs", default=None)
    ap.add_argument("--misses", action="store_true", help="print the records got wrong")
    args = ap.parse_args()
    scorer = Scorer.load(args.packs)
    packs = [p.id for p in scorer.packset.packs]
    caught: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    flagged: dict[tuple[str, str], int] = defaultdict(int)
    clean_n: dict[str, int] = defaultdict(int)
    clean_any: dict[str, int] = defaultdict(int)
    wrong_pack = 0
    misses = []
    for line in Path(args.path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        group = raw.get("group", "")
        expect = set(raw.get("expect") or [])
        record = {k: v for k, v in raw.items() if k not in ("expect", "group") and v is not None}
        fired = set(scorer.score(record).categories)
        if group in VIOLATING:
            for pid in expect:
                c = caught[(pid, group)]
                c[1] += 1
                c[0] += pid in fired
                c2 = caught[("all", group)]
                c2[1] += 1
                c2[0] += pid in fired
            if fired - expect:
                wrong_pack += 1
            if fired != expect:
                misses.append((group, raw["id"], sorted(expect), sorted(fired), raw["title"]))
        else:
            clean_n[group] += 1
            clean_any[group] += bool(fired)
            for pid in fired:
                flagged[(pid, group)] += 1
            if fired:
                misses.append((group, raw["id"], [], sorted(fired), raw["title"]))
    head = "| pack | recall, plain | recall, evasive | FP, lookalike | FP, realistic_clean |"
    print(head)
    print("| --- | ---: | ---: | ---: | ---: |")
    for pid in [*packs, "all"]:
        if pid != "all" and not any(caught.get((pid, g)) for g in VIOLATING):
            continue
        cells = [_pct(*caught[(pid, g)]) for g in VIOLATING]
        if pid == "all":
            cells += [_pct(clean_any[g], clean_n[g]) for g in CLEAN]
        else:
            cells += [_pct(flagged[(pid, g)], clean_n[g]) for g in CLEAN]
        print(f"| {pid} | " + " | ".join(cells) + " |")
    print(f"\nviolating records on which another pack fired too: {wrong_pack}")
    if args.misses:
        for m in misses:
            print(*m, sep="\t")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
