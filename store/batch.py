"""A batch of a sweep's items written with set-based statements: a round-trip per table.

``store.sweeps.store_scored`` writes one item through the ORM, a dozen statements with their
look-ups. The sweep's writer thread (``pipelines.writer``) hands over every item that queued
while it wrote the previous batch, and ``SweepBatches.write`` writes them all at once, in the
caller's transaction, with the same outcome as ``store_scored`` item after item:

1. the batch's rows looked up by (platform, external id), one SELECT per table;
2. shop pages, then the shops listings name (stubs, or a stub's empty url and name filled),
   listings, pages and ads upserted (``INSERT … ON CONFLICT DO UPDATE … RETURNING id``, the
   same on SQLite and PostgreSQL);
3. the regions (属地) of the shops the batch may have moved, settled together
   (``store.sweeps.settle_shop_regions``);
4. this sweep's observations of its listings upserted (one per listing and sweep);
5. the verdicts: hits replaced and leads upserted for every target (``store.verdicts.
   record_verdicts``).

The column values come from the mapping ``store.sweeps`` writes with (``listing_columns``
and the others), so the two paths cannot write different things; tests/test_store_batch.py
compares their databases. An item that appears twice in a batch (a scan given a URL twice)
splits it: each part holds a row once, written in order, as one item after another would be.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rules.items import Item
from rules.record import Verdict
from store import sweeps as one
from store.models import Ad, Listing, Observation, Platform, Shop
from store.verdicts import Judged, record_verdicts

LISTINGS: Table = Listing.__table__  # type: ignore[assignment]
SHOPS: Table = Shop.__table__  # type: ignore[assignment]
ADS: Table = Ad.__table__  # type: ignore[assignment]
OBSERVATIONS: Table = Observation.__table__  # type: ignore[assignment]
SEEN_KEY = ("platform_id", "external_id")

Entry = tuple[Item, Verdict]


@dataclass(frozen=True)
class Stored:
    """The row an item was written to (what ``store.evidence.file_capture`` needs)."""

    kind: str  # listing, shop or ad (a page is a listing of its platform)
    id: int
    new: bool


def upsert(s: Session, table: Table, rows: list[dict[str, Any]], keys: Sequence[str], set_):
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET …`` of ``rows``; ``set_`` gets the
    statement (for its ``excluded``) and returns the columns to set. Returns (platform_id,
    external_id) → id for tables of seen things, else nothing."""
    statement = _upsert_statement(s.get_bind().dialect.name, table, tuple(keys), set_)
    if "external_id" not in keys:
        s.execute(statement, rows)
        return {}
    return {(p, e): i for i, p, e in s.execute(statement, rows)}


@lru_cache(maxsize=256)
def _upsert_statement(dialect_name: str, table: Table, keys: tuple[str, ...], set_):
    """The upsert statement, built once per table, key and ``set_`` (building one, its
    ``excluded`` columns among it, was a tenth of the writer's time, on every batch)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=set_(statement))
    if "external_id" in keys:
        statement = statement.returning(table.c.id, table.c.platform_id, table.c.external_id)
    return statement


def _seen_set(table: Table, columns: Sequence[str]):
    """What an upsert of a seen row sets: ``columns`` as given, and the sighting (the latest
    ``last_seen``, this sweep); ``first_seen`` stays the first. The same function for the
    same columns, so that the statement is built once."""
    return _seen_setter(table, tuple(columns))


@lru_cache(maxsize=256)
def _seen_setter(table: Table, columns: tuple[str, ...]):
    def set_(statement) -> dict[str, Any]:
        new = statement.excluded
        return {
            **{c: new[c] for c in columns},
            "last_seen": case(
                (new.last_seen > table.c.last_seen, new.last_seen), else_=table.c.last_seen
            ),
            "last_sweep_id": new.last_sweep_id,
        }

    return set_


class SweepBatches:
    """Writes batches of one sweep's items; keeps the platforms' ids between batches."""

    def __init__(self, sweep_id: int) -> None:
        self.sweep_id = sweep_id
        self._platforms: dict[str, int] = {}

    def write(self, s: Session, entries: Sequence[Entry]) -> list[Stored]:
        """Write every (item, verdict) in the caller's transaction; the rows, in order."""
        stored: list[Stored] = []
        for part in _parts(entries):
            rows = _Part(self, s, [item for item, _ in part]).write()
            judged = [
                Judged(row.kind, row.id, row.new, verdict, one._seen_at(item.page))
                for row, (item, verdict) in zip(rows, part, strict=True)
            ]
            record_verdicts(s, self.sweep_id, judged)
            stored += rows
        return stored

    def platform_ids(self, s: Session, codes: set[str]) -> dict[str, int]:
        missing = codes - self._platforms.keys()
        if not missing:
            return self._platforms
        query = select(Platform.code, Platform.id).where(Platform.code.in_(missing))
        found = {code: i for code, i in s.execute(query)}
        self._platforms.update(found)  # committed rows: safe to keep
        made = {}
        for code in missing - found.keys():  # a platform not yet stored (rare): the ORM's way
            platform = one._platform(s, code)
            s.flush()
            made[code] = platform.id  # not kept: its transaction may yet roll back
        return {**self._platforms, **made}


