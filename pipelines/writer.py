"""One writer thread per sweep: items are written in small batches, each batch one transaction.

The reactor thread only queues an item and awaits its future; the future resolves after the
transaction holding the item has committed, so nothing is reported stored before it is. A
crash (even ``kill -9``) loses at most the items of the batch being written, none of which has
been acknowledged; the database keeps whole transactions only.

Batches form by themselves (group commit): the writer takes what queued while it wrote the
previous batch, up to ``max_batch`` items, and while items keep coming (one came less than
``max_wait`` after the last write) holds a batch open up to ``max_wait`` for more. A sweep
yields a few dozen items a second and a batch commits in milliseconds, so without the wait
the writer idles between items and batches hold 1-1.5 of them (the 2,000-listing demo). The
wait holds up no other page: Scrapy runs each response's items in a task of its own, so an
item awaiting its commit holds only its own response. With ``write_batch``
(``store.batch``) a batch costs about the same statements whatever it holds, so items per
batch is what a write costs; ``batches`` and ``items`` count them. When a batch fails, it
is rolled back and its items are written again one transaction each, so one item that
cannot be stored fails alone.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from store import db

logger = logging.getLogger(__name__)

MAX_BATCH = 100
#: The longest an item waits for others: a few batches' commit, small beside a page's fetch.
MAX_WAIT_S = 0.1

#: The wait for one more item, in mean gaps between items (and at least MIN_GAP_S).
GAPS = 4
MIN_GAP_S = 0.001
GAP_WEIGHT = 0.2

Write = Callable[[Session, Any], Any]
WriteBatch = Callable[[Session, list[Any]], list[Any]]
_STOP = object()


class BatchWriter:
    """Runs ``write(session, payload)`` for every submitted payload on its own thread, or
    ``write_batch(session, payloads)`` (a result per payload) for each batch when given."""

    def __init__(
        self,
        engine: Engine,
        write: Write | None = None,
        max_batch: int = MAX_BATCH,
        max_wait: float = MAX_WAIT_S,
        *,
        write_batch: WriteBatch | None = None,
    ) -> None:
        if (write is None) == (write_batch is None):
            raise ValueError("give write or write_batch")
        self.engine = engine
        self.write_batch = write_batch or (lambda s, payloads: [write(s, p) for p in payloads])
        self.max_batch = max_batch
        self.max_wait = max_wait
        #: Batches committed and the items in them (not counting a failed batch's retries).
        self.batches = 0
        self.items = 0
        self._last_write = float("-inf")
        self._last_submit: float | None = None
        self._gap = max_wait  # a moving mean of the time between two submits
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="wangjian-store", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, payload: Any) -> Future:
        """A future of ``write``'s result, set once the payload's transaction has committed."""
        if self._closed:
            raise RuntimeError("the store writer is closed")
        future: Future = Future()
        self._queue.put((payload, future, time.monotonic()))
        return future

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()

    # -- the writer thread --------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._next_batch()
            if batch:
                self._write_batch(batch)

    def _next_batch(self) -> tuple[list[tuple[Any, Future]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [self._arrived(first)]
        now = time.monotonic()
        # Wait only while items are coming: the first item after a pause (a scan's only
        # page, a sweep's first) is written at once.
        deadline = now + self.max_wait if now - self._last_write < self.max_wait else now
        while len(batch) < self.max_batch:
            # ... and not for the item that cannot come before these are acknowledged: the
            # wait for more is a few of the recent gaps between items. The writer sleeps it
            # and takes what came, instead of waking for each item (a wake-up is a switch of
            # the interpreter lock away from the crawl).
            wait = min(deadline - time.monotonic(), GAPS * self._gap + MIN_GAP_S)
            if wait > 0:
                time.sleep(wait)
            came = 0
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    return batch, True
                batch.append(self._arrived(job))
                came += 1
            if not came or wait <= 0:
                break
        return batch, False

    def _arrived(self, job: tuple[Any, Future, float]) -> tuple[Any, Future]:
        """The job without its submit time, which goes into the mean gap between items."""
        payload, future, at = job
        if self._last_submit is not None:
            self._gap += GAP_WEIGHT * (at - self._last_submit - self._gap)
        self._last_submit = at
        return payload, future

    def _write_batch(self, batch: list[tuple[Any, Future]]) -> None:
        try:
            self._write_now(batch)
        finally:
            self._last_write = time.monotonic()

    def _write_now(self, batch: list[tuple[Any, Future]], retried: bool = False) -> None:
        try:
            with db.session_scope(self.engine) as s:
                results = self.write_batch(s, [payload for payload, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                if not retried and _raced(exc):
                    # Another process wrote the same row first (workers of a distributed
                    # sweep reading two listings of one shop): written again, it finds it.
                    self._write_now(batch, retried=True)
                    return
                batch[0][1].set_exception(exc)
                return
            logger.debug("batch of %d rolled back; writing its items one by one", len(batch))
            for job in batch:
                self._write_now([job])
            return
        self.batches += 1
        self.items += len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)


#: PostgreSQL's deadlock and serialisation failures: the transaction may simply be tried again.
_RETRY_SQLSTATES = {"40P01", "40001"}


def _raced(exc: Exception) -> bool:
    """Whether ``exc`` is a concurrent writer's doing: a unique key another transaction
    inserted meanwhile, or a deadlock between two transactions."""
    if isinstance(exc, IntegrityError):
        return True
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, DBAPIError) and state in _RETRY_SQLSTATES
