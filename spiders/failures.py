"""Why a fetch failed, in words a user understands; the same for sweeps and scans."""

from __future__ import annotations

import sys

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

#: Chromium's net:: error codes (in Playwright's messages) → the same words as Scrapy's.
_CHROMIUM = {
    "ERR_CONNECTION_REFUSED": "connection refused",
    "ERR_NAME_NOT_RESOLVED": "DNS lookup failed",
    "ERR_CONNECTION_RESET": "connection reset",
    "ERR_TOO_MANY_REDIRECTS": "too many redirects",
    "ERR_TIMED_OUT": "timeout",
}


def failure_message(failure: Failure) -> str:
    """A short reason for the ways a fetch fails ("connection refused", "timeout", …)."""
    exc = failure.value
    text = str(exc)
    for code, words in _CHROMIUM.items():
        if code in text:
            return words
    if isinstance(exc, DownloadConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, CannotResolveHostError):
        return "DNS lookup failed"
    browser_timeout, browser_error = _browser_failure(exc)
    if isinstance(exc, DownloadTimeoutError | TimeoutError) or browser_timeout:
        return "timeout"
    if isinstance(exc, DownloadCancelledError) and "max size" in text:
        return "page larger than the size limit (WANGJIAN_MAX_PAGE_MB)"
    if isinstance(exc, ResponseDataLossError | ResponseFailed | ConnectionDone):
        return "connection closed before the page was complete"
    if isinstance(exc, ConnectionLost):
        return "connection reset"
    if isinstance(exc, IgnoreRequest) and "robots.txt" in text:
        return "forbidden by robots.txt"
    if isinstance(exc, IgnoreRequest) and "redirect loop" in text:
        return "redirect loop"
    if isinstance(exc, IgnoreRequest) and "redirections" in text:
        return "too many redirects"
    if browser_error:
        return f"browser: {text.splitlines()[0] if text else type(exc).__name__}"
    return f"{type(exc).__name__}: {failure.getErrorMessage()}"


def _browser_failure(exc: BaseException) -> tuple[bool, bool]:
    """Whether ``exc`` is Playwright's timeout, and whether it is any Playwright error.
    Playwright is imported by the first render (``crawler.downloads``): before that no
    failure can be one of its errors, and a crawl that renders nothing never imports it."""
    api = sys.modules.get("playwright.async_api")
    if api is None:
        return False, False
    return isinstance(exc, api.TimeoutError), isinstance(exc, api.Error)
