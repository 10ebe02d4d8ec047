"""One writer thread per sweep: items are written in small batches, each batch one transaction.

The reactor thread only queues an item and awaits its future; the future resolves after the
transaction holding the item has committed, so nothing is reported stored before it is. A
crash (even ``kill -9``) loses at most the items of the batch being written, none of which has
been acknowledged; the database keeps whole transactions only.

Batches form by themselves (group commit): the writer takes what queued while it wrote the
previous batch, up to ``max_batch`` items; ``max_wait`` > 0 would hold a batch open for more,
which measured no faster and only delays acknowledgements. When a batch fails,
it is rolled back and its items are written again one transaction each, so one item that
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

MAX_BATCH = 50
MAX_WAIT_S = 0.0

Write = Callable[[Session, Any], Any]
_STOP = object()


class BatchWriter:
    """Runs ``write(session, payload)`` for every submitted payload on its own thread."""

    def __init__(
        self,
        engine: Engine,
        write: Write,
        max_batch: int = MAX_BATCH,
        max_wait: float = MAX_WAIT_S,
    ) -> None:
        self.engine = engine
        self.write = write
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="wangjian-store", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, payload: Any) -> Future:
        """A future of ``write``'s result, set once the payload's transaction has committed."""
        if self._closed:
            raise RuntimeError("the store writer is closed")
        future: Future = Future()
        self._queue.put((payload, future))
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
        batch = [first]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            timeout = deadline - time.monotonic()
            try:
                job = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                return batch, True
            batch.append(job)
        return batch, False

    def _write_batch(self, batch: list[tuple[Any, Future]], retried: bool = False) -> None:
        try:
            with db.session_scope(self.engine) as s:
                results = [self.write(s, payload) for payload, _ in batch]
        except Exception as exc:
            if len(batch) == 1:
                if not retried and _raced(exc):
                    # Another process wrote the same row first (workers of a distributed
                    # sweep reading two listings of one shop): written again, it finds it.
                    self._write_batch(batch, retried=True)
                    return
                batch[0][1].set_exception(exc)
                return
            logger.debug("batch of %d rolled back; writing its items one by one", len(batch))
            for job in batch:
                self._write_batch([job])
            return
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
