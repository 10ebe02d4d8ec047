"""The generic spider: crawls any platform a profile describes.

It only routes: search pages → listings → shops, re-fetching through Chromium the pages the
profile's render rule points at. What a page holds is read by ``spiders.extract``. A page
that fails (unreachable, HTTP error, changed shape) is counted and logged with its URL; the
sweep goes on.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import scrapy
from scrapy.http import Request, TextResponse
from twisted.python.failure import Failure

from rules.loader import load_packs
from spiders.extract import (
    ExtractionError,
    extract_listing,
    extract_search,
    extract_shop,
    needs_render,
)
from spiders.profile import PlatformProfile, RenderRule, load_profile
from spiders.render import render_meta

logger = logging.getLogger(__name__)

ERRORS = "wangjian/errors"
ERROR_LIST = "wangjian/error_list"
MAX_LISTED_ERRORS = 200


def pack_search_terms(packs_dir: str | None) -> list[str]:
    """Every pack's search terms, each once, in pack order."""
    packset = load_packs(Path(packs_dir) if packs_dir else None)
    terms = (t for pack_terms in packset.search_terms().values() for t in pack_terms)
    return list(dict.fromkeys(terms))


class GenericSpider(scrapy.Spider):
    name = "generic"

    def __init__(self, profile: PlatformProfile, keywords: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile = profile
        self.keywords = keywords

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        settings = crawler.settings
        # ``scrapy crawl generic -a profile=demo -a base_url=...`` passes strings.
        profile = kwargs.pop("profile", None) or settings.get("WANGJIAN_PROFILE") or "demo"
        if not isinstance(profile, PlatformProfile):
            profile = load_profile(profile)
        profile = profile.with_base_url(kwargs.pop("base_url", None))
        keywords = kwargs.pop("keywords", None) or settings.get("WANGJIAN_KEYWORDS")
        if isinstance(keywords, str):
            keywords = [k for k in keywords.split(",") if k]
        if keywords is None:
            keywords = pack_search_terms(settings.get("WANGJIAN_PACKS_DIR"))
        return super().from_crawler(crawler, *args, profile=profile, keywords=keywords, **kwargs)

    # -- requests ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return urljoin(self.profile.base_url.rstrip("/") + "/", path.lstrip("/"))

    def _request(self, url: str, callback, **kwargs: Any) -> Request:
        return Request(url, callback=callback, errback=self.on_error, **kwargs)

    def search_url(self, keyword: str, page: int) -> str:
        template = self.profile.search.url
        return self._url(template.format(keyword=quote(keyword, safe=""), page=page))

    async def start(self) -> AsyncIterator[Request]:
        first = self.profile.search.first_page
        for keyword in self.keywords:
            yield self._request(self.search_url(keyword, first), self.parse_search)
        for path in self.profile.search.browse:
            yield self._request(self._url(path), self.parse_search)

    def _rendered(self, response: TextResponse, rule: RenderRule) -> Request:
        self.crawler.stats.inc_value("wangjian/rendered")
        return self._request(
            response.url,
            response.request.callback,
            dont_filter=True,  # the same URL again, this time through Chromium
            meta=render_meta(rule),
        )

    # -- callbacks --------------------------------------------------------------------------

    def parse_search(self, response: TextResponse) -> Iterator[Any]:
        try:
            page = extract_search(response, self.profile)
        except ExtractionError as exc:
            self.record_error(exc.url, f"{exc.field}: {exc.message}", "extraction")
            return
        yield from page.ads
        for url in page.listing_urls:
            yield self._request(url, self.parse_listing)
        if page.next_url:
            yield self._request(page.next_url, self.parse_search)

    def parse_listing(self, response: TextResponse) -> Iterator[Any]:
        rule = self.profile.listing.render
        if rule and needs_render(response, rule.when):
            yield self._rendered(response, rule)
            return
        try:
            item = extract_listing(response, self.profile)
        except ExtractionError as exc:
            self.record_error(exc.url, f"{exc.field}: {exc.message}", "extraction")
            return
        yield item
        if item.shop_url:
            yield self._request(item.shop_url, self.parse_shop)

    def parse_shop(self, response: TextResponse) -> Iterator[Any]:
        rule = self.profile.shop.render
        if rule and needs_render(response, rule.when):
            yield self._rendered(response, rule)
            return
        try:
            yield extract_shop(response, self.profile)
        except ExtractionError as exc:
            self.record_error(exc.url, f"{exc.field}: {exc.message}", "extraction")

    # -- errors -----------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        reason = failure.getErrorMessage() or failure.type.__name__
        self.record_error(url, f"{failure.type.__name__}: {reason}", "fetch")

    def record_error(self, url: str, message: str, kind: str) -> None:
        """Count, log and list one failed page; the sweep goes on."""
        stats = self.crawler.stats
        stats.inc_value(ERRORS)
        stats.inc_value(f"{ERRORS}/{kind}")
        listed = stats.get_value(ERROR_LIST) or []
        if len(listed) < MAX_LISTED_ERRORS:
            stats.set_value(ERROR_LIST, [*listed, {"url": url, "kind": kind, "message": message}])
        logger.error("%s failed (%s): %s", url, kind, message)
