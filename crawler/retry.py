"""Retries with backoff: a platform that answers 503 for a minute is waited out, not lost.

Scrapy's ``RetryMiddleware`` re-queues a failed request at once; a platform in trouble then
sees the same requests again within milliseconds, and a burst of errors uses up every retry.
This one waits before each retry — ``RETRY_BACKOFF_S`` doubled per attempt, or what the
server asked for in ``Retry-After`` (429, 503), never more than ``RETRY_MAX_WAIT_S`` — without
blocking the reactor: the request holds its concurrency slot while it waits, which slows the
crawl of that site down as a polite client should.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


def retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None if
    absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff = settings.getfloat("RETRY_BACKOFF_S", 1.0)
        self.max_wait = settings.getfloat("RETRY_MAX_WAIT_S", 60.0)

    def delay(self, attempt: int, asked: float | None = None) -> float:
        """How long to wait before retry number ``attempt`` (1 for the first)."""
        wait = asked if asked is not None else self.backoff * 2 ** (attempt - 1)
        return min(wait, self.max_wait)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        asked = retry_after(response.headers.get("Retry-After"))
        await self._wait(retry, asked, f"HTTP {response.status}")
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry", False) or not isinstance(
            exception, self.exceptions_to_retry
        ):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(retry, None, type(exception).__name__)
        return retry

    async def _wait(self, retry: Request, asked: float | None, why: str) -> None:
        seconds = self.delay(retry.meta.get("retry_times", 1), asked)
        self.crawler.stats.inc_value("wangjian/retries")
        logger.info("retrying %s in %.1fs (%s)", retry.url, seconds, why)
        if seconds > 0:
            await asyncio.sleep(seconds)
