"""What sweeps saw of each listing over time: price histories, and listings that vanished.

Every sweep writes one ``Observation`` per listing it saw (``store.sweeps``). Read here:

- ``price_points``: a listing's observed prices, oldest first, as the price-history checks
  read them (``rules.price_checks``);
- ``PriceHistory``: what the score pipeline asks during a sweep, before the item is stored:
  the listing's earlier sightings, looked up by (platform, external id);
- ``mark_vanished``: after a finished sweep, the platform's listings it did not find.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select, true, update
from sqlalchemy.orm import Session

from rules.prices import PricePoint, PriceWindow
from rules.record import Record
from store import db
from store.base import utc
from store.models import Listing, Observation, Platform, Sweep, SweepKind, SweepStatus


def _point(observed_at: datetime, price, original_price) -> PricePoint:
    return PricePoint(
        at=observed_at,
        price=None if price is None else float(price),
        original_price=None if original_price is None else float(original_price),
    )


def _sightings_query(listing: Any, since: Any = None, before: Any = None, exclude_sweep=None):
    """The query of a listing's priced sightings in [since, before), oldest first; the
    bounds may be values or bound parameters (``PriceHistory`` prepares it once)."""
    query = select(Observation.observed_at, Observation.price, Observation.original_price).where(
        Observation.listing_id == listing, Observation.price.is_not(None)
    )
    if since is not None:
        query = query.where(Observation.observed_at >= since)
    if before is not None:
        query = query.where(Observation.observed_at < before)
    if exclude_sweep is not None:
        query = query.where(Observation.sweep_id != exclude_sweep)
    return query.order_by(Observation.observed_at)


def price_points(
    s: Session,
    listing_id: int,
    since: datetime | None = None,
    before: datetime | None = None,
    exclude_sweep: int | None = None,
) -> list[PricePoint]:
    """The listing's sightings with a price in [since, before), oldest first."""
    query = _sightings_query(listing_id, since, before, exclude_sweep)
    return [_point(*row) for row in s.execute(query)]


def lookback(at: datetime, windows: list[PriceWindow], days: int) -> datetime:
    """The earliest sighting a check of ``days`` may read for a record seen ``at``: the days
    before the earliest window that holds ``at``, else before ``at``."""
    opens = [w.opens for w in windows if w.holds(at)]
    return min([*opens, at]) - timedelta(days=days)


class PriceHistory:
    """The price history of listings a sweep is scoring, read from its database.

    One read-only connection pool of its own (SQLite in WAL reads beside the writer); the
    sweep's own sightings are left out, so a resumed sweep judges a listing as it first did.
    Which listings of a platform have any earlier priced sighting is read once, on the
    platform's first record: a listing without one (every listing of a first sweep, a new
    one in a re-sweep) costs no query; the others one each.
    """

    def __init__(
        self,
        engine: Engine,
        days: int,
        windows: list[PriceWindow] | None = None,
        sweep_id: int | None = None,
    ) -> None:
        self.engine = db.reading(engine)
        self.days = days
        self.windows = list(windows or [])
        self.sweep_id = sweep_id
        self._sessions = db.sessions(self.engine)
        self._priced: dict[str, dict[str, int]] = {}  # platform -> external id -> listing id
        # price_points' query, built once with its parameters bound at each execution.
        at = Observation.observed_at.type
        self._history = _sightings_query(
            bindparam("listing"),
            bindparam("since", type_=at),
            bindparam("before", type_=at),
            sweep_id,
        )

    def complete(self, record: Record, platform: str, external_id: str, at: datetime) -> Record:
        """``record`` with the sighting's time, the windows and the listing's history."""
        at = utc(at)
        history: list[PricePoint] = []
        if record.kind == "listing" and record.price is not None:
            listing_id = self._priced_listings(platform).get(external_id)
            if listing_id is not None:
                since = lookback(at, self.windows, self.days)
                with self.engine.connect() as c:  # Core: a re-sweep makes one per listing
                    rows = c.execute(
                        self._history,
                        {"listing": listing_id, "since": since, "before": at},
                    )
                    history = [_point(*row) for row in rows]
        return record.model_copy(
            update={"observed_at": at, "windows": self.windows, "price_history": history}
        )

    def _priced_listings(self, platform: str) -> dict[str, int]:
        """The platform's listings with a priced sighting by another sweep: id by external id."""
        known = self._priced.get(platform)
        if known is None:
            query = (
                select(Listing.external_id, Listing.id)
                .join(Platform, Listing.platform_id == Platform.id)
                .where(Platform.code == platform)
                .where(
                    select(Observation.id)
                    .where(Observation.listing_id == Listing.id, Observation.price.is_not(None))
                    .where(Observation.sweep_id != self.sweep_id if self.sweep_id else true())
                    .exists()
                )
            )
            with self._sessions() as s:
                known = self._priced[platform] = dict(s.execute(query).all())
        return known

    def close(self) -> None:
        self.engine.dispose()


def mark_vanished(s: Session, sweep: Sweep) -> int | None:
    """Mark the platform's listings this sweep did not find as vanished; how many, or None
    when the sweep cannot tell (not a finished sweep, or pages failed: a listing whose page
    or result page failed was not seen, which does not mean it is gone)."""
    stats = sweep.stats or {}
    if sweep.kind != SweepKind.sweep or sweep.status != SweepStatus.finished:
        return None
    if stats.get("wangjian/errors", 0) or stats.get("failures"):
        return None
    at = sweep.finished_at or sweep.started_at
    result = s.execute(
        update(Listing)
        .where(
            Listing.platform_id == sweep.platform_id,
            Listing.last_sweep_id != sweep.id,
            Listing.vanished_at.is_(None),
        )
        .values(vanished_at=at, vanished_sweep_id=sweep.id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
