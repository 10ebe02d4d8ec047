"""Region codes and USCC checks for the store, through rules.regions and rules.uscc.

Imported lazily and tolerant of their absence, so the store keeps working (region unknown)
where the region table is not installed. A region code here is always six digits or None.
"""

from __future__ import annotations

from typing import Any


def _regions() -> Any | None:
    try:
        from rules import regions
    except ImportError:
        return None
    return regions


def _code(region: Any) -> str | None:
    if region is None:
        return None
    code = str(getattr(region, "code", region))
    return code if len(code) == 6 and code.isdigit() else None


def region_of_place(text: str | None) -> str | None:
    """Code of a place as a listing states it ("湖北 鄂州" -> "420700"), or None."""
    regions = _regions()
    if not text or regions is None:
        return None
    return _code(regions.region_of_place(text))


def region_of_uscc(uscc: str | None) -> str | None:
    """Code of the registering authority's region in a USCC (digits 3-8), or None."""
    regions = _regions()
    if not uscc or regions is None:
        return None
    return _code(regions.region_of_uscc(uscc))


def region_name(code: str | None) -> str | None:
    """Full name of a region code ("420704" -> "湖北省鄂州市鄂城区"), or None when unknown."""
    regions = _regions()
    if not code or regions is None:
        return None
    try:
        region = regions.lookup(code)
    except (KeyError, ValueError):
        return None
    if region is None:
        return None
    parts: list[str] = []
    for part in (getattr(region, "province", ""), getattr(region, "city", ""), region.name):
        if part and part not in parts:
            parts.append(part)
    return "".join(parts)


def uscc_is_valid(uscc: str | None) -> bool | None:
    """GB 32100-2015 check character verdict; None when no code is shown."""
    if not uscc:
        return None
    try:
        from rules.uscc import is_valid
    except ImportError:
        from stdnum.cn.uscc import is_valid
    return bool(is_valid(uscc))


def prefix_of(region: str) -> str:
    """The code prefix a region filter means: "42"/"420000" -> "42", "420700" -> "4207".

    A trailing "00" pair of a 4- or 6-digit code stands for "the whole province/city", as in
    GB/T 2260; other digits are a plain prefix.
    """
    if not (region.isdigit() and 2 <= len(region) <= 6):
        raise ValueError(f"{region!r} is not a region code or prefix such as 42, 4207 or 420703")
    while len(region) in (4, 6) and region.endswith("00"):
        region = region[:-2]
    return region
