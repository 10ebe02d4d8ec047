"""Scan a few URLs now and say, for each, the verdict and why; nothing is stored.

``wangjian scan URL…`` calls ``run_scan`` once: a Twisted reactor cannot be restarted, so a
process runs one scan, and tests start ``python -m crawler.scan`` as a subprocess. Fetching
is the sweep's (same Scrapy settings, encoding rule and Chromium), with a short timeout.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess

from crawler.scrapy_settings import build_scrapy_settings
from crawler.settings import Settings, SettingsError
from pipelines.score import record_of
from rules.engine import Scorer
from rules.errors import PackError
from rules.loader import load_packs
from rules.record import Record, Verdict
from spiders.generic_page import GenericPage
from spiders.profile import ProfileError, load_profile
from spiders.scan import ScanSpider, Seen


@dataclass
class ScanResult:
    """The answer for one page (or one ad seen on a search page)."""

    url: str  # as given; the ads of a search page carry the search page's URL
    final_url: str | None  # after redirects; None when nothing was fetched
    status: int | None  # HTTP status; None when nothing was fetched
    kind: str  # listing, shop, search, ad, or page (read without a profile)
    title: str
    record: Record | None  # what was scored: the fields read off the page
    verdict: Verdict | None  # None on an error and for a search page itself (its ads follow)
    error: str | None  # e.g. "connection refused", "HTTP 404", "DNS lookup failed", "not HTML"
    rendered: bool
    sha256: str | None
    fetched_at: datetime
    external_id: str | None = None  # the platform's id of a listing, shop or ad

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "kind": self.kind,
            "external_id": self.external_id,
            "title": self.title,
            "record": self.record.model_dump(mode="json") if self.record else None,
            "verdict": self.verdict.model_dump(mode="json") if self.verdict else None,
            "error": self.error,
            "rendered": self.rendered,
            "sha256": self.sha256,
            "fetched_at": self.fetched_at.isoformat(),
        }


def check_urls(urls: list[str]) -> None:
    """Refuse, before anything starts, a URL that is not http(s)://host…"""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")


def record_of_seen(seen: Seen) -> Record | None:
    if seen.error is not None or seen.item is None:
        return None
    if isinstance(seen.item, GenericPage):
        # A page no profile describes is read as a listing: its title and all its text.
        page = seen.item
        return Record(id=page.url, kind="listing", title=page.title, description=page.description)
    return record_of(seen.item)


def result_of(seen: Seen, scorer: Scorer) -> ScanResult:
    page = seen.page
    record = record_of_seen(seen)
    return ScanResult(
        url=seen.url,
        final_url=page.url if page else None,
        status=page.status if page else None,
        kind=seen.kind,
        title=seen.title,
        record=record,
        verdict=scorer.score(record) if record is not None else None,
        error=seen.error,
        rendered=page.rendered if page else False,
        sha256=page.sha256 if page else None,
        fetched_at=seen.fetched_at,
        external_id=getattr(seen.item, "external_id", None),
    )


def in_order(urls: list[str], seen: list[Seen]) -> list[Seen]:
    """Everything seen, in the order of the URLs given; a URL that left nothing says so."""
    by_index: dict[int, list[Seen]] = {}
    for one in seen:  # the spider appends a search page before its ads
        by_index.setdefault(one.index, []).append(one)
    out = []
    for index, url in enumerate(urls):
        out += by_index.get(index) or [Seen(index, url, "page", error="not fetched")]
    return out


def run_scan(
    urls: list[str],
    settings: Settings,
    packs_dir: str | Path | None = None,
    profile: str | None = None,
    render: bool = False,
) -> list[ScanResult]:
    """Fetch, read and score each URL; call once per process.

    ``profile`` (a shipped name or a YAML path) reads the URLs that are its listing, shop or
    search pages; other URLs, and all of them without a profile, are read generically.
    ``render`` fetches every page through Chromium. Bad URLs raise ``ValueError``; pages that
    cannot be fetched or read are results with ``error`` set.
    """
    urls = list(urls)
    check_urls(urls)
    # Everything that can fail for the whole scan fails here, before the reactor starts.
    platform = load_profile(profile) if profile else None
    packs = packs_dir if packs_dir is not None else settings.packs_dir
    scorer = Scorer(load_packs(Path(packs) if packs else None))
    if not urls:
        return []
    process = CrawlerProcess(build_scrapy_settings(settings, platform, scan=True))
    crawler = process.create_crawler(ScanSpider)
    process.crawl(crawler, urls=urls, profile=platform, render=render)
    process.start()
    return [result_of(seen, scorer) for seen in in_order(urls, crawler.spider.seen)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.scan", description="Scan pages now; print the results as JSON."
    )
    parser.add_argument("urls", nargs="+", metavar="URL", help="http(s) URL of a page")
    parser.add_argument("--profile", help="profile YAML file, or the name of a shipped profile")
    parser.add_argument("--render", action="store_true", help="fetch every page with Chromium")
    parser.add_argument("--packs-dir", help="folder of rule packs (default: the shipped packs)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.load()
        results = run_scan(args.urls, settings, args.packs_dir, args.profile, args.render)
    except (ValueError, SettingsError, ProfileError, PackError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    json.dump([r.to_dict() for r in results], sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
