"""Region codes and USCC checks for the store, through rules.regions and rules.uscc.

A region code here is always six digits (GB/T 2260) or None.
"""

from __future__ import annotations

from rules import regions, uscc


def region_of_place(text: str | None) -> str | None:
    """Code of a place as a listing states it ("湖北 鄂州" -> "420700"), or None."""
    region = regions.region_of_place(text)
    return region.code if region else None


def region_of_address(text: str | None) -> str | None:
    """Code of a full address, to its county where it names one (湖北省鄂州市鄂城区… -> 420704)."""
    region = regions.region_of_address(text)
    return region.code if region else None


def region_of_uscc(code: str | None) -> str | None:
    """Code of the registering authority's region in a USCC (digits 3-8), or None."""
    region = regions.region_of_uscc(code)
    return region.code if region else None


def region_name(code: str | None) -> str | None:
    """Full name of a region code ("420704" -> "湖北省鄂州市鄂城区"), or None when unknown."""
    region = regions.lookup(code)
    if region is None:
        return None
    parts: list[str] = []
    for part in (region.province, region.city, region.name):
        if part and part not in parts:
            parts.append(part)
    return "".join(parts)


def uscc_is_valid(code: str | None) -> bool | None:
    """GB 32100-2015 check character verdict; None when no code is shown."""
    return uscc.is_valid(code) if code else None


def prefix_of(region: str) -> str:
    """The code prefix a region filter means: "42"/"420000" -> "42", "420700" -> "4207".

    A filter names a province (2 digits), a city (4) or a county (6). A trailing "00" pair
    of a 4- or 6-digit code stands for "the whole province/city", as in GB/T 2260. 3 or 5
    digits name no level and are refused rather than matched as a bare prefix.
    """
    if not (region.isascii() and region.isdigit() and len(region) in (2, 4, 6)):
        raise ValueError(f"{region!r} is not a region code or prefix such as 42, 4207 or 420703")
    while len(region) in (4, 6) and region.endswith("00"):
        region = region[:-2]
    return region
