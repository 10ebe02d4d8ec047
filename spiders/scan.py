"""The scan spider: fetch the pages a user names, once each, and say what each one shows.

No following of links: every URL given is one page, read by the profile when its path is a
listing, shop or search page of that profile, else by ``spiders.generic_page``. Scoring is
not done here; the spider leaves one or more ``Seen`` per URL in ``seen`` and
``crawler.scan`` scores them after the crawl.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import scrapy
from playwright.async_api import TimeoutError as PlaywrightTimeout
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse, Request, Response
from twisted.python.failure import Failure

from spiders.extract import (
    ExtractionError,
    capture,
    external_id,
    extract_listing,
    extract_search,
    extract_shop,
    needs_render,
)
from spiders.generic_page import GenericPage, extract_page, page_title
from spiders.items import AdItem, ListingItem, PageCapture, ShopItem
from spiders.profile import PlatformProfile, RenderRule
from spiders.render import render_meta

Kind = Literal["listing", "shop", "search", "ad", "page"]
#: Error statuses reach the callback, so a 404 is reported with its page's hash.
HTTP_ERRORS = list(range(400, 600))


@dataclass
class Seen:
    """One thing a scanned URL showed, before scoring; ``page`` is None when nothing came."""

    index: int  # position of the URL in the scan
    url: str  # as the user gave it
    kind: Kind
    title: str = ""
    item: ListingItem | ShopItem | AdItem | GenericPage | None = None
    page: PageCapture | None = None
    error: str | None = None
    fetched_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.fetched_at is None:
            self.fetched_at = self.page.fetched_at if self.page else datetime.now(UTC)


def page_kind(url: str, profile: PlatformProfile | None) -> Kind:
    """Which of the profile's pages ``url`` is, by its path; 'page' when none or no profile."""
    if profile is None:
        return "page"
    if external_id(url, profile.listing.id_pattern) is not None:
        return "listing"
    if external_id(url, profile.shop.id_pattern) is not None:
        return "shop"
    search_paths = {urlsplit(u).path for u in (profile.search.url, *profile.search.browse)}
    return "search" if urlsplit(url).path in search_paths else "page"


def render_rule(kind: Kind, profile: PlatformProfile | None) -> RenderRule | None:
    if profile is None or kind not in ("listing", "shop"):
        return None
    return profile.listing.render if kind == "listing" else profile.shop.render


def failure_message(failure: Failure) -> str:
    """A short reason a user understands, for the ways a fetch fails."""
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


class ScanSpider(scrapy.Spider):
    name = "scan"

    def __init__(
        self,
        urls: list[str],
        profile: PlatformProfile | None = None,
        render: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urls = list(urls)
        self.profile = profile
        self.render = render
        self.seen: list[Seen] = []

    # -- requests ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for index, url in enumerate(self.urls):
            rule = render_rule(page_kind(url, self.profile), self.profile)
            yield self._request(url, index, rendered=self.render, rule=rule)

    def _request(self, url: str, index: int, rendered: bool, rule: RenderRule | None) -> Request:
        meta: dict[str, Any] = {"scan_index": index, "handle_httpstatus_list": HTTP_ERRORS}
        if rendered:
            meta.update(render_meta(rule))
        # dont_filter: a URL given twice is answered twice, and a render re-fetches the same URL.
        return Request(url, callback=self.parse, errback=self.on_error, meta=meta, dont_filter=True)

    # -- callbacks --------------------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Request]:
        index = response.meta["scan_index"]
        url = self.urls[index]
        kind = page_kind(response.url, self.profile)
        if response.status >= 400:
            self._add(index, kind, error=f"HTTP {response.status}", page=_capture(response))
            return
        if not isinstance(response, HtmlResponse):
            self._add(index, kind, error="not HTML", page=_capture(response))
            return
        rule = render_rule(kind, self.profile)
        if rule is not None and needs_render(response, rule.when):
            self.crawler.stats.inc_value("wangjian/rendered")
            yield self._request(url, index, rendered=True, rule=rule)
            return
        try:
            self._read(index, kind, response)
        except ExtractionError as exc:
            self._add(
                index,
                kind,
                title=page_title(response),
                error=f"extraction failed: {exc.field}: {exc.message}",
                page=capture(response),
            )

    def _read(self, index: int, kind: Kind, response: HtmlResponse) -> None:
        profile = self.profile
        if kind == "listing":
            item = extract_listing(response, profile)
            self._add(index, kind, title=item.title, item=item, page=item.page)
        elif kind == "shop":
            item = extract_shop(response, profile)
            self._add(index, kind, title=item.name, item=item, page=item.page)
        elif kind == "search":
            ads = extract_search(response, profile).ads
            self._add(index, kind, title=page_title(response), page=capture(response))
            for ad in ads:
                self._add(index, "ad", title=ad.text, item=ad, page=ad.page)
        else:
            page = extract_page(response)
            self._add(index, kind, title=page.title, item=page, page=capture(response))

    def on_error(self, failure: Failure) -> None:
        index = failure.request.meta["scan_index"]
        kind = page_kind(self.urls[index], self.profile)
        self._add(index, kind, error=failure_message(failure))

    def _add(self, index: int, kind: Kind, **fields: Any) -> None:
        self.seen.append(Seen(index=index, url=self.urls[index], kind=kind, **fields))


def _capture(response: Response) -> PageCapture:
    """Capture of any response, text or not (an error page, an image)."""
    encoding = getattr(response, "encoding", None) or "binary"
    rendered = "playwright" in response.flags
    return PageCapture.of(response.url, response.status, response.body, encoding, rendered)
