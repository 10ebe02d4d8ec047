"""Checks that judge a listing's prices by what earlier sweeps saw of them.

- ``reference_price`` (虚构原价): a stated original price (划线价) above the lowest price seen
  in the seven days before the promotion — 《规范促销行为暂行规定》§20 makes that lowest price
  the basis of a discount; outside a promotion, the seven days before the sighting
  (《明码标价和禁止价格欺诈规定》§13: an unexplained compared price may not exceed it).
- ``raise_then_discount`` (先涨价后打折): in a promotion, a price raised in the weeks before it
  and then "discounted" back to no less than it was before the raise.
- ``price_gouging`` (哄抬价格): in a declared emergency, an essential good priced far above
  its typical (median) price of the days before the emergency.

Each returns a ``Finding``: the note a person reads and the evidence (window, basis period,
the observations) that the hit keeps and a chart can draw. A record without enough history
is not judged: too few sightings say nothing about a price.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from rules.checks import Finding, register
from rules.prices import BEIJING, PricePoint, PriceWindow, active, between
from rules.record import Record

CENT = 0.005  # prices are compared to the cent
#: The check kinds that read ``Record.price_history``.
PRICE_HISTORY_CHECKS = frozenset({"reference_price", "raise_then_discount", "price_gouging"})


def _now(record: Record) -> datetime:
    at = record.observed_at or datetime.now(UTC)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _day(at: datetime) -> str:
    return f"{at.astimezone(BEIJING):%m-%d}"


def _yuan(value: float) -> str:
    return f"¥{value:,.2f}"


def _evidence(
    check: str,
    record: Record,
    at: datetime,
    window: PriceWindow | None,
    since: datetime,
    until: datetime,
    basis: list[PricePoint],
    **figures: float,
) -> dict[str, Any]:
    seen = [p for p in record.price_history if p.when >= since]
    seen.append(PricePoint(at=at, price=record.price, original_price=record.original_price))
    return {
        "check": check,
        "window": None if window is None else window.model_dump(mode="json"),
        "basis": {
            "from": since.isoformat(),
            "to": until.isoformat(),
            "observations": len(basis),
            **{k: round(v, 2) for k, v in figures.items()},
        },
        "history": [p.model_dump(mode="json") for p in seen],
    }


def _listing_priced(record: Record) -> bool:
    return record.kind == "listing" and record.price is not None and record.price >= 0


@register("reference_price")
class ReferencePrice:
    def run(self, record: Record, spec: Any) -> Finding | None:
        """Fire when the 划线价 is above the lowest price seen in the days before the window."""
        if not _listing_priced(record) or not record.original_price:
            return None
        price, original = record.price, record.original_price
        assert price is not None
        if original <= price + CENT:
            return None  # no discount claimed
        at = _now(record)
        window = active(record.windows, "promotion", at)
        until = window.opens if window is not None else at
        since = until - timedelta(days=spec.days)
        basis = between(record.price_history, since, until)
        if len(basis) < spec.min_observations:
            return None
        lowest = min(p.price for p in basis if p.price is not None)
        if original <= lowest * (1 + spec.tolerance) + CENT:
            return None
        before = f"{window.name}促销前{spec.days}日" if window else f"此前{spec.days}日"
        note = (
            f"划线价 {_yuan(original)} 高于{before}最低价 {_yuan(lowest)}"
            f"（{_day(since)}至{_day(until - timedelta(seconds=1))}，观测 {len(basis)} 次）"
        )
        return Finding(
            note,
            _evidence("reference_price", record, at, window, since, until, basis, lowest=lowest),
        )


@register("raise_then_discount")
class RaiseThenDiscount:
    def run(self, record: Record, spec: Any) -> Finding | None:
        """Fire on a promotion price that only undoes a raise made in the weeks before."""
        if not _listing_priced(record) or not record.original_price:
            return None
        price, original = record.price, record.original_price
        assert price is not None
        if original <= price + CENT:
            return None
        at = _now(record)
        window = active(record.windows, "promotion", at)
        if window is None:
            return None
        until = window.opens
        since = until - timedelta(days=spec.days)
        basis = between(record.price_history, since, until)
        # The lowest price before the highest one: what the seller charged before raising.
        for i, peak in enumerate(basis):
            earlier = [p.price for p in basis[:i] if p.price is not None]
            if not earlier or peak.price is None:
                continue
            before = min(earlier)
            if peak.price < before * (1 + spec.min_raise):
                continue
            if price + CENT < before * (1 - spec.tolerance):
                continue  # a real discount below the old price
            note = (
                f"{window.name}前先将价格由 {_yuan(before)} 提高至 {_yuan(peak.price)}"
                f"（{_day(peak.when)}），促销价 {_yuan(price)} 并不低于提价前"
                f"（划线价 {_yuan(original)}）"
            )
            return Finding(
                note,
                _evidence(
                    "raise_then_discount",
                    record,
                    at,
                    window,
                    since,
                    until,
                    basis,
                    before=before,
                    raised=peak.price,
                ),
            )
        return None


@register("price_gouging")
class PriceGouging:
    def run(self, record: Record, spec: Any) -> Finding | None:
        """Fire on an essential good priced far above its typical price before the emergency."""
        if not _listing_priced(record):
            return None
        price = record.price
        assert price is not None
        at = _now(record)
        window = active(record.windows, "emergency", at)
        if window is None:
            return None
        text = f"{record.title}\n{record.category}"
        good = next((g for g in spec.goods if g in text), None)
        if good is None:
            return None
        until = window.opens
        since = until - timedelta(days=spec.days)
        basis = between(record.price_history, since, until)
        if not basis:
            return None
        typical = median(p.price for p in basis if p.price is not None)
        if typical <= 0 or price <= typical * (1 + spec.max_rise) + CENT:
            return None
        rise = price / typical - 1
        note = (
            f"{window.name}期间{good}售价 {_yuan(price)}，为应急前{spec.days}日常见价 "
            f"{_yuan(typical)} 的 {price / typical:.1f} 倍（上涨 {rise * 100:.0f}%）"
        )
        return Finding(
            note,
            _evidence("price_gouging", record, at, window, since, until, basis, typical=typical),
        )
