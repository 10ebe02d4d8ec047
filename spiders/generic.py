"""The generic spider: crawls any platform a profile describes, or fetches the URLs named.

It only routes. A sweep starts from the profile's search and browse pages and follows
search pages → listings → shops; a scan (``urls`` given) fetches each URL once, reads it by
the profile when its path is one of the profile's pages (else generically) and follows no
link. Both re-fetch through Chromium the pages the profile's render rule points at (or,
where the rule names the JSON endpoint the page's script reads, read that endpoint with a
plain request: ``spiders.render_api``), read pages with the pure functions of
``spiders.extract`` and ``spiders.generic_page``, and yield a ``PageFailure`` item for a page
that could not be fetched or read; the pipelines do the rest. Everything it needs comes from
settings: no packs are read here.

A sweep's requests carry the priorities of ``spiders.frontier`` (what a page found before
more result pages), so the frontier stays bounded; renders go through a pool of their own
(``spiders.render_pool``), so they never hold the plain fetches back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from twisted.python.failure import Failure

from rules.items import FailureKind, ListingItem, PageFailure
from spiders import frontier
from spiders.blocks import blocked_by_status_or_url, blocked_by_text
from spiders.extract import (
    ExtractionError,
    PageKind,
    SearchPage,
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
from spiders.picks import is_json
from spiders.profile import PlatformProfile, RenderRule, load_profile
from spiders.render import PLAIN, render_meta
from spiders.render_api import api_url, merged
from spiders.render_memo import RenderMemo
from spiders.render_pool import RenderPool
from spiders.render_reuse import RenderReuse
from spiders.served import SERVED, served_of

#: Request meta: the index of the scan URL a request serves (kept through renders).
ORIGIN = "wangjian_origin"
#: Request meta of a search page: its page number in its chain of result pages.
PAGE = "wangjian_page"
#: Request meta of a search page: the keyword it searches (absent: a browse page).
KEYWORD = "wangjian_keyword"
#: Request meta of a search page guessed past a failed one: how many failed in a row.
GUESSED = "wangjian_guessed"
#: Request meta of a search page built by number or offset, not linked: a 404 is the end.
BUILT = "wangjian_built"
#: Request meta of a scan's plain fetch with ``render``: the kind of page, read once rendered.
RENDER_KIND = "wangjian_render_kind"
#: Request meta of a page answered with a block: how many times it was asked again.
BLOCKED = "wangjian_blocked"
#: Request meta of an API read (``render.api``): the page it completes, as (url, kind).
API = "wangjian_api"
#: Result pages tried past failed ones before a chain is given up.
MAX_GUESSED = 3
#: Error statuses reach the callbacks (after retries), so a failure names its status and
#: keeps the hash of what was served.
HTTP_ERRORS = list(range(400, 600))


class GenericSpider(RenderReuse, scrapy.Spider):
    name = "generic"

    def __init__(
        self,
        profile: PlatformProfile | None,
        keywords: list[str] | None = None,
        urls: list[str] | None = None,
        render: bool = False,
        skip: dict[str, set[str]] | None = None,
        shop_urls: list[str] | None = None,
        proxy: str | None = None,
        cookies: list[dict[str, str]] | None = None,
        renders: RenderMemo | None = None,
        render_api: bool = True,
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
        self._blocks_in_row = 0
        # How the platform is reached (settings, never the profile): a proxy for every
        # request, a signed-in session's cookies sent from the first one (the cookie
        # middleware keeps them for the rest).
        self.proxy = proxy
        self.cookies = list(cookies or [])
        # Renders kept from earlier sweeps (spiders.render_reuse), with the HTTP cache only.
        self.renders = renders
        self._unchanged: set[str] = set()
        # Read the JSON endpoints render rules name instead of rendering (false: Chromium).
        self.render_api = render_api
        self.pool: RenderPool | None = None  # set by from_crawler; None: renders go at once

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        settings = crawler.settings
        profile = settings.get("WANGJIAN_PROFILE")
        if isinstance(profile, str):
            profile = load_profile(profile)
        spider = super().from_crawler(
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
            proxy=settings.get("WANGJIAN_PROXY"),
            cookies=settings.getlist("WANGJIAN_COOKIES"),
            renders=_renders(settings),
            render_api=settings.getbool("WANGJIAN_RENDER_API", True),
            **kwargs,
        )
        # A shared frontier: another worker may download a render this one let go.
        slots = 0 if settings.get("WANGJIAN_DISTRIBUTED") else settings.getint(
            "WANGJIAN_RENDER_CONCURRENCY", 2
        )
        spider.pool = RenderPool(crawler, slots, frontier.PENDING)
        return spider

    # -- requests ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        assert self.profile is not None
        return urljoin(self.profile.base_url.rstrip("/") + "/", path.lstrip("/"))

    def search_url(self, keyword: str, page: int) -> str:
        assert self.profile is not None
        spec = self.profile.search
        offset = (page - spec.first_page) * (spec.page_size or 0)
        return self._url(spec.url.format(keyword=quote(keyword, safe=""), page=page, offset=offset))

    def _request(self, url: str, callback: Callable, meta: dict | None = None, **kw) -> Request:
        meta = {"handle_httpstatus_list": HTTP_ERRORS, **(meta or {})}
        if self.proxy:
            meta["proxy"] = self.proxy
        return Request(url, callback=callback, errback=self.on_error, meta=meta, **kw)

    async def start(self) -> AsyncIterator[Request]:
        async for request in self._starts():
            yield request.replace(cookies=self.cookies) if self.cookies else request

    async def _starts(self) -> AsyncIterator[Request]:
        if self.urls is not None:
            for index, url in enumerate(self.urls):
                yield self._scan_request(index, url)
            return
        assert self.profile is not None
        first = self.profile.search.first_page
        for keyword in self.keywords:
            meta = {PAGE: first, KEYWORD: keyword}
            yield self._request(self.search_url(keyword, first), self.parse_search, meta)
        for path in self.profile.search.browse:
            yield self._request(self._url(path), self.parse_search, {PAGE: first})
        for url in self.shop_urls:
            yield self._request(url, self.parse_shop)

    def _scan_request(self, index: int, url: str) -> Request:
        kind = page_kind(url, self.profile)
        meta: dict[str, Any] = {ORIGIN: index}
        callback = self._callbacks()[kind]
        if self.render_all:
            # Plain first, then through Chromium, as a sweep's render: the page's evidence
            # is the exchange as served (bytes, server address, certificate), which Chromium
            # does not report for the documents crawler.encoding fulfils.
            meta[RENDER_KIND] = kind
            callback = self.render_given
        # dont_filter: a URL given twice is answered twice.
        return self._request(url, callback, meta, dont_filter=True)

    def render_given(self, response: Response) -> Iterator[Any]:
        """A scan's page under ``render``: asked again through Chromium; an error status is
        read as it is (Chromium would be answered the same)."""
        kind = response.meta[RENDER_KIND]
        callback = self._callbacks()[kind]
        if response.status >= 400:
            yield from callback(response)
            return
        yield from self._rendered(response, render_rule(kind, self.profile), None, callback)

    def _callbacks(self) -> dict[PageKind, Callable]:
        return {
            "listing": self.parse_listing,
            "shop": self.parse_shop,
            "search": self.parse_search,
            "page": self.parse_page,
        }

    def _rendered(
        self,
        response: Response,
        rule: RenderRule | None,
        plain: Any,
        callback: Callable | None = None,
    ) -> Iterator[Request]:
        """The page again through Chromium: now, or later from the pool."""
        yield from self._render(
            response.url,
            callback or response.request.callback,
            {**carried(response.meta), SERVED: served_of(response)},
            rule,
            plain,
        )

    def _render(
        self, url: str, callback: Callable, meta: dict[str, Any], rule: RenderRule | None, plain
    ) -> Iterator[Request]:
        self.crawler.stats.inc_value("wangjian/rendered")
        request = self._request(
            url,
            callback,
            {**meta, **render_meta(rule), PLAIN: plain},
            dont_filter=True,  # the same URL again, this time through Chromium
        )
        if self.pool is not None:
            request = self.pool.offer(request)
        if request is not None:
            yield request

    def _read_api(
        self, response: Response, kind: PageKind, rule: RenderRule, plain: Any
    ) -> Request | None:
        """The request that reads the JSON endpoint ``rule`` names for this page instead of
        rendering it; None when the rule names none, reading it is off, or the page does
        not name its endpoint."""
        if rule.api is None or not self.render_api or kind != "listing" or plain is None:
            return None
        url = api_url(rule.api, response, plain.external_id)
        if url is None:
            return None
        meta = {
            **carried(response.meta),
            API: (response.url, kind),
            PLAIN: plain,
            SERVED: served_of(response),
        }
        # Never the HTTP cache's copy as is: a 304 still stands in, so a re-sweep is cheap.
        return self._request(url, self.parse_api, meta, priority=frontier.PENDING)

    def parse_api(self, response: Response) -> Iterator[Any]:
        """The endpoint's answer: the listing the plain page showed, completed from it; when
        the endpoint failed or shows none of the fields, the page through Chromium."""
        page_url, kind = response.meta[API]
        rule = render_rule(kind, self.profile)
        plain = response.meta[PLAIN]
        assert rule is not None and rule.api is not None
        item = merged(plain, response, rule.api)
        if item is None:
            self.crawler.stats.inc_value("wangjian/api/failed")
            yield from self._api_fallback(response.meta, page_url, kind, rule, plain)
            return
        self.crawler.stats.inc_value("wangjian/api/read")
        self._blocks_in_row = 0
        yield item
        yield from self._shop_of(item)

    def _api_failed(self, failure: Failure) -> Iterator[Any]:
        meta = failure.request.meta
        page_url, kind = meta[API]
        rule = render_rule(kind, self.profile)
        assert rule is not None
        self.crawler.stats.inc_value("wangjian/api/failed")
        yield from self._api_fallback(meta, page_url, kind, rule, meta[PLAIN])

    def _api_fallback(
        self, meta: dict[str, Any], page_url: str, kind: PageKind, rule: RenderRule, plain
    ) -> Iterator[Request]:
        kept = {k: v for k, v in carried(meta).items() if k not in (API, PLAIN)}
        yield from self._render(page_url, self._callbacks()[kind], kept, rule, plain)

    def _page_url(self, request: Request, number: int) -> str | None:
        """The URL of result page ``number`` of ``request``'s chain: by the template for a
        keyword's pages numbered or offset, else by the page number in the URL's query."""
        assert self.profile is not None
        keyword = request.meta.get(KEYWORD)
        paging = self.profile.search.paging
        if keyword is not None and paging in ("number", "offset"):
            return self.search_url(keyword, number)
        if paging == "offset":
            return None  # a browse page's offset is not in a template
        return next_page_url(request.url, number - 1)

    def _chain(self, request: Request, number: int, url: str, **meta: Any) -> Request:
        """Result page ``number`` of ``request``'s chain (same keyword)."""
        meta = {PAGE: number, **meta}
        if KEYWORD in request.meta:
            meta[KEYWORD] = request.meta[KEYWORD]
        return self._request(url, self.parse_search, meta, priority=frontier.SEARCH)

    def _next_guess(self, request: Request) -> Request | None:
        """The result page after a failed one; None when its URL cannot be told, or too
        many pages in a row failed."""
        page, guessed = request.meta.get(PAGE), request.meta.get(GUESSED, 0)
        if page is None or guessed >= MAX_GUESSED or not self.follow:
            return None
        url = self._page_url(request, page + 1)
        if url is None:
            return None
        return self._chain(request, page + 1, url, **{GUESSED: guessed + 1, BUILT: True})

    def _next_page(self, response: Response, page: SearchPage) -> Request | None:
        """The result page after this one, as the profile's pagination says; None: the end."""
        assert self.profile is not None
        spec = self.profile.search
        number = response.meta.get(PAGE)
        if not page.more:
            return None
        if spec.paging == "next_link":
            if page.next_url is None:
                return None
            following = number + 1 if number is not None else None
            return self._chain(response.request, following, page.next_url)
        if spec.paging is None or number is None or not page.results:
            return None
        if number + 1 - spec.first_page >= spec.max_pages:
            return None
        url = self._page_url(response.request, number + 1)
        return self._chain(response.request, number + 1, url, **{BUILT: True}) if url else None

    def _stored(self, kind: str, url: str) -> bool:
        """Whether the interrupted run this sweep resumes already stored that page."""
        if not self.skip[kind]:
            return False
        assert self.profile is not None
        spec = self.profile.listing if kind == "listing" else self.profile.shop
        found = external_id(url, spec.id_pattern) if spec is not None else None
        if found not in self.skip[kind]:
            return False
        if (kind, found) not in self._skipped:  # counted once, however often it is linked
            self._skipped.add((kind, found))
            self.crawler.stats.inc_value(f"wangjian/resumed/{kind}")
        return True

    # -- callbacks --------------------------------------------------------------------------

    def parse_search(self, response: Response) -> Iterator[Any]:
        blocked = self._blocked_by_status_or_url(response)
        if blocked:
            yield from self._on_block(response, blocked)
            return
        failed = self._unreadable(response)
        page = None
        if failed is None:
            try:
                page = extract_search(response, self.profile)
            except ExtractionError as exc:
                failed = self._extraction_failed(exc, response)
        if page is None or not (page.results or page.ads):
            # A page that shows nothing it should: a block page is not "no results".
            blocked = self._blocked_by_text(response)
            if blocked:
                yield from self._on_block(response, blocked)
                return
        if failed is not None:
            if not (response.status == 404 and response.meta.get(BUILT)):
                yield failed  # a built page past the last one is the end, not a failure
            guess = self._next_guess(response.request) if response.status != 404 else None
            if guess is not None:
                yield guess
            return
        self._blocks_in_row = 0
        yield from page.ads
        for listing in page.listings:
            yield listing
            yield from self._shop_of(listing)
        if not self.follow:
            return
        for url in page.listing_urls:
            if not self._stored("listing", url):
                yield self._request(url, self.parse_listing, priority=frontier.LISTING)
        following = self._next_page(response, page)
        if following is not None:
            yield following

    def parse_listing(self, response: Response) -> Iterator[Any]:
        item = yield from self._read(response, "listing", extract_listing)
        if item is not None:
            yield from self._shop_of(item)

    def _shop_of(self, listing: ListingItem) -> Iterator[Request]:
        """The shop page a listing names, when the profile reads shops and it is not stored."""
        if self.follow and listing.shop_url and listing.shop_external_id:
            if not self._stored("shop", listing.shop_url):
                yield self._request(listing.shop_url, self.parse_shop, priority=frontier.SHOP)

    def parse_shop(self, response: Response) -> Iterator[Any]:
        yield from self._read(response, "shop", extract_shop)

    def parse_page(self, response: Response) -> Iterator[Any]:
        failed = self._unreadable(response, json=False)
        yield failed or extract_page(response)

    def _read(self, response: Response, kind: PageKind, extract: Callable) -> Iterator[Any]:
        """Yield what a listing or shop page shows (or a render, or a failure); return the item."""
        blocked = self._blocked_by_status_or_url(response)
        if blocked:
            yield from self._on_block(response, blocked)
            return None
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
            api = self._read_api(response, kind, rule, plain)
            if api is not None:
                yield api
            else:
                yield from self._reuse_or_render(response, rule, plain)
            return None
        try:
            item = extract(response, self.profile)
        except ExtractionError as exc:
            blocked = self._blocked_by_text(response)
            if blocked:
                yield from self._on_block(response, blocked)
            else:
                yield self._extraction_failed(exc, response)
            return None
        self._blocks_in_row = 0
        yield item
        if "playwright" in response.flags:
            yield from self._keep_render(response)
        return item

    # -- blocks -----------------------------------------------------------------------------

    def _blocked_by_status_or_url(self, response: Response) -> str | None:
        if self.profile is None:
            return None
        return blocked_by_status_or_url(response, self.profile.blocked)

    def _blocked_by_text(self, response: Response) -> str | None:
        if self.profile is None:
            return None
        return blocked_by_text(response, self.profile.blocked)

    def _on_block(self, response: Response, reason: str) -> Iterator[Any]:
        """The platform blocked this page: slow down and ask again later; after
        ``give_up_after`` blocked pages in a row, stop the sweep as blocked."""
        assert self.profile is not None
        spec = self.profile.blocked
        self._blocks_in_row += 1
        self.crawler.stats.inc_value("wangjian/blocked")
        request = response.request
        tries = request.meta.get(BLOCKED, 0)
        if self._blocks_in_row >= spec.give_up_after or tries + 1 >= spec.give_up_after:
            yield _failure(request.url, "blocked", reason, response)
            if self._blocks_in_row >= spec.give_up_after:
                raise CloseSpider("blocked")
            return
        self._slow_down(request, spec.backoff_s, spec.backoff_s * spec.give_up_after)
        yield request.replace(dont_filter=True, meta={**carried(request.meta), BLOCKED: tries + 1})

    def _slow_down(self, request: Request, seconds: float, most: float) -> None:
        """More delay (``seconds`` more, up to ``most``) and fewer requests at a time for
        the platform (its download slot); blocks now and then do not add up for ever."""
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = min(slot.delay + seconds, max(most, slot.delay))
            slot.concurrency = max(1, slot.concurrency // 2)
        self.crawler.stats.set_value("wangjian/delay_s", slot.delay if slot else seconds)

    # -- failures ---------------------------------------------------------------------------

    @staticmethod
    def _unreadable(response: Response, json: bool = True) -> PageFailure | None:
        """Why the page cannot be read at all; None when it can. ``json``: a JSON answer
        counts as readable (a profile's picks read it; a generic page reads HTML only)."""
        url = response.request.url
        if response.status >= 400:
            return _failure(url, "http", f"HTTP {response.status}", response)
        readable = isinstance(response, HtmlResponse) or (
            json and isinstance(response, TextResponse) and is_json(response)
        )
        if not readable:
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
        if API in request.meta:  # the endpoint did not answer: the page through Chromium
            yield from self._api_failed(failure)
            return
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


#: Meta keys Scrapy's own middlewares keep per download: not carried to a request made again.
_PER_DOWNLOAD = frozenset(
    {
        "download_latency",
        "download_slot",
        "retry_times",
        "redirect_times",
        "redirect_ttl",
        "redirect_urls",
        "redirect_reasons",
        "_auth_proxy",
        "_scheme_proxy",
        "cache_timestamp",
    }
)


def carried(meta: dict[str, Any]) -> dict[str, Any]:
    """What a request asked again (through Chromium, after a block) keeps of ``meta``."""
    return {k: v for k, v in meta.items() if k not in _PER_DOWNLOAD}


def _renders(settings: Any) -> RenderMemo | None:
    """Where a sweep keeps its renders: beside the HTTP cache, when it is on."""
    if not settings.getbool("HTTPCACHE_ENABLED") or not settings.get("HTTPCACHE_DIR"):
        return None
    return RenderMemo(Path(settings.get("HTTPCACHE_DIR")) / "renders")


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
