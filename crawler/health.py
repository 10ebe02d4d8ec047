"""The health of a sweep: which declared fields its listings came with, and whether it looks
like the platform's recent sweeps.

``FieldCoverage`` (a Scrapy extension, enabled for sweeps) counts every listing that came
out of the pipelines (validated, scored, stored: ``item_scraped``) and, for each listing
field the profile reads (``PlatformProfile.listing_fields``), how many had it. The counts
are stats (``wangjian/coverage``, ``wangjian/coverage/<field>``), incremented as items leave
the last pipeline, so they are there when the store pipeline copies the stats onto the sweep
row at ``spider_closed``.

After the crawl, ``assess`` compares the sweep with the platform's recent finished sweeps
(their stored stats): far fewer listings than usual, or a field that most listings had and
few have now, says that the page structure may have changed (页面结构可能已变化), i.e. the
profile's selectors no longer match what the site serves. The baseline is the platform's
own history rather than fixed thresholds, because what is usual differs by platform.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from statistics import median
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from pipelines.score import Scored
from rules.items import ListingItem
from rules.labels import listing_field_label
from store.history import COVERAGE, coverage_shares

#: What "far below the platform's recent sweeps" means, in one place.
BASELINE_SWEEPS = 5  # the platform's last finished sweeps a sweep is compared with
MIN_BASELINE_SWEEPS = 2  # fewer than this: nothing to compare with yet
MIN_BASELINE_LISTINGS = 20  # a smaller usual count is too small to judge a drop of
LISTINGS_DROP = 0.5  # flagged below this share of the usual (median) listing count
MIN_SHARE_SAMPLE = 10  # listings a sweep needs before its field shares are judged
USUAL_SHARE = 0.5  # a field is judged only where at least this share of listings had it
SHARE_DROP = 0.3  # flagged when a field's share falls more than this below its usual share

#: A profile's listing field -> the ``ListingItem`` attribute it fills, where they differ.
ITEM_ATTRIBUTE = {"shop_link": "shop_url"}


def declared_fields(profile: Any) -> list[str]:
    """The listing fields ``profile`` reads, on listing pages or in search results."""
    return profile.listing_fields()


def present(item: Any, field: str) -> bool:
    """Whether ``item`` came with ``field``: None, blank text and empty lists are missing."""
    value = getattr(item, ITEM_ATTRIBUTE.get(field, field), None)
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | dict):
        return bool(value)
    return value is not None


class FieldCoverage:
    """Counts the stored listings and, per declared field, those that had it."""

    def __init__(self, stats: Any, fields: list[str]) -> None:
        self.stats = stats
        self.fields = fields

    @classmethod
    def from_crawler(cls, crawler) -> FieldCoverage:
        profile = crawler.settings.get("WANGJIAN_PROFILE")
        if profile is None:
            raise NotConfigured("no platform profile: no listing fields are declared")
        extension = cls(crawler.stats, declared_fields(profile))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def spider_opened(self, spider: Any) -> None:
        # Every declared field is in the stats, 0 included, so that a resumed sweep's row
        # keeps none of the interrupted run's counts.
        self.stats.set_value(COVERAGE, 0)
        for field in self.fields:
            self.stats.set_value(f"{COVERAGE}/{field}", 0)

    def item_scraped(self, item: Any, response: Any, spider: Any) -> None:
        if not isinstance(item, Scored) or not isinstance(item.item, ListingItem):
            return
        self.stats.inc_value(COVERAGE)
        for field in self.fields:
            if present(item.item, field):
                self.stats.inc_value(f"{COVERAGE}/{field}")


def basis_of(base_url: str, keywords: list[str], browse: list[str]) -> str:
    """What a sweep's listing count depends on (the site and where it starts), as a digest:
    only sweeps with the same basis are compared by count."""
    start = json.dumps([base_url, sorted(set(keywords)), sorted(browse)], ensure_ascii=False)
    return hashlib.sha256(start.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Snapshot:
    """What one sweep's stats say about its listings."""

    listings: int  # found, those a resumed sweep had stored before included
    covered: int  # counted for coverage
    coverage: dict[str, float]  # field -> share of the covered listings that had it
    basis: str | None = None  # see basis_of; None for sweeps from before it was kept

    @classmethod
    def of(cls, stats: dict[str, Any], basis: str | None = None) -> Snapshot:
        covered, shares = coverage_shares(stats)
        listings = stats.get("wangjian/items/listing", 0) + stats.get("wangjian/resumed/listing", 0)
        if basis is None:
            basis = (stats.get("health") or {}).get("basis")
        return cls(listings, covered, shares, basis)


def judge(current: Snapshot, history: list[Snapshot], finished: bool = True) -> list[str]:
    """Why ``current`` may come from a changed page structure, compared with ``history``
    (the platform's recent sweeps); empty when it looks like them. The listing count is
    judged only for a sweep that ran to its end, against sweeps with the same basis."""
    warnings = []
    counts = [h.listings for h in history if h.basis is not None and h.basis == current.basis]
    if finished and len(counts) >= MIN_BASELINE_SWEEPS:
        usual = median(counts)
        if usual >= MIN_BASELINE_LISTINGS and current.listings < LISTINGS_DROP * usual:
            warnings.append(f"商品数 {current.listings}，近 {len(counts)} 次巡查中位数 {usual:g}")
    if current.covered < MIN_SHARE_SAMPLE:
        return warnings
    for field, share in current.coverage.items():
        past = [
            h.coverage[field]
            for h in history
            if h.covered >= MIN_SHARE_SAMPLE and field in h.coverage
        ]
        if len(past) < MIN_BASELINE_SWEEPS:
            continue
        usual = median(past)
        if usual >= USUAL_SHARE and share < usual - SHARE_DROP:
            warnings.append(
                f"字段「{listing_field_label(field)}」覆盖率 {share:.0%}，"
                f"近 {len(past)} 次巡查中位数 {usual:.0%}"
            )
    return warnings


def assess(
    stats: dict[str, Any],
    history: list[tuple[int, dict[str, Any]]],
    basis: str,
    finished: bool,
) -> dict[str, Any]:
    """The health kept on the sweep row (``stats["health"]``): coverage shares, what the
    sweep was compared with and the warnings. ``history``: (id, stats) of recent sweeps."""
    current = Snapshot.of(stats, basis)
    warnings = judge(current, [Snapshot.of(past) for _, past in history], finished)
    return {
        "basis": basis,
        "listings": current.listings,
        "coverage_listings": current.covered,
        "coverage": current.coverage,
        "compared_with": [sweep_id for sweep_id, _ in history],
        "warnings": warnings,
    }
