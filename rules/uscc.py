"""Unified social credit codes (统一社会信用代码, GB 32100-2015), through python-stdnum."""

from __future__ import annotations

from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError


def compact(code: str) -> str:
    """The code without spaces or separators, upper-cased."""
    return _uscc.compact(code or "")


def is_valid(code: str | None) -> bool:
    """True when ``code`` is an 18-character USCC with a correct check character."""
    if not code:
        return False
    try:
        _uscc.validate(code)
    except ValidationError:
        return False
    return True


def region_code(code: str | None) -> str | None:
    """Digits 3-8: the GB/T 2260 code of the registering authority, when they are digits."""
    if not code:
        return None
    c = compact(code)
    region = c[2:8]
    return region if len(region) == 6 and region.isdigit() else None
