"""Ten days of the demo marketplace swept once a day on a simulated clock, scored against the
calendar's truth: which price checks fired on which sighting, and which should have.

The sweeps themselves are run by the caller (a test's subprocess helper, the benchmark), each
with ``sweep_args`` and ``sweep_env(day)``; this module says what to run and reads the result.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from crawler.demo import calendar
from crawler.demo.catalog import Catalog

#: The price checks of the shipped packs, as ``pack.rule``.
PRICE_RULES = (
    "fake_promotion.reference_price",
    "fake_promotion.raise_then_discount",
    "price_gouging.essential_goods_gouging",
)
#: The demo calendar's windows as ``wangjian sweep`` takes them.
WINDOW_ARGS = (
    "--promotion",
    f"{calendar.PROMOTION.name}={calendar.PROMOTION.start}..{calendar.PROMOTION.end}",
    "--emergency",
    f"{calendar.EMERGENCY.name}={calendar.EMERGENCY.start}..{calendar.EMERGENCY.end}",
)

Sighting = tuple[int, str, str]  # (day, listing id, pack.rule)


def sweep_args(base_url: str) -> list[str]:
    return ["sweep", "demo", "--base-url", base_url, *WINDOW_ARGS]


def clock(day: int) -> str:
    """The simulated time of ``day``'s sweep (WANGJIAN_CLOCK): 10:00 in Beijing."""
    return f"{calendar.date_of(day).isoformat()}T10:00:00+08:00"


def truth(catalog: Catalog) -> set[Sighting]:
    """Every (day, listing, rule) the calendar says must fire."""
    return {
        (day, listing.id, rule)
        for day in range(calendar.DAYS)
        for listing in catalog.listings.values()
        for rule in calendar.cheats(catalog.seed, listing, day)
    }


def fired(database: Path, sweep_id: int, day: int) -> set[Sighting]:
    """The price-check hits the sweep stored (a SQLite file), read right after it: the next
    sweep that scores a listing replaces its hits."""
    marks = ", ".join("?" * len(PRICE_RULES))
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT l.external_id, h.rule_id FROM rule_hits h"
            " JOIN listings l ON l.id = h.listing_id"
            f" WHERE h.sweep_id = ? AND h.rule_id IN ({marks})",
            (sweep_id, *PRICE_RULES),
        ).fetchall()
    return {(day, listing, rule) for listing, rule in rows}


@dataclass(frozen=True)
class Score:
    rule: str
    expected: int
    found: int
    true: int

    @property
    def precision(self) -> float:
        return self.true / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true / self.expected if self.expected else 1.0

    def line(self) -> str:
        return (
            f"{self.rule:<40} precision {self.precision:.3f} recall {self.recall:.3f}"
            f"  ({self.true} of {self.expected} expected, {self.found} fired)"
        )


def scores(found: set[Sighting], expected: set[Sighting]) -> list[Score]:
    def of(rule: str, sightings: set[Sighting]) -> set[Sighting]:
        return {s for s in sightings if s[2] == rule}

    return [
        Score(rule, len(of(rule, expected)), len(of(rule, found)), len(of(rule, found & expected)))
        for rule in PRICE_RULES
    ]
