"""Run one crawl in this process: a sweep of a platform, or a scan of the URLs a person names.

Both are the same flow (``spiders.generic`` → validate → score → store); a scan starts from
the URLs given, follows no link, and stores only when asked (``keep``). A Twisted reactor
cannot be restarted, so a process runs one crawl: the CLI calls ``run_sweep`` or
``run_scan`` once, and tests and benchmarks start ``wangjian sweep --json`` /
``wangjian scan --json`` as subprocesses. Everything that can fail for the whole crawl (the
profile, the packs, the database) fails here, before the reactor starts.

A sweep also writes its log file (``<data_dir>/logs/sweep-<id>-<start>.log``, named on its
row before the crawl) and shows its progress (``crawler.progress``); after the crawl its
health is judged against the platform's recent sweeps (``crawler.health``) and kept on its
row (``stats["health"]``).
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse

from crawler.progress import on_terminal, sweep_log
from crawler.results import MAX_LISTED, ScanReport, ScanResult, SweepResult
from crawler.scrapy_settings import build_scrapy_settings
from crawler.settings import Settings, SettingsError
from pipelines.score import Scored
from rules.engine import Scorer
from rules.items import WEB_PLATFORM, PageCapture, PageFailure
from rules.model import PackSet
from rules.prices import PriceWindow
from spiders.extract import capture, page_kind
from spiders.field_report import FieldReading, field_report
from spiders.generic import ORIGIN, GenericSpider
from spiders.generic_page import page_title
from spiders.profile import PlatformProfile, load_profile

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from crawler.distributed import Frontier
    from store.running import Resume

#: Scrapy's logger: configured at DEBUG by Scrapy, its records filtered by the root's handlers.
SCRAPY_LOG = logging.getLogger("scrapy")

# The database layer (SQLAlchemy, Alembic, the models) and the sweep's health are imported
# where a crawl needs them: a scan that keeps nothing starts without them (~0.3 s).


def search_terms(scorer: Scorer) -> list[str]:
    """Every pack's search terms, each once, in pack order."""
    terms = (t for pack_terms in scorer.packset.search_terms().values() for t in pack_terms)
    return list(dict.fromkeys(terms))


def check_urls(urls: list[str]) -> None:
    """Refuse, before anything starts, a URL that is not http(s)://host…"""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")


def run_sweep(
    profile_path: str | Path,
    settings: Settings,
    scorer: Scorer | None = None,
    base_url: str | None = None,
    keywords: list[str] | None = None,
    resume: bool = False,
    windows: list[PriceWindow] | None = None,
    distributed: bool = False,
) -> SweepResult:
    """Crawl the platform ``profile_path`` describes, score and store everything found.

    ``keywords`` replaces the packs' search terms; the profile's browse URLs are always
    crawled. ``resume`` continues the platform's last sweep, which was interrupted: result
    pages are read again, listings and shop pages it had stored are not fetched again.
    ``windows`` are the promotion and emergency windows the price-history checks judge
    prices in. ``distributed`` makes this process one worker of the platform's sweep that
    workers on many machines share (``crawler.distributed``): it joins the running one or
    opens it; the last worker to leave reports the whole sweep. Returns when the sweep has
    ended; call once per process.
    """
    from crawler import health
    from rules import segment

    segment.preload()
    profile = load_profile(profile_path).with_base_url(base_url)
    scorer = scorer or Scorer.load(settings.packs_dir)
    row = _sweep_row(profile, str(profile_path), scorer, "sweep")
    frontier = None
    if distributed:
        from crawler.distributed import Frontier, LastWorker

        if resume:
            raise SettingsError(
                "--resume and --distributed: a distributed sweep resumes by itself "
                "(start a worker again: it joins the sweep and takes up what is left)"
            )
        frontier = Frontier.of(settings, profile.code)
    row["sweep_id"], resumed, log_file = _begin(settings, row, resume, frontier)
    terms = search_terms(scorer) if keywords is None else list(keywords)
    live = on_terminal()
    inputs = {
        "WANGJIAN_PROFILE": profile,
        "WANGJIAN_KEYWORDS": terms,
        "WANGJIAN_SCORER": scorer,
        "WANGJIAN_SWEEP": row,
        "WANGJIAN_PROGRESS_LIVE": live,
        "WANGJIAN_WINDOWS": list(windows or []),
    }
    if resumed is not None:
        inputs.update(
            WANGJIAN_SKIP_LISTINGS=sorted(resumed.listings),
            WANGJIAN_SKIP_SHOPS=sorted(resumed.shops),
            WANGJIAN_SHOP_URLS=resumed.shop_urls,
        )
    last = None
    if frontier is not None:
        last = LastWorker(frontier.info)
        inputs["WANGJIAN_SWEEP_FINISH"] = last
    info = frontier.info if frontier is not None else None
    built = build_scrapy_settings(settings, profile, inputs=inputs, distributed=info)
    collector = _crawl(built, scan=False, log_file=log_file, live=live)
    stats, whole = collector.stats, last is None or last.last
    if last is not None and last.last:  # the whole sweep: every worker's counts
        from crawler.distributed import merge_stats

        stats = merge_stats([p["stats"] for p in last.others] + [collector.stats])
    basis = health.basis_of(profile.base_url, terms, profile.search.browse)
    # The health of the sweep, and its digest, once it has ended: a worker's part alone
    # would look like a platform whose pages changed.
    found = _assess(settings, row, stats, basis) if whole else {}
    if settings.notify_urls and whole:  # after the row is finished and judged
        from crawler.notify import notify

        with _database(settings, upgrade=False) as engine:
            titles = {p.id: p.title for p in scorer.packset.packs}
            notify(settings, row["sweep_id"], engine, titles=titles)
    result = SweepResult.of(stats, collector.failures, found, str(log_file))
    if last is not None:
        if last.last:
            others = [f for p in last.others for f in p["failures"]]
            result.error_list = (others + result.error_list)[:MAX_LISTED]
        result.distributed = {
            "worker": frontier.worker,
            "last": last.last,  # this worker finished the row: the counts are the sweep's
            "workers": len(last.others) + 1 if last.last else None,
        }
    return result


