"""The Scrapy settings of a sweep or a scan, built from ``crawler.settings.Settings``.

``build_scrapy_settings`` is what ``crawler.run`` uses; it adds the ``WANGJIAN_*`` inputs of
our components (the spider, the pipelines) itself. The module-level names are the same
settings with defaults, so that ``scrapy.cfg`` (``default = crawler.scrapy_settings``) and the
``scrapy`` command work in a checkout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.settings import default_settings

if TYPE_CHECKING:
    from crawler.settings import Settings
    from spiders.profile import PlatformProfile

HANDLER = "crawler.downloads.DownloadHandler"
MIB = 1024 * 1024
BROWSER_MIN_TIMEOUT_S = 10.0

#: Chromium flags for unattended sweeps: no GPU, no sandbox (containers), no traffic of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Order is data: validate, then score, then write.
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.score.ScorePipeline": 300,
    "pipelines.evidence.EvidencePipeline": 500,
    "pipelines.store.StorePipeline": 800,
}
#: The stages that write to the database: evidence is captured only for what is stored.
STORING = ("pipelines.evidence.EvidencePipeline", "pipelines.store.StorePipeline")
#: What a scan that keeps nothing runs: validate, then score (nor are the storing stages and
#: the database layer they import loaded, which a scan would otherwise pay for at start).
SCAN_PIPELINES = {k: v for k, v in ITEM_PIPELINES.items() if k not in STORING}

#: Failures a second try cannot help, or that cost a whole timeout: not retried in a scan.
_SCAN_FINAL_FAILURES = {
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadTimeoutError",
}

#: What an ad-hoc scan changes: a user waits for the answer, so a dead host fails fast
#: instead of holding the run, and every page given is read.
SCAN_TIMEOUT_S = 15.0
SCAN_OVERRIDES: dict[str, Any] = {
    "RETRY_TIMES": 1,
    "RETRY_EXCEPTIONS": [
        e for e in default_settings.RETRY_EXCEPTIONS if e not in _SCAN_FINAL_FAILURES
    ],
    "CLOSESPIDER_PAGECOUNT": 0,
    # A scan fetches only the pages a person named and follows no link: robots.txt governs
    # crawlers, and fetching it first doubled the wait on hosts that never answer.
    "ROBOTSTXT_OBEY": False,
}

#: What a sweep adds: field coverage counted into the stats, progress while it runs.
SWEEP_EXTENSIONS = {
    "crawler.health.FieldCoverage": 500,
    "crawler.frontier_stats.FrontierStats": 505,
    "crawler.progress.Progress": 510,
}

#: Scrapy's extensions we never run, left out of its base list: disabled by their setting (or
#: set to None) they are still imported, and the remote control pulls in aiohttp's web server
#: (~0.2 s of every start).
OFF_EXTENSIONS = (
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
)
EXTENSIONS_BASE = {
    k: v for k, v in default_settings.EXTENSIONS_BASE.items() if k not in OFF_EXTENSIONS
}

DOWNLOADER_MIDDLEWARES = {
    # After HttpCompressionMiddleware (590), so it sees the decompressed body.
    "crawler.encoding.UndeclaredCharsetMiddleware": 580,
    # Scrapy's retry, with a wait before each retry (Retry-After honoured).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
    # Scrapy's redirects, with a loop reported instead of dropped as a duplicate.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.redirects.LoopAwareRedirectMiddleware": 600,
}


def _http_cache(settings: Settings) -> dict[str, Any]:
    """Scrapy's HTTP cache, revalidating always (``crawler.httpcache``): a re-sweep asks for
    each page it has with If-None-Match / If-Modified-Since and an unchanged one comes back
    304, read from the cache. Errors, blocks and redirects are never kept; Chromium renders
    are not cached (``spiders.render``). A scan never uses it: it fetches what is served now."""
    return {
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_POLICY": "crawler.httpcache.RevalidatingPolicy",
        "HTTPCACHE_STORAGE": "crawler.httpcache.SweepCacheStorage",
        "HTTPCACHE_DIR": str((settings.data_dir / "httpcache").resolve()),
        "HTTPCACHE_IGNORE_HTTP_CODES": [301, 302, 303, 307, 308, 403, 404, 429]
        + list(range(500, 600)),
        "HTTPCACHE_GZIP": True,
    }


def chromium_launch(settings: Settings) -> dict[str, Any]:
    """How every Chromium of ours is launched: headless, CHROMIUM_ARGS, the settings' binary."""
    launch: dict[str, Any] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    chromium = settings.chromium_path()
    if chromium:
        launch["executable_path"] = chromium
    return launch


