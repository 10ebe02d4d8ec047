"""Why a fetch failed, in words a user understands; the same for sweeps and scans."""

from __future__ import annotations

from playwright.async_api import TimeoutError as PlaywrightTimeout
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from twisted.python.failure import Failure


def failure_message(failure: Failure) -> str:
    """A short reason for the ways a fetch fails ("connection refused", "timeout", …)."""
    exc = failure.value
    text = str(exc)
    # Scrapy's own download errors, and Chromium's net:: codes in Playwright's messages.
    if isinstance(exc, DownloadConnectionRefusedError) or "ERR_CONNECTION_REFUSED" in text:
        return "connection refused"
    if isinstance(exc, CannotResolveHostError) or "ERR_NAME_NOT_RESOLVED" in text:
        return "DNS lookup failed"
    if isinstance(exc, DownloadTimeoutError | TimeoutError | PlaywrightTimeout):
        return "timeout"
    if isinstance(exc, IgnoreRequest) and "robots.txt" in text:
        return "forbidden by robots.txt"
    return f"{type(exc).__name__}: {failure.getErrorMessage()}"