def run_scan(
    urls: list[str],
    settings: Settings,
    scorer: Scorer | None = None,
    profile: str | Path | None = None,
    render: bool = False,
    keep: bool = False,
) -> ScanReport:
    """Fetch, read and score each URL; with ``keep``, file it all as a sweep of kind scan.

    ``profile`` (a shipped name or a YAML path) reads the URLs that are its listing, shop or
    search pages; other URLs, and all of them without a profile, are read generically.
    ``render`` fetches every page through Chromium. Bad URLs raise ``ValueError``; pages that
    cannot be fetched or read are results with ``error`` set. Call once per process.
    """
    urls = list(urls)
    check_urls(urls)
    platform = load_profile(profile) if profile else None
    scorer = scorer or Scorer.load(settings.packs_dir)
    if not urls:
        return ScanReport([])
    if keep:
        _upgrade(settings)  # the store pipeline opens the scan's row
    inputs = {
        "WANGJIAN_PROFILE": platform,
        "WANGJIAN_URLS": urls,
        "WANGJIAN_RENDER": render,
        "WANGJIAN_DEDUPE": False,  # a URL given twice is answered twice
        "WANGJIAN_SCORER": scorer,
        "WANGJIAN_SWEEP": _sweep_row(platform, str(profile or ""), scorer, "scan"),
    }
    built = build_scrapy_settings(settings, platform, scan=True, store=keep, inputs=inputs)
    collector = _crawl(built, scan=True)
    results = [row for i, url in enumerate(urls) for row in collector.rows(i, url, platform)]
    sweep = SweepResult.of(collector.stats, collector.failures) if keep else None
    return ScanReport(results, sweep)


@dataclass
class ProfileCheck:
    """What the profile's selectors found on one page (``wangjian profile check``)."""

    url: str
    kind: str
    readings: list[FieldReading]
    error: str | None = None
    rendered: bool = False

    @property
    def missing(self) -> bool:
        return self.error is not None or any(r.missing for r in self.readings)


