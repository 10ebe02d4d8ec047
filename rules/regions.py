"""Administrative regions (GB/T 2260) for 属地 routing: by code, by USCC, by a place name.

Data: rules/data/regions.csv (see its header line and scripts/build_regions.py for provenance).
Historic codes are kept so that a USCC issued before a re-districting still resolves.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rules.uscc import region_code

DATA = Path(__file__).resolve().parent / "data" / "regions.csv"
_MUNICIPALITIES = {"11", "12", "31", "50"}
_PROVINCE_SUFFIXES = (
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
)
_CITY_SUFFIXES = ("地区", "自治州", "自治县", "林区", "盟", "市", "区", "县")
# Ethnic names that open the tail of an autonomous prefecture's name (恩施土家族苗族自治州 → 恩施).
_ETHNIC = (
    "朝鲜",
    "土家",
    "苗",
    "侗",
    "藏",
    "羌",
    "彝",
    "哈尼",
    "壮",
    "傣",
    "景颇",
    "白",
    "傈僳",
    "蒙古",
    "哈萨克",
    "柯尔克孜",
    "回",
    "布依",
    "黎",
    "满",
    "畲",
    "瑶",
    "仡佬",
    "水",
    "纳西",
)


@dataclass(frozen=True)
class Region:
    """One region code; ``city`` is the prefecture-level city (a municipality for its districts)."""

    code: str
    name: str
    province: str
    city: str
    current: bool
    level: str = "county"
    years: str = ""


@lru_cache(maxsize=1)
def _table() -> dict[str, Region]:
    with open(DATA, encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {
            r["code"]: Region(
                r["code"],
                r["name"],
                r["province"],
                r["city"],
                r["current"] == "1",
                r["level"],
                r["years"],
            )
            for r in rows
        }


def lookup(code6: str | None) -> Region | None:
    """The region of a 6-digit code, current or historic."""
    return _table().get((code6 or "").strip())


def region_of_uscc(code: str | None) -> Region | None:
    """The region of a USCC's registering authority (digits 3-8), or its city/province."""
    rc = region_code(code)
    if rc is None:
        return None
    for candidate in (rc, rc[:4] + "00", rc[:2] + "0000"):
        found = lookup(candidate)
        if found is not None:
            return found
    return None


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    if name.endswith("自治州"):
        cut = min((i for e in _ETHNIC if (i := name.find(e)) > 0), default=len(name) - 3)
        return name[:cut]
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _names() -> tuple[list[tuple[str, Region]], dict[str, list[tuple[str, Region]]]]:
    """Province names and, per province code, the names of the places under it (longest first)."""
    provinces: list[tuple[str, Region]] = []
    places: dict[str, list[tuple[str, Region]]] = {}
    for r in _table().values():
        if not r.current:
            continue
        p = r.code[:2]
        if r.level == "province":
            provinces += [(r.name, r), (_short(r.name, _PROVINCE_SUFFIXES), r)]
        elif r.name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        elif r.level == "city" or (
            r.level == "county" and (p in _MUNICIPALITIES or r.code[2:4] == "90")
        ):
            places.setdefault(p, []).extend([(r.name, r), (_short(r.name, _CITY_SUFFIXES), r)])
    provinces.sort(key=lambda x: -len(x[0]))
    for lst in places.values():
        lst.sort(key=lambda x: -len(x[0]))
    return provinces, places


def _find(text: str, names: list[tuple[str, Region]]) -> tuple[str, Region] | None:
    return next(((n, r) for n, r in names if n and n in text), None)


@lru_cache(maxsize=1)
def _counties() -> dict[str, list[tuple[str, Region]]]:
    """Current county-level regions by city code prefix (4 digits), in code order."""
    out: dict[str, list[tuple[str, Region]]] = {}
    for r in sorted(_table().values(), key=lambda r: r.code):
        if r.current and r.level == "county" and r.name not in ("市辖区", "县"):
            out.setdefault(r.code[:4], []).append((r.name, r))
    return out


def counties(city_code: str) -> list[Region]:
    """The current county-level regions (区, 县, 县级市, 开发区) of a prefecture-level city,
    by the city's code (its first 4 digits count), in code order."""
    return [r for _, r in _counties().get((city_code or "")[:4], [])]


@lru_cache(maxsize=8192)  # a sweep sees the same few hundred addresses and places again
def region_of_address(text: str | None) -> Region | None:
    """Region of a full address ("湖北省鄂州市华容区庙岭镇…" -> 华容区 420703): to the county
    when the address names one under its city, else what ``region_of_place`` finds (the
    city, else the province). A municipality's district or a county-level city directly
    under its province (仙桃市) is found by ``region_of_place`` itself."""
    found = region_of_place(text)
    if found is None or found.level != "city":
        return found
    t = "".join((text or "").split())
    # After the city's name; only full county names (鄂城区): a bare 城 or 华容 could be a
    # street's. The county named first wins (a street may be named after another one).
    rest = t.split(found.name, 1)[-1]
    named = [(rest.find(n), -len(n), r) for n, r in _counties().get(found.code[:4], [])]
    named = [x for x in named if x[0] >= 0]
    return min(named, key=lambda x: x[:2])[2] if named else found


@lru_cache(maxsize=8192)
def region_of_place(text: str | None) -> Region | None:
    """Region of a place as shops write it ("湖北 鄂州"): the city, else the province (a
    municipality's district, a county-level city under its province: the county). For a full
    address, to its county, see ``region_of_address``."""
    t = "".join((text or "").split())
    if not t:
        return None
    provinces, places = _names()
    prov = _find(t, provinces)
    if prov is not None:
        name, province = prov
        rest = t.replace(name, "", 1)
        city = _find(rest, places.get(province.code[:2], []))
        return city[1] if city else province
    everywhere = [x for lst in places.values() for x in lst]
    everywhere.sort(key=lambda x: -len(x[0]))
    found = _find(t, everywhere)
    return found[1] if found else None
