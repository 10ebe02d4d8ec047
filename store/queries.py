"""The store's API for pipelines and the CLI (docs/contracts.md, "Store").

Every function takes the caller's session and flushes, never commits: the pipeline or the
CLI decides the transaction (``with store.db.session_scope(engine) as s:``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.leads import LeadRow, SummaryRow, lead_summary, list_leads, set_lead_status
from store.models import Ad, Listing, Shop
from store.sweeps import finish_sweep, start_sweep, store_scored, upsert
from store.verdicts import record_verdict

__all__ = [
    "LeadRow",
    "SummaryRow",
    "ads_for_rescore",
    "finish_sweep",
    "lead_summary",
    "list_leads",
    "listings_for_rescore",
    "record_verdict",
    "set_lead_status",
    "shops_for_rescore",
    "start_sweep",
    "store_scored",
    "upsert",
]

Seen = TypeVar("Seen", Listing, Shop, Ad)


def _in_batches(
    s: Session, model: type[Seen], batch: int, after: int, *criteria: Any, options: Any = ()
) -> Iterator[Seen]:
    # Keyset pages keep each query small however many rows there are.
    last = after
    while True:
        rows = s.scalars(
            select(model)
            .where(model.id > last, *criteria)
            .order_by(model.id)
            .limit(batch)
            .options(*options)
        ).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].id


def listings_for_rescore(s: Session, batch: int = 500, after: int = 0) -> Iterator[Listing]:
    """Every stored listing with id > ``after`` (with its shop), in id order, ``batch`` a query."""
    return _in_batches(s, Listing, batch, after, options=(selectinload(Listing.shop),))


def shops_for_rescore(s: Session, batch: int = 500, after: int = 0) -> Iterator[Shop]:
    """Every shop whose page has been fetched, in id order."""
    return _in_batches(s, Shop, batch, after, Shop.fetched_at.is_not(None))


def ads_for_rescore(s: Session, batch: int = 500, after: int = 0) -> Iterator[Ad]:
    return _in_batches(s, Ad, batch, after)
