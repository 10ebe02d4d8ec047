"""Build rules/data/regions.csv from the reference admin-division lists (run once, by hand).

    python scripts/build_regions.py /work/shared/reference/admin_divisions

Current codes come from the 2023 统计用区划代码 (modood, merged 6-digit CSV); historic codes
and their years from python-stdnum's loc.dat, so that a USCC issued under a code that has since
been retired still resolves to a region.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "rules" / "data" / "regions.csv"
_MARK = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
_MUNICIPAL_PLACEHOLDERS = {"市辖区", "县"}
_OUTSIDE_MAINLAND = {"71", "81", "82"}  # absent from the 2023 list, still valid codes
HEADER = (
    "# GB/T 2260 region codes. Built by scripts/build_regions.py from "
    "modood/Administrative-divisions-of-China dist/*.csv @57a0aa9 (国家统计局 2023, WTFPL) "
    "and python-stdnum stdnum/cn/loc.dat @006192e (historic codes with years; data from "
    "zh.wikipedia, CC BY-SA). current=1: in the 2023 list."
)


def _latest(names: str) -> tuple[str, str]:
    """(name, years) of the last naming in a loc.dat entry such as "[-1991]东郊区,[1992-]东丽区"."""
    last = names.split(",")[-1].strip()
    m = _MARK.match(last)
    return (m.group(3), f"{m.group(1)}-{m.group(2)}") if m else (last, "")


def build(src: Path) -> list[dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    with open(src / "gbt2260_code6_merged_from_modood.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            city = r["city"]
            if r["code"][4:] == "00" and r["level"] == "county":
                r["level"] = "city"  # cities without districts (东莞, 中山, 嘉峪关) are listed once
            if city in _MUNICIPAL_PLACEHOLDERS:
                city = r["province"]
            elif city == "省直辖县级行政区划" and r["level"] == "county":
                city = r["name"]
            rows[r["code"]] = {
                "code": r["code"],
                "name": r["name"],
                "level": r["level"],
                "province": r["province"],
                "city": city if r["level"] != "province" else "",
                "current": "1",
                "years": "",
            }
    historic: dict[str, tuple[str, str, str]] = {}
    with open(src / "python-stdnum_cn_loc.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            name, years = _latest(r["name_with_validity_marks"])
            historic[r["code"]] = (r["province"], name, years)
    for code, (province, name, years) in sorted(historic.items()):
        if code in rows:
            rows[code]["years"] = years
            continue
        level = "province" if code[2:] == "0000" else "city" if code[4:] == "00" else "county"
        prov = (
            name if level == "province" else rows.get(code[:2] + "0000", {}).get("name", province)
        )
        city = ""
        if level == "city":
            city = name
        elif level == "county":
            parent = (
                rows.get(code[:4] + "00", {}).get("name")
                or historic.get(code[:4] + "00", ("", "", ""))[1]
            )
            city = prov if parent in _MUNICIPAL_PLACEHOLDERS or not parent else parent
        current = "1" if code[:2] in _OUTSIDE_MAINLAND and not years.split("-")[-1] else "0"
        rows[code] = {
            "code": code,
            "name": name,
            "level": level,
            "province": prov,
            "city": city,
            "current": current,
            "years": years,
        }
    return [rows[c] for c in sorted(rows)]


def write(rows: list[dict[str, str]], out: Path = OUT) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\n")
        w = csv.DictWriter(fh, ["code", "name", "level", "province", "city", "current", "years"])
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    write(
        build(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference/admin_divisions"))
    )
