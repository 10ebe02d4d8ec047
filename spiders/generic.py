"""The generic spider: crawls any platform a profile describes, or fetches the URLs named.

It only routes. A sweep starts from the profile's search and browse pages and follows
search pages → listings → shops; a scan (``urls`` given) fetches each URL once, reads it by
the profile when its path is one of the profile's pages (else generically) and follows no
link. Both re-fetch through Chromium the pages the profile's render rule points at, read
pages with the pure functions of ``spiders.extract`` and ``spiders.generic_page``, and yield
a ``PageFailure`` item for a page that could not be fetched or read; the pipelines do the
rest. Everything it needs comes from settings: no packs are read here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.http import HtmlResponse, Request, Response
from twisted.python.failure import Failure

from rules.items import FailureKind, PageFailure
from spiders.extract import (
    ExtractionError,
    PageKind,
    capture,
    external_id,
    extract_listing,
    extract_search,
    extract_shop,
    needs_render,
    page_kind,
    render_rule,
)
from spiders.failures import failure_message
from spiders.generic_page import extract_page
from spiders.profile import PlatformProfile, RenderRule, load_profile
from spiders.render import render_meta

#: Request meta: the index of the scan URL a request serves (kept through renders).
ORIGIN = "wangjian_origin"
#: Request meta of a search page: its page number in its chain of result pages.
PAGE = "wangjian_page"
#: Request meta of a search page guessed past a failed one: how many failed in a row.
GUESSED = "wangjian_guessed"
#: Request meta of a render: what the plain page showed, kept if the render fails.
PLAIN = "wangjian_plain"
#: Result pages tried past failed ones before a chain is given up.
MAX_GUESSED = 3
#: Error statuses reach the callbacks (after retries), so a failure names its status and
#: keeps the hash of what was served.
HTTP_ERRORS = list(range(400, 600))


class GenericSpider(scrapy.Spider):
    name = "generic"

    def __init__(
        self,
        profile: PlatformProfile | None,
        keywords: list[str] | None = None,
        urls: list[str] | None = None,
        render: bool = False,
        skip: dict[str, set[str]] | None = None,
        shop_urls: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if profile is None and urls is None:
            raise ValueError("a sweep needs a platform profile")
        self.profile = profile
        self.keywords = list(keywords or [])
        self.urls = None if urls is None else list(urls)
        self.render_all = render
        self.follow = urls is None  # a scan follows no link
        # A resumed sweep: what the interrupted run stored is not fetched again, and the
        # shops its stored listings name are read from the start.
        self.skip = skip or {"listing": set(), "shop": set()}
        self.shop_urls = list(shop_urls or [])
        self._skipped: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        settings = crawler.settings
        profile = settings.get("WANGJIAN_PROFILE")
        if isinstance(profile, str):
            profile = load_profile(profile)
        return super().from_crawler(
            crawler,
            *args,
            profile=profile,
            keywords=settings.getlist("WANGJIAN_KEYWORDS"),
            urls=settings.get("WANGJIAN_URLS"),
            render=settings.getbool("WANGJIAN_RENDER"),
            skip={
                "listing": set(settings.getlist("WANGJIAN_SKIP_LISTINGS")),
                "shop": set(settings.getlist("WANGJIAN_SKIP_SHOPS")),
            },
            shop_urls=settings.getlist("WANGJIAN_SHOP_URLS"),
            **kwargs,
        )

    # -- requests ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        assert self.profile is not None
        return urljoin(self.profile.base_url.rstrip("/") + "/", path.lstrip("/"))

    def search_url(self, keyword: str, page: int) -> str:
        assert self.profile is not None
        template = self.profile.search.url
        return self._url(template.format(keyword=quote(keyword, safe=""), page=page))

    def _request(self, url: str, callback: Callable, meta: dict | None = None, **kw) -> Request:
        meta = {"handle_httpstatus_list": HTTP_ERRORS, **(meta or {})}
        return Request(url, callback=callback, errback=self.on_error, meta=meta, **kw)

    async def start(self) -> AsyncIterator[Request]:
        if self.urls is not None:
            for index, url in enumerate(self.urls):
                yield self._scan_request(index, url)
            return
        assert self.profile is not None
        first = self.profile.search.first_page
        for keyword in self.keywords:
            yield self._request(self.search_url(keyword, first), self.parse_search, {PAGE: first})
        for path in self.profile.search.browse:
            yield self._request(self._url(path), self.parse_search, {PAGE: first})
        for url in self.shop_urls:
            yield self._request(url, self.parse_shop)

    def _scan_request(self, index: int, url: str) -> Request:
        kind = page_kind(url, self.profile)
        meta: dict[str, Any] = {ORIGIN: index}
        if self.render_all:
            meta.update(render_meta(render_rule(kind, self.profile)))
        # dont_filter: a URL given twice is answered twice.
        return self._request(url, self._callbacks()[kind], meta, dont_filter=True)

    def _callbacks(self) -> dict[PageKind, Callable]:
        return {
            "listing": self.parse_listing,
            "shop": self.parse_shop,
            "search": self.parse_search,
            "page": self.parse_page,
        }

    def _rendered(self, response: Response, rule: RenderRule, plain: Any) -> Request:
        self.crawler.stats.inc_value("wangjian/rendered")
        return self._request(
            response.url,
            response.request.callback,
            {**response.meta, **render_meta(rule), PLAIN: plain},
            dont_filter=True,  # the same URL again, this time through Chromium
        )

    def _next_guess(self, request: Request) -> Request | None:
        """The result page after a failed one, by its page number in the URL; None when the
        URL does not show it, or too many pages in a row failed."""
        page, guessed = request.meta.get(PAGE), request.meta.get(GUESSED, 0)
        if page is None or guessed >= MAX_GUESSED or not self.follow:
            return None
        url = next_page_url(request.url, page)
        if url is None:
            return None
        meta = {PAGE: page + 1, GUESSED: guessed + 1}
        return self._request(url, self.parse_search, meta)

    def _stored(self, kind: str, url: str) -> bool:
        """Whether the interrupted run this sweep resumes already stored that page."""
        if not self.skip[kind]:
            return False
        assert self.profile is not None
        spec = self.profile.listing if kind == "listing" else self.profile.shop
        found = external_id(url, spec.id_pattern)
        if found not in self.skip[kind]:
            return False
        if (kind, found) not in self._skipped:  # counted once, however often it is linked
            self._skipped.add((kind, found))
            self.crawler.stats.inc_value(f"wangjian/resumed/{kind}")
        return True

    # -- callbacks --------------------------------------------------------------------------

    def parse_search(self, response: Response) -> Iterator[Any]:
        failed = self._unreadable(response)
        if failed is None:
            try:
                page = extract_search(response, self.profile)
            except ExtractionError as exc:
                failed = self._extraction_failed(exc, response)
        if failed is not None:
            if not (response.status == 404 and response.meta.get(GUESSED)):
                yield failed  # a guessed page past the last one is the end, not a failure
            guess = self._next_guess(response.request) if response.status != 404 else None
            if guess is not None:
                yield guess
            return
        yield from page.ads
        if not self.follow:
            return
        for url in page.listing_urls:
            if not self._stored("listing", url):
                yield self._request(url, self.parse_listing)
        if page.next_url:
            number = response.meta.get(PAGE)
            meta = {PAGE: number + 1} if number is not None else {}
            yield self._request(page.next_url, self.parse_search, meta)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        item = yield from self._read(response, "listing", extract_listing)
        if item is not None and item.shop_url and self.follow:
            if not self._stored("shop", item.shop_url):
                yield self._request(item.shop_url, self.parse_shop)

    def parse_shop(self, response: Response) -> Iterator[Any]:
        yield from self._read(response, "shop", extract_shop)

    def parse_page(self, response: Response) -> Iterator[Any]:
        failed = self._unreadable(response)
        yield failed or extract_page(response)

    def _read(self, response: Response, kind: PageKind, extract: Callable) -> Iterator[Any]:
        """Yield what a listing or shop page shows (or a render, or a failure); return the item."""
        failed = self._unreadable(response)
        if failed:
            yield from self._render_failed(response.request, failed.message) or [failed]
            return None
        rule = render_rule(kind, self.profile)
        if rule is not None and needs_render(response, rule.when):
            try:
                plain = extract(response, self.profile)
            except ExtractionError:
                plain = None
            yield self._rendered(response, rule, plain)
            return None
        try:
            item = extract(response, self.profile)
        except ExtractionError as exc:
            yield self._extraction_failed(exc, response)
            return None
        yield item
        return item

    # -- failures ---------------------------------------------------------------------------

    @staticmethod
    def _unreadable(response: Response) -> PageFailure | None:
        url = response.request.url
        if response.status >= 400:
            return _failure(url, "http", f"HTTP {response.status}", response)
        if not isinstance(response, HtmlResponse):
            return _failure(url, "not_html", "not HTML", response)
        if b"\x00" in response.body[:4096]:
            return _failure(url, "not_html", "not a text page (binary served as HTML)", response)
        return None

    @staticmethod
    def _render_failed(request: Request, message: str) -> list[Any]:
        """When the browser could not finish a page (a price API that fails, an error page):
        what the plain page showed, marked, and the failure; [] for any other request."""
        plain = request.meta.get(PLAIN)
        if not request.meta.get("playwright") or plain is None:
            return []
        kept = plain.model_copy(update={"incomplete": f"浏览器渲染失败：{message}"})
        return [kept, _failure(request.url, "render", message)]

    @staticmethod
    def _extraction_failed(exc: ExtractionError, response: Response | None = None) -> PageFailure:
        return _failure(exc.url, "extraction", f"{exc.field}: {exc.message}", response)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        # A generator, not a bare item: Scrapy iterates what an errback returns, and a
        # pydantic model would iterate as its fields.
        request = failure.request
        message = failure_message(failure)
        rendered = self._render_failed(request, message)
        if rendered:
            yield from rendered
            return
        yield _failure(request.url, "fetch", message)
        if request.callback == self.parse_search:
            guess = self._next_guess(request)
            if guess is not None:
                yield guess


def next_page_url(url: str, page: int) -> str | None:
    """``url`` with the query value that is its page number ``page`` made ``page + 1``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    hits = [i for i, (_, value) in enumerate(query) if value == str(page)]
    if len(hits) != 1:  # no page number in the URL, or no telling which one it is
        return None
    name = query[hits[0]][0]
    query[hits[0]] = (name, str(page + 1))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _failure(
    url: str, reason: FailureKind, message: str, response: Response | None = None
) -> PageFailure:
    page = capture(response) if response is not None else None
    return PageFailure(url=url, reason=reason, message=message, page=page)
