"""The HTTP cache of a sweep: Scrapy's RFC 2616 policy, but every cached page is asked for
again conditionally (If-None-Match / If-Modified-Since) whatever freshness the platform
declared, and only a 304 lets the cached copy stand in.

A monitoring sweep must see what is served now: a page "fresh" for an hour by its max-age is
still asked for (a 304 costs a few hundred bytes), and an error is an error — Scrapy's policy
would hand back the cached copy on a 5xx, hiding that the platform failed.

The storage is one SQLite file per platform (``<dir>/<spider>/<platform>.sqlite3``), a row per
page: a pickle of the response's metadata, headers and zlib-compressed body, under the request's
fingerprint. Rows are committed every ``COMMIT_EVERY`` pages or ``COMMIT_S`` seconds and when
the spider closes, so a crash loses at most the last few (fetched in full the next time) and
never leaves half of one; sweeps of different platforms never contend for a file. A file per
page, written to a temporary name and renamed, cost 0.1-0.3 ms of the kernel's time to create,
once per page: with it the cache took a fifth of a sweep's CPU; Scrapy's filesystem storage
writes seven gzip files per page and rewrites them all after every 304. Here a 304 writes
nothing, and an entry that cannot be read counts as not cached (the page is fetched in full); a
file that is no SQLite database, or a damaged one, is set aside and the cache starts empty, and
one that cannot be used at all (locked, the disk) leaves the crawl without a cache.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import time
import zlib
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_from_dict

from spiders.render_memo import UNREADABLE

logger = logging.getLogger(__name__)

#: zlib level of the bodies: level 3 keeps most of level 9's saving on HTML at a fifth of the cost.
LEVEL = 3
#: A commit after this many pages stored, or at the first page stored this many seconds after
#: the first uncommitted one.
COMMIT_EVERY = 200
COMMIT_S = 2.0
#: How long a page's read or write waits for another process's lock on the file. The crawl
#: waits with it (the storage runs in the reactor's thread), so it is short: a second sweep of
#: the same platform then goes without a cache (pages fetched in full) rather than stall.
LOCK_WAIT_S = 0.5
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pages (key BLOB PRIMARY KEY, entry BLOB NOT NULL) WITHOUT ROWID"
)


class RevalidatingPolicy(RFC2616Policy):
    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(
        self, cachedresponse: Response, response: Response, request: Request
    ) -> bool:
        return response.status == 304


class SweepCacheStorage:
    def __init__(self, settings: BaseSettings) -> None:
        self.cachedir = Path(settings["HTTPCACHE_DIR"])
        self.expiration_secs = settings.getint("HTTPCACHE_EXPIRATION_SECS")
        self.path: Path | None = None
        self._db: sqlite3.Connection | None = None
        self._uncommitted = 0
        self._since = 0.0  # when the first uncommitted page was stored

    def open_spider(self, spider: Spider) -> None:
        self._fingerprinter = spider.crawler.request_fingerprinter
        profile = getattr(spider, "profile", None)
        name = profile.code if profile is not None else spider.name
        self.path = self.cachedir / spider.name / f"{name}.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._connect(self.path)
        except sqlite3.Error as exc:
            self._failed(exc)

    def close_spider(self, spider: Spider) -> None:
        if self._db is not None:
            try:
                self._commit()
            except sqlite3.Error as exc:
                logger.warning("%s: last pages not kept in the HTTP cache (%s)", self.path, exc)
            self._db.close()
            self._db = None

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, timeout=LOCK_WAIT_S)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: consistent after a crash is enough
            db.execute(SCHEMA)
            db.execute("SELECT 1 FROM pages LIMIT 1").fetchall()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _failed(self, exc: sqlite3.Error) -> None:
        """A file that is no database, or a damaged one, is set aside and an empty cache
        begun; any other failure (locked, the disk) turns the cache off for the rest of the
        crawl. Either way the pages are fetched in full."""
        assert self.path is not None
        if self._db is not None:
            self._db.close()
        self._db, self._uncommitted = None, 0
        if isinstance(exc, sqlite3.OperationalError):
            logger.warning("%s: HTTP cache not usable (%s); off for this crawl", self.path, exc)
            return
        logger.warning("%s: HTTP cache unreadable (%s); set aside, begun afresh", self.path, exc)
        try:
            for suffix in ("", "-wal", "-shm"):
                part = self.path.with_name(self.path.name + suffix)
                if part.exists():
                    part.replace(part.with_name(part.name + ".damaged"))
            self._db = self._connect(self.path)
        except (OSError, sqlite3.Error) as again:
            logger.warning("%s: HTTP cache off for this crawl (%s)", self.path, again)

    def _key(self, request: Request) -> bytes:
        return self._fingerprinter.fingerprint(request)

    def retrieve_response(self, spider: Spider, request: Request) -> Response | None:
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT entry FROM pages WHERE key = ?", (self._key(request),)
            ).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        if row is None:
            return None
        try:
            entry: dict[str, Any] = pickle.loads(row[0])  # noqa: S301 - rows this cache wrote
            if 0 < self.expiration_secs < time.time() - entry["timestamp"]:
                return None
            body = zlib.decompress(entry["body"])
            response = response_from_dict({**entry["response"], "body": body})
        except UNREADABLE as exc:
            logger.warning("%s: cached copy unreadable (%s); fetching it in full", request.url, exc)
            return None
        request.meta["cache_timestamp"] = entry["timestamp"]
        return response

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        if "cached" in response.flags or self._db is None:
            return  # revalidated by a 304: the copy kept is the one just confirmed
        fields = response.to_dict()
        fields["headers"] = {k: list(v) for k, v in response.headers.items()}
        body = fields.pop("body")
        entry = {
            "url": request.url,
            "timestamp": time.time(),
            "response": fields,
            "body": zlib.compress(body, LEVEL),
        }
        row = (self._key(request), pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        try:
            if not self._uncommitted:
                self._db.execute("BEGIN")
                self._since = time.monotonic()
            self._db.execute("INSERT OR REPLACE INTO pages (key, entry) VALUES (?, ?)", row)
            self._uncommitted += 1
            if self._uncommitted >= COMMIT_EVERY or time.monotonic() - self._since > COMMIT_S:
                self._commit()
        except sqlite3.Error as exc:
            self._failed(exc)

    def _commit(self) -> None:
        if self._uncommitted and self._db is not None:
            self._db.execute("COMMIT")
            self._uncommitted = 0
