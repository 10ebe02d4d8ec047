"""Renders kept between sweeps, reused when the platform says nothing they read has changed.

A render's DOM is made from the page and what its scripts fetched. Chromium reports those
fetches (the Resource Timing entries of the page: scripts, ``fetch`` and XHR calls); after a
render the sweep keeps the DOM with the hash of the plain page and the URLs fetched on the
page's own host, and asks Scrapy for each URL once, so the HTTP cache holds it with its
validators. The next sweep that gets the plain page back as a 304 with the same hash asks for
each of those URLs conditionally; when every one comes back 304 the kept DOM is read instead
of rendering again. Anything else (a URL that changed, failed, cannot be cached, or lives on
another host, more than ``MAX_RESOURCES`` of them) renders in Chromium as before.

What a script computes from the clock or at random is the one thing this cannot see; a
profile whose pages do that turns the HTTP cache off (``WANGJIAN_HTTP_CACHE=false``).

Files are pickles written to a temporary name and renamed (``write_pickle``), so a crash
leaves the old file or the new one (a file per render: renders are few; the HTTP cache,
``crawler.httpcache``, keeps its pages in one SQLite file instead).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse, Request, Response
from scrapy_playwright.page import PageMethod

logger = logging.getLogger(__name__)

#: Renders with more fetches than this are not kept: revalidating them costs what a render does.
MAX_RESOURCES = 8
#: Response flag of a page read from a kept render.
REUSED = "render_reused"
#: What a render's page fetched, by the browser's own account (Resource Timing).
RESOURCES_JS = (
    "() => performance.getEntriesByType('resource')"
    ".filter(e => ['script', 'fetch', 'xmlhttprequest'].includes(e.initiatorType))"
    ".map(e => e.name)"
)


def resources_method() -> PageMethod:
    """The page method that lists a render's fetches; run after the page settled."""
    return PageMethod("evaluate", RESOURCES_JS)


def write_pickle(path: Path, value: Any) -> None:
    """``value`` pickled to ``path``, all or nothing (temporary file, then rename).

    The temporary name is the path's own with this process and thread: unique among writers
    without ``mkstemp``'s random names (one file per page of a sweep, it showed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_pickle(path: Path) -> Any:
    """What ``write_pickle`` wrote; FileNotFoundError when nothing was."""
    return pickle.loads(path.read_bytes())  # noqa: S301 - files this process family wrote


#: What reading a kept file can raise besides FileNotFoundError: it is then treated as absent.
UNREADABLE = (
    OSError,
    EOFError,
    zlib.error,
    pickle.UnpicklingError,
    KeyError,
    ValueError,
    TypeError,
)


@dataclass(frozen=True)
class Memo:
    url: str
    page_sha256: str  # of the plain page the render was made from
    resources: list[str]
    body: bytes = field(repr=False)
    headers: dict[bytes, list[bytes]] = field(repr=False)
    encoding: str = "utf-8"

    def response(self, request: Request) -> HtmlResponse:
        """The kept DOM as the render's response to ``request``."""
        return HtmlResponse(
            url=self.url,
            body=self.body,
            headers=self.headers,
            encoding=self.encoding,
            request=request,
            flags=["playwright", REUSED],
        )


class RenderMemo:
    """Kept renders under ``directory``, one file per page URL."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode()).hexdigest()
        return self.directory / key[:2] / key

    def get(self, url: str, page_sha256: str) -> Memo | None:
        """The kept render of ``url`` made from a plain page with that hash; None if none."""
        try:
            entry = read_pickle(self._path(url))
            memo = Memo(**{**entry, "body": zlib.decompress(entry["body"])})
        except FileNotFoundError:
            return None
        except UNREADABLE as exc:
            logger.warning("%s: kept render unreadable (%s); rendering again", url, exc)
            return None
        return memo if memo.url == url and memo.page_sha256 == page_sha256 else None

    def put(self, memo: Memo) -> None:
        entry = {**memo.__dict__, "body": zlib.compress(memo.body, 3)}
        write_pickle(self._path(memo.url), entry)

    def forget(self, url: str) -> None:
        self._path(url).unlink(missing_ok=True)


def resources_of(response: Response) -> list[str] | None:
    """The URLs a render fetched on the page's own host, in order, each once; None when the
    render cannot be kept (not reported, another host, too many)."""
    reported = None
    for method in response.meta.get("playwright_page_methods") or ():
        if isinstance(method, PageMethod) and method.args == (RESOURCES_JS,):
            reported = method.result
    if not isinstance(reported, list):
        return None
    host = urlsplit(response.url).netloc
    urls = list(dict.fromkeys(u for u in reported if isinstance(u, str)))
    if len(urls) > MAX_RESOURCES or any(urlsplit(u).netloc != host for u in urls):
        return None
    if any(urlsplit(u).scheme not in ("http", "https") for u in urls):
        return None
    return urls


def memo_of(response: HtmlResponse, page_sha256: str) -> Memo | None:
    """What to keep of a render just made; None when it cannot be kept."""
    resources = resources_of(response)
    if resources is None:
        return None
    return Memo(
        url=response.url,
        page_sha256=page_sha256,
        resources=resources,
        body=response.body,
        headers={k: list(v) for k, v in response.headers.items()},
        encoding=response.encoding,
    )