def run_profile_check(
    urls: list[str], settings: Settings, profile: str | Path, render: bool = False
) -> list[ProfileCheck]:
    """Fetch each URL as a scan does (Chromium where the render rule says, or ``render``)
    and report what every selector of ``profile`` extracted from it. Call once per process."""
    urls = list(urls)
    check_urls(urls)
    platform = load_profile(profile)
    inputs = {
        "WANGJIAN_PROFILE": platform,
        "WANGJIAN_URLS": urls,
        "WANGJIAN_RENDER": render,
        "WANGJIAN_DEDUPE": False,
        "WANGJIAN_SCORER": Scorer(PackSet()),  # nothing to score: only the fields matter
    }
    built = build_scrapy_settings(settings, platform, scan=True, store=False, inputs=inputs)
    collector = _crawl(built, scan=True)
    checks = []
    for index, url in enumerate(urls):
        kind = page_kind(url, platform)
        response = collector.responses.get(index)
        failure = next(
            (f for f in collector.found.get(index, []) if isinstance(f, PageFailure)), None
        )
        if response is None or not isinstance(response, TextResponse):
            error = failure.text if failure else "not fetched"
            checks.append(ProfileCheck(url, kind, [], error))
            continue
        readings = field_report(response, platform)
        error = failure.text if failure and failure.reason != "extraction" else None
        checks.append(ProfileCheck(url, kind, readings, error, "playwright" in response.flags))
    return checks


def _upgrade(settings: Settings) -> None:
    with _database(settings):
        return


@contextmanager
def _database(settings: Settings, upgrade: bool = True) -> Iterator[Engine]:
    """The crawl's database, created or upgraded before the reactor starts."""
    from store import db

    engine = db.make_engine(settings.db_url)
    try:
        if upgrade:
            db.upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def _begin(
    settings: Settings, row: dict[str, Any], resume: bool, frontier: Frontier | None = None
) -> tuple[int, Resume | None, Path]:
    """Upgrade the database and open the sweep's row, refusing a second running sweep of
    the platform (``store.running``), and name its log file on it; the sweep's id, what it
    had stored if resumed, and the log file. With a ``frontier``, join the platform's running
    distributed sweep or open it, one worker at a time (migrations too)."""
    from store import db, history, running

    if frontier is not None:
        from crawler.distributed import begin

        with frontier.opening(), _database(settings) as engine:
            sweep_id, _ = begin(frontier, engine, row)
            with db.session_scope(engine) as s:
                log_file = _log_file(settings, sweep_id)
                history.add_stats(s, sweep_id, {}, log_file=str(log_file))
        return sweep_id, None, log_file
    with _database(settings) as engine, db.session_scope(engine) as s:
        resumed = None
        if resume:
            resumed = running.resume_sweep(s, row["platform"])
            sweep_id = resumed.sweep_id
        else:
            sweep_id = running.begin_sweep(
                s,
                row["platform"],
                row["platform_name"],
                row["base_url"],
                row["profile"],
                row["pack_versions"],
            ).id
        log_file = _log_file(settings, sweep_id)
        history.add_stats(s, sweep_id, {}, log_file=str(log_file))
        return sweep_id, resumed, log_file


def _log_file(settings: Settings, sweep_id: int) -> Path:
    """A new log file for this run of the sweep (a resumed sweep gets one a run)."""
    folder = settings.data_dir.resolve() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"WANGJIAN_DATA_DIR: cannot create the log folder {folder}: {exc.strerror}"
        ) from None
    return folder / f"sweep-{sweep_id}-{datetime.now():%Y%m%d-%H%M%S}.log"


def _assess(
    settings: Settings, row: dict[str, Any], stats: dict[str, Any], basis: str
) -> dict[str, Any]:
    """Judge the sweep against the platform's recent sweeps; keep the health on its row."""
    from crawler import health
    from store import db, history
    from store.models import SweepStatus

    status = SweepStatus.after(stats.get("finish_reason", "unknown"), stats)
    with _database(settings, upgrade=False) as engine, db.session_scope(engine) as s:
        recent = history.recent_stats(s, row["platform"], row["sweep_id"], health.BASELINE_SWEEPS)
        found = health.assess(stats, recent, basis, status == SweepStatus.finished)
        history.add_stats(s, row["sweep_id"], {"health": found})
    return found


def _sweep_row(
    profile: PlatformProfile | None, path: str, scorer: Scorer, kind: str
) -> dict[str, Any]:
    """What the store pipeline writes on the sweep row; ``kind`` a ``SweepKind`` value."""
    return {
        "platform": profile.code if profile else WEB_PLATFORM,
        "platform_name": profile.name if profile else "网页（无平台配置）",
        "base_url": profile.base_url if profile else "",
        "profile": path or None,
        "pack_versions": scorer.packset.versions(),
        "kind": kind,
    }


