"""Write tests/data/labelled.jsonl: the labelled evaluation set of the four shipped packs.

Usage: python scripts/build_labelled_set.py [REFERENCE_DIR]

Three groups (see tests/data/README.md):
- plain: violating listings and shop pages written as sellers write them;
- evasive: the same kind of goods spelled to dodge filters — hand-written slang, pinyin and
  homophones, plus plain titles disguised by one of the tricks sellers use (separators,
  zero-width characters, emoji inside the word, full-width letters, traditional characters);
- benign: look-alikes that must not fire, hand-written, plus real Taobao titles sampled from the
  reference set and labelled by reading them.
The output is deterministic (fixed seed); re-run after editing the lists.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

import opencc
from labelled_records import BENIGN, EVASIVE, PLAIN, REFERENCE_LABELS, SHOPS  # hand-written lists

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "labelled.jsonl"
SEED = 20261101
N_REFERENCE = 90
_S2T = opencc.OpenCC("s2t")
_ZW = ["\u200b", "\u200c", "\u200d", "\ufeff"]
_EMOJI = ["🐘", "🔥", "✨", "💯", "⭐", "❤️"]


def _spread(word: str, sep: str) -> str:
    return sep.join(word)


def disguise(rng: random.Random, title: str, key: str) -> tuple[str, str]:
    """Rewrite ``key`` inside ``title`` with one seller trick; returns (title, trick name)."""
    tricks = {
        "space": lambda w: _spread(w, " "),
        "star": lambda w: _spread(w, "*"),
        "dash": lambda w: _spread(w, "-"),
        "dot": lambda w: _spread(w, "·"),
        "zero_width": lambda w: _spread(w, rng.choice(_ZW)),
        "emoji": lambda w: w[0] + rng.choice(_EMOJI) + w[1:],
        "fullwidth_space": lambda w: _spread(w, "\u3000"),
        "traditional": lambda w: _S2T.convert(w),
        "brackets": lambda w: "【" + w[:1] + "】" + w[1:],
    }
    name = rng.choice(sorted(tricks))
    return title.replace(key, tricks[name](key), 1), name


def fullwidth(text: str) -> str:
    """ASCII letters and digits as their full-width forms (NFKC folds them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def listing(
    rid: str,
    group: str,
    title: str,
    expect: list[str],
    category: str = "",
    price: float | None = None,
    original: float | None = None,
    desc: str = "",
) -> dict:
    return {
        "id": rid,
        "kind": "listing",
        "title": title,
        "description": desc,
        "category": category,
        "price": price,
        "original_price": original,
        "expect": expect,
        "group": group,
    }


def build(ref: Path) -> list[dict]:
    rng = random.Random(SEED)
    out: list[dict] = []
    for i, (title, expect, category, price, original, key) in enumerate(PLAIN, 1):
        out.append(listing(f"P{i:03d}", "plain", title, expect, category, price, original))
        if key and i % 2 == 1:  # every other plain title also appears disguised
            disguised, trick = disguise(rng, title, key)
            if disguised == title:  # the word has no traditional form: spread it instead
                disguised = title.replace(key, _spread(key, " "), 1)
            out.append(
                listing(f"E{i:03d}", "evasive", disguised, expect, category, price, original)
            )
    for i, (title, expect, category) in enumerate(EVASIVE, 1):
        out.append(listing(f"V{i:03d}", "evasive", title, expect, category))
    for i, (title, category, desc) in enumerate(BENIGN, 1):
        out.append(listing(f"B{i:03d}", "benign", title, [], category, desc=desc))
    for i, shop in enumerate(SHOPS, 1):
        group = shop.pop("group")
        out.append({"id": f"S{i:03d}", "kind": "shop", **shop, "group": group})
    with (ref / "product_titles" / "taobao_titles_jie2019.csv").open(encoding="utf-8") as fh:
        titles = sorted({r["title"] for r in csv.DictReader(fh)})
    for title in rng.sample(titles, N_REFERENCE):
        expect = REFERENCE_LABELS.get(title, [])
        group = "benign" if not expect else "plain"
        out.append(listing(f"R{len(out):04d}", group, title, expect))
    return out


def main(argv: list[str]) -> int:
    ref = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/reference")
    records = build(ref)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    groups: dict[str, int] = {}
    for r in records:
        groups[r["group"]] = groups.get(r["group"], 0) + 1
    print(f"wrote {OUT}: {len(records)} records {groups}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