def _static() -> dict[str, Any]:
    return {
        "BOT_NAME": "wangjian",
        "SPIDER_MODULES": ["spiders"],
        "NEWSPIDER_MODULE": "spiders",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        "ITEM_PIPELINES": dict(ITEM_PIPELINES),
        "EXTENSIONS_BASE": dict(EXTENSIONS_BASE),
        "DOWNLOADER_MIDDLEWARES": dict(DOWNLOADER_MIDDLEWARES),
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": "wangjian (market monitoring)",
        # Scrapy starts this many asyncio tasks for every response's output, however little
        # it holds (a page yields one item and a link or two): 100 cost ~10% of a sweep's CPU.
        "CONCURRENT_ITEMS": 4,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_DELAY": 0.0,
        "RETRY_TIMES": 1,
        "DOWNLOAD_TIMEOUT": 30,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19 starts a token-guarded HTTP server that runs Python sent to it: never.
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "FEED_EXPORT_ENCODING": "utf-8",
        "STATS_CLASS": "crawler.stats.SweepStats",
    }


def _platform(settings: Settings, profile: PlatformProfile) -> dict[str, Any]:
    """What the profile's politeness and the platform's access settings change."""
    polite = profile.politeness
    out: dict[str, Any] = {"ROBOTSTXT_OBEY": profile.obey_robots}
    if polite.concurrency is not None:
        out["CONCURRENT_REQUESTS"] = out["CONCURRENT_REQUESTS_PER_DOMAIN"] = polite.concurrency
    if polite.delay_s is not None:
        out["DOWNLOAD_DELAY"] = polite.delay_s
    if polite.autothrottle:
        out.update(
            AUTOTHROTTLE_ENABLED=True,
            AUTOTHROTTLE_START_DELAY=polite.delay_s or 1.0,
            AUTOTHROTTLE_TARGET_CONCURRENCY=min(polite.concurrency or 2, 4),
        )
    if polite.user_agent:
        out["USER_AGENT"] = polite.user_agent
    access = settings.access(profile.code)
    context: dict[str, Any] = {}
    if access.proxy:
        out["WANGJIAN_PROXY"] = access.proxy
        context["proxy"] = {"server": access.proxy}
    if access.storage_state:
        # Read now: a bad file fails before the crawl starts, naming the setting.
        where = f"WANGJIAN_PLATFORMS {profile.code}.storage_state"
        out["WANGJIAN_COOKIES"] = access.cookies(where)
        context["storage_state"] = str(access.storage_state)
    if context:
        # A startup context is made before any request: it gets what render_meta asks for.
        from spiders.render import CONTEXT

        out["PLAYWRIGHT_CONTEXTS"] = {"default": {**CONTEXT, **context}}
    return out


def _render_slot(built: dict[str, Any], renders: int) -> dict[str, Any]:
    """Chromium renders in a download slot of their own (``spiders.render_pool``), at the
    platform's delay, and room for them beside the platform's plain requests: the engine
    counts every request in the downloader against ``CONCURRENT_REQUESTS``."""
    from spiders.render_pool import RENDER_SLOT

    return {
        "DOWNLOAD_SLOTS": {
            RENDER_SLOT: {"concurrency": renders, "delay": built["DOWNLOAD_DELAY"]},
        },
        "CONCURRENT_REQUESTS": built["CONCURRENT_REQUESTS_PER_DOMAIN"] + renders,
    }