class _Part:
    """One part of a batch (each row at most once), written table by table."""

    def __init__(self, batches: SweepBatches, s: Session, items: list[Item]) -> None:
        self.s = s
        self.sweep_id = batches.sweep_id
        self.items = items
        platform = batches.platform_ids(s, {item.platform for item in items})
        self.keys = [(platform[item.platform], item.external_id) for item in items]
        self.shop_ids: dict[tuple[int, str], int] = {}
        #: What places each shop the part wrote: its current row's facts.
        self.shop_facts: dict[int, dict[str, Any]] = {}
        self.settle: set[int] = set()

    def of_kind(self, *kinds: str) -> list[int]:
        return [n for n, item in enumerate(self.items) if item.kind in kinds]

    def write(self) -> list[Stored]:
        rows = {**self._shops(), **self._listings(), **self._ads()}
        one.settle_shop_regions(self.s, {i: self.shop_facts[i] for i in self.settle})
        return [rows[n] for n in range(len(self.items))]

    def _seen_row(self, n: int, external_id: str | None = None) -> dict[str, Any]:
        at = one._seen_at(self.items[n].page)
        return {
            "platform_id": self.keys[n][0],
            "external_id": external_id or self.items[n].external_id,
            "first_seen": at,
            "last_seen": at,
            "last_sweep_id": self.sweep_id,
        }

    def _shops(self) -> dict[int, Stored]:
        """Shop pages, then the shops listings name (a stub, or a stub's empty url and name
        filled: a read page keeps its own)."""
        pages = {self.keys[n]: n for n in sorted(self.of_kind("shop"), key=self.keys.__getitem__)}
        named: dict[tuple[int, str], int] = {}
        for n in self.of_kind("listing"):
            shop_id = self.items[n].shop_external_id
            if shop_id:
                named.setdefault((self.keys[n][0], shop_id), n)  # the first one creates it
        if not pages and not named:
            return {}
        placing = ("uscc", "licence_address", "region_code", "region_source")
        before = _existing(self.s, SHOPS, [*pages, *named], (*placing, "url", "name"))
        current = {key: dict(row) for key, row in before.items()}
        if pages:
            rows = [
                {**self._seen_row(n), **one.shop_columns(self.items[n])} for n in pages.values()
            ]
            columns = [c for c in rows[0] if c not in _SIGHTING]
            self.shop_ids.update(upsert(self.s, SHOPS, rows, SEEN_KEY, _seen_set(SHOPS, columns)))
            for key, row in zip(pages, rows, strict=True):
                stored = current.get(key, {})
                current[key] = {
                    **{c: row[c] for c in ("uscc", "licence_address", "url", "name")},
                    "region_code": stored.get("region_code"),
                    "region_source": stored.get("region_source"),
                }
        stubs = []
        for key, n in named.items():
            item, shop = self.items[n], current.get(key)
            url, name = item.shop_url or "", item.shop_name
            if shop is None or (not shop["url"] and url) or (not shop["name"] and name):
                stubs.append({**self._seen_row(n, key[1]), "url": url, "name": name})
            elif key not in pages:
                self.shop_ids[key] = before[key]["id"]
        if stubs:
            # In key order, as every writer does: two workers' batches upserting the same
            # shops (a distributed sweep) wait for each other rather than deadlock.
            stubs.sort(key=lambda row: (row["platform_id"], row["external_id"]))
            self.shop_ids.update(upsert(self.s, SHOPS, stubs, SEEN_KEY, _fill_empty))
        empty = dict.fromkeys(placing)
        for key, shop_id in self.shop_ids.items():
            self.shop_facts[shop_id] = {c: (current.get(key) or empty)[c] for c in placing}
        # A shop page always settles its shop (its licence may have changed).
        self.settle.update(self.shop_ids[key] for key in pages)
        return {
            n: Stored("shop", self.shop_ids[key], key not in before) for key, n in pages.items()
        }

    def _listings(self) -> dict[int, Stored]:
        """Listings (with this sweep's observation) and pages read without a profile."""
        listings, pages = self.of_kind("listing"), self.of_kind("page")
        if not listings and not pages:
            return {}
        placed = ("last_sweep_id", "shop_id", "ship_from_code")
        before = _existing(self.s, LISTINGS, [self.keys[n] for n in (*listings, *pages)], placed)
        ids: dict[tuple[int, str], int] = {}
        rows: dict[int, dict[str, Any]] = {}
        for n in listings:
            item = self.items[n]
            shop_key = (self.keys[n][0], item.shop_external_id)
            rows[n] = {
                **self._seen_row(n),
                **one.read_columns(item),
                **one.listing_columns(item),
                "shop_id": self.shop_ids[shop_key] if item.shop_external_id else None,
            }
        for n in pages:
            rows[n] = {**self._seen_row(n), **one.read_columns(item := self.items[n])}
            rows[n] |= one.page_columns(item)
        for part in (listings, pages):
            if part:
                columns = [c for c in rows[part[0]] if c not in _SIGHTING]
                group = [rows[n] for n in part]
                ids.update(upsert(self.s, LISTINGS, group, SEEN_KEY, _seen_set(LISTINGS, columns)))
        observed = []
        for n in listings:
            row, earlier = rows[n], before.get(self.keys[n])
            moved = earlier is None or (earlier["shop_id"], earlier["ship_from_code"]) != (
                row["shop_id"],
                row["ship_from_code"],
            )
            if row["shop_id"] is not None and moved:
                # A shop without a readable licence is placed by its listings: this one may
                # move it (one seen again with the same shop and 发货地 cannot).
                self.settle.add(row["shop_id"])
            observed.append(
                {
                    "listing_id": ids[self.keys[n]],
                    "sweep_id": self.sweep_id,
                    "observed_at": row["fetched_at"],
                    "price": row["price"],
                    "original_price": row["original_price"],
                    "title": row["title"],
                    "available": self.items[n].available,
                }
            )
        if observed:
            keys = ("listing_id", "sweep_id")
            upsert(self.s, OBSERVATIONS, observed, keys, _observation_set)
        return {
            n: Stored("listing", ids[self.keys[n]], self.keys[n] not in before)
            for n in (*listings, *pages)
        }

    def _ads(self) -> dict[int, Stored]:
        ads = self.of_kind("ad")
        if not ads:
            return {}
        rows = [{**self._seen_row(n), **one.ad_columns(self.items[n])} for n in ads]
        columns = list(one.ad_columns(self.items[ads[0]]))
        ids = upsert(self.s, ADS, rows, SEEN_KEY, _seen_set(ADS, columns))
        # Not looked up first: an ad's hits and leads are replaced as an existing row's are.
        return {n: Stored("ad", ids[self.keys[n]], False) for n in ads}


