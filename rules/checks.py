"""Structural checks: facts about a record rather than words in it.

A registry maps each ``check.kind`` of the pack format to a class with one method, ``run``,
which returns None when the check passes and a note (possibly empty) when it fires, or a
``Finding`` when the hit should keep what it judged by (``rules.price_checks``).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from rules.price_text import stated_original_price
from rules.record import Record
from rules.uscc import is_valid


class Finding(NamedTuple):
    """A check that fired: the note a person reads and the evidence the hit keeps."""

    note: str
    evidence: dict[str, Any]


class StructuralCheck(Protocol):
    def run(self, record: Record, spec: Any) -> str | None: ...


class HitCheck(Protocol):
    """A check that also reads which rules of its pack hit (``uses_hits = True``)."""

    uses_hits: bool

    def run(self, record: Record, spec: Any, fired: set[str]) -> str | None: ...


CHECKS: dict[str, type[StructuralCheck] | type[HitCheck]] = {}


def register(kind: str):
    def deco(cls):
        CHECKS[kind] = cls
        return cls

    return deco


@register("licence_present")
class LicencePresent:
    def run(self, record: Record, spec: Any) -> str | None:
        """Fire on a shop page that displays no business licence."""
        if record.kind == "shop" and record.licence_present is False:
            return "店铺未公示营业执照信息"
        return None


@register("licence_text")
class LicenceText:
    def run(self, record: Record, spec: Any) -> str | None:
        """Fire on a shop page whose licence is only an image, with no text to verify."""
        if record.kind == "shop" and record.licence_image_only:
            return "营业执照仅以图片公示，无可核验文字"
        return None


@register("uscc_valid")
class UsccValid:
    def run(self, record: Record, spec: Any) -> str | None:
        """Fire on a displayed USCC that fails GB 32100-2015, or a licence without any USCC."""
        if record.kind != "shop":
            return None
        if record.uscc and record.uscc.strip():
            return None if is_valid(record.uscc) else f"统一社会信用代码校验失败：{record.uscc}"
        if record.licence_present and not record.licence_image_only:
            return "公示的营业执照信息中没有统一社会信用代码"
        return None


@register("permit_present")
class PermitPresent:
    def run(self, record: Record, spec: Any) -> str | None:
        """Fire on a shop selling a category that needs a permit it does not display."""
        if record.kind != "shop":
            return None
        needing = [c for c in spec.categories if c in record.category]
        if not needing or any(spec.permit in p for p in record.permits):
            return None
        return f"经营{needing[0]}类目但未公示{spec.permit}"


@register("seller_permit")
class SellerPermit:
    uses_hits = True

    def run(self, record: Record, spec: Any, fired: set[str]) -> str | None:
        """Fire on a listing a named rule hit whose shop is known and shows no such permit."""
        if record.kind != "listing" or record.seller_permits is None:
            return None
        if not fired & set(spec.rules):
            return None
        if any(spec.permit in p for p in record.seller_permits):
            return None
        return f"店铺未公示{spec.permit}"


@register("discount_ratio")
class DiscountRatio:
    def run(self, record: Record, spec: Any) -> str | None:
        """Fire when the price is at most max_ratio of the stated original price.

        Without a crossed-out price in the data, one the seller wrote in the title (原价399)
        counts; not one in the description, where a page's other products stand too.
        """
        price, original, named = record.price, record.original_price, "划线价"
        if original is None:
            original, named = stated_original_price(record.title, record.category), "标题所写原价"
        if price is None or not original or original <= 0 or price < 0:
            return None
        ratio = price / original
        if ratio > spec.max_ratio:
            return None
        return f"现价为{named}的 {ratio * 100:.1f}%"


@register("ad_label")
class AdLabel:
    def run(self, record: Record, spec: Any) -> str | None:
        """Fire on a paid placement shown without a 广告 label."""
        if record.is_ad and record.ad_labelled is False:
            return '付费推广未标明"广告"'
        return None


# The checks that read a listing's price history live in their own module; importing it here
# registers them, so CHECKS is complete whoever imports it first.
from rules import price_checks  # noqa: E402, F401