def build_scrapy_settings(
    settings: Settings,
    profile: PlatformProfile | None = None,
    *,
    scan: bool = False,
    store: bool = True,
    inputs: dict[str, Any] | None = None,
    distributed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every Scrapy setting of one crawl.

    ``scan`` gives the settings of ``wangjian scan`` (``SCAN_OVERRIDES``); otherwise a sweep's
    extensions are added (``SWEEP_EXTENSIONS``). ``store`` False leaves the store pipeline
    out. ``inputs`` are the ``WANGJIAN_*`` settings our components read in ``from_crawler``
    (the profile, keywords, scorer, what the sweep row says). ``distributed`` (a
    ``crawler.distributed.Frontier.info``) keeps the frontier and the duplicate filter in
    Redis (``_distributed``).
    """
    built = _static()
    timeout = min(settings.download_timeout, SCAN_TIMEOUT_S) if scan else settings.download_timeout
    built["PLAYWRIGHT_LAUNCH_OPTIONS"] = chromium_launch(settings)
    built.update(
        CONCURRENT_REQUESTS=settings.concurrency,
        CONCURRENT_REQUESTS_PER_DOMAIN=settings.concurrency,
        # Each Chromium page costs memory; a few at a time is plenty for the pages needing it.
        PLAYWRIGHT_MAX_PAGES_PER_CONTEXT=settings.render_concurrency,
        WANGJIAN_RENDER_CONCURRENCY=settings.render_concurrency,
        WANGJIAN_RENDER_CONTEXT_PAGES=settings.render_context_pages,
        WANGJIAN_RENDER_API=settings.render_api,
        DOWNLOAD_DELAY=settings.download_delay,
        DOWNLOAD_TIMEOUT=timeout,
        # Chromium on a busy 2-core machine takes seconds a plain fetch does not: a browser
        # page gets at least BROWSER_MIN_TIMEOUT_S, whatever the download timeout.
        PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT=max(timeout, BROWSER_MIN_TIMEOUT_S) * 1000,
        DOWNLOAD_MAXSIZE=int(settings.max_page_mb * MIB),
        DOWNLOAD_WARNSIZE=int(settings.max_page_mb * MIB / 2),
        RETRY_TIMES=settings.retry_times,
        RETRY_BACKOFF_S=settings.retry_backoff,
        RETRY_MAX_WAIT_S=settings.retry_max_wait,
        CLOSESPIDER_PAGECOUNT=settings.max_pages,
        LOG_LEVEL=settings.log_level,
    )
    if profile is not None:
        built.update(_platform(settings, profile))
    built.update(_render_slot(built, settings.render_concurrency))
    if scan:
        built.update(SCAN_OVERRIDES)
    else:
        built["EXTENSIONS"] = dict(SWEEP_EXTENSIONS)
        built["WANGJIAN_PROGRESS_INTERVAL"] = settings.progress_interval
        if settings.http_cache:
            built.update(_http_cache(settings))
    if store:
        built["WANGJIAN_DATABASE_URL"] = settings.db_url
        built.update(
            WANGJIAN_CAPTURE=settings.capture,
            WANGJIAN_CAPTURE_TIMEOUT=settings.capture_timeout,
            WANGJIAN_ACTOR=settings.actor,
            WANGJIAN_DATA_DIR=str(settings.data_dir.resolve()),
        )
    else:
        built["ITEM_PIPELINES"] = dict(SCAN_PIPELINES)
    if distributed is not None:
        built.update(_distributed(distributed))
    built.update(inputs or {})
    return built


def _distributed(info: dict[str, Any]) -> dict[str, Any]:
    """A worker of a distributed sweep: scrapy-redis' scheduler and duplicate filter, made
    reliable (``crawler.distributed``). No HTTP cache: each machine would keep only the
    pages it happened to fetch, and a kept render's pending revalidation holds a response
    and its callbacks, which cannot travel through the shared queue."""
    return {
        "SCHEDULER": "crawler.distributed.DistributedScheduler",
        "DUPEFILTER_CLASS": "crawler.distributed.SweepDupeFilter",
        "WANGJIAN_DISTRIBUTED": dict(info),
        "HTTPCACHE_ENABLED": False,
    }


globals().update(_static())