_SIGHTING = (*SEEN_KEY, "first_seen", "last_seen", "last_sweep_id")


def _fill_empty(statement) -> dict[str, Any]:
    """A shop named by a listing: a stub learns its url and name; a read page keeps its own."""
    new = statement.excluded
    return {
        "url": case((SHOPS.c.url == "", new.url), else_=SHOPS.c.url),
        "name": case((SHOPS.c.name == "", new.name), else_=SHOPS.c.name),
    }


def _observation_set(statement) -> dict[str, Any]:
    """A page read twice in one sweep (a resumed one may) keeps its last reading."""
    new = statement.excluded
    return {c: new[c] for c in ("observed_at", "price", "original_price", "title", "available")}


def _existing(
    s: Session, table: Table, keys: list[tuple[int, str]], columns: Sequence[str]
) -> dict[tuple[int, str], dict[str, Any]]:
    """The rows of ``table`` among (platform_id, external_id) ``keys``: id and ``columns``."""
    found: dict[tuple[int, str], dict[str, Any]] = {}
    by_platform: dict[int, list[str]] = {}
    for platform_id, external_id in keys:
        by_platform.setdefault(platform_id, []).append(external_id)
    wanted = [table.c.id, table.c.platform_id, table.c.external_id, *(table.c[c] for c in columns)]
    for platform_id, external_ids in by_platform.items():
        query = select(*wanted).where(
            table.c.platform_id == platform_id, table.c.external_id.in_(external_ids)
        )
        for row in s.execute(query).mappings():
            found[(row["platform_id"], row["external_id"])] = dict(row)
    return found


def _parts(entries: Sequence[Entry]) -> Iterator[Sequence[Entry]]:
    """``entries`` cut where a row comes again, so that no part writes a row twice."""
    start, seen = 0, set()
    for n, (item, _) in enumerate(entries):
        table = "listing" if item.kind == "page" else item.kind
        key = (table, item.platform, item.external_id)
        if key in seen:
            yield entries[start:n]
            start, seen = n, set()
        seen.add(key)
    if start < len(entries):
        yield entries[start:]


__all__ = ["Entry", "Stored", "SweepBatches"]