def _crawl(
    scrapy_settings: dict[str, Any], scan: bool, log_file: Path | None = None, live: bool = False
) -> Collector:
    process = CrawlerProcess(scrapy_settings)  # configures logging: sweep_log comes after
    crawler = process.create_crawler(GenericSpider)
    collector = Collector(crawler, scan)
    process.crawl(crawler)
    # What was made before the crawl (modules, the compiled packs, the profile, Scrapy's
    # components) lives until the process ends: left out of the garbage collector's full
    # passes, each of which walked it all again (~0.15 s on the shipped packs, three or four
    # times a short sweep: 0.3 of its ~3.4 CPU-ms a page), the process's last one included.
    # No collection first: it would cost a scan as much.
    gc.freeze()
    with (
        sweep_log(log_file, live) if log_file is not None else nullcontext(),
        _no_unhandled_records(),
    ):
        process.start()
    collector.stats = crawler.stats.get_stats()
    return collector


@contextmanager
def _no_unhandled_records() -> Iterator[None]:
    """While the crawl runs, records below every handler's level are not made: Scrapy's own
    logger is at DEBUG and the root at NOTSET, filtered only in the handlers, so every
    response ("Crawled") and every item ("Scraped from") made a DEBUG record, with its
    caller looked up on the stack, for nothing (~3 % of a sweep's time in the crawl)."""
    handlers = [h for logger in (logging.root, SCRAPY_LOG) for h in logger.handlers]
    if not handlers:
        yield
        return
    lowest = min(h.level for h in handlers)
    before = {logger: logger.level for logger in (logging.root, SCRAPY_LOG)}
    for logger, level in before.items():
        logger.setLevel(max(level, lowest))
    try:
        yield
    finally:
        for logger, level in before.items():
            logger.setLevel(level)


def _origin(response: Response | Any) -> int | None:
    """The scan URL a response (or a failure, for errback output) serves."""
    request = getattr(response, "request", None)
    return request.meta.get(ORIGIN) if request is not None else None


class Collector:
    """What came out of the pipelines: failures always; for a scan, everything per URL."""

    def __init__(self, crawler, scan: bool) -> None:
        self.scan = scan
        self.failures: list[PageFailure] = []
        self.found: dict[int, list[Scored | PageFailure]] = defaultdict(list)
        self.pages: dict[int, tuple[PageCapture, str]] = {}
        self.responses: dict[int, Response] = {}  # the last response of each scan URL
        self.stats: dict[str, Any] = {}
        crawler.signals.connect(self._scraped, signal=signals.item_scraped)
        crawler.signals.connect(self._dropped, signal=signals.item_dropped)
        if scan:
            crawler.signals.connect(self._response, signal=signals.response_received)

    def _scraped(self, item: Any, response: Any, spider: Any) -> None:
        if isinstance(item, PageFailure):
            self.failures.append(item)
        if self.scan:
            self._add(response, item)

    def _dropped(self, item: Any, response: Any, exception: Exception, spider: Any) -> None:
        from pipelines.store import NotStored  # loaded already where items are stored

        if isinstance(exception, NotStored):
            self.failures.append(exception.failure)
            if self.scan:
                self._add(response, exception.failure)

    def _add(self, response: Any, found: Scored | PageFailure) -> None:
        origin = _origin(response)
        if origin is not None:
            self.found[origin].append(found)

    def _response(self, response: Response, request: Any, spider: Any) -> None:
        origin = request.meta.get(ORIGIN)
        if origin is not None:
            title = page_title(response) if isinstance(response, TextResponse) else ""
            self.pages[origin] = (capture(response), title)
            self.responses[origin] = response

    def rows(self, index: int, url: str, profile: PlatformProfile | None) -> list[ScanResult]:
        """The results of the ``index``-th URL: its page, then what it showed."""
        kind = page_kind(url, profile)
        page, title = self.pages.get(index, (None, ""))
        found = self.found.get(index, [])
        rows = []
        if kind == "search" and page and not any(isinstance(f, PageFailure) for f in found):
            rows.append(ScanResult.of_page(url, kind, page, title))
        for one in found:
            if isinstance(one, PageFailure):
                rows.append(ScanResult.of_page(url, kind, one.page, title, one.text))
            else:
                rows.append(ScanResult.of_item(url, one.item, one.verdict))
        return rows or [ScanResult.of_page(url, kind, page, title, "not fetched")]
