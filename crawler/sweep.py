"""Run one sweep of one platform in this process and report what it did.

A Twisted reactor cannot be restarted, so a process runs one sweep: the CLI calls
``run_sweep`` once, tests and schedulers start ``python -m crawler.sweep`` as a subprocess.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.scrapy_settings import build_scrapy_settings
from crawler.settings import Settings, SettingsError
from rules.errors import PackError
from spiders.generic import ERROR_LIST, ERRORS, GenericSpider
from spiders.profile import ProfileError, load_profile
from store import db
from store.errors import StoreError


@dataclass
class SweepResult:
    sweep_id: int | None
    status: str  # "finished", or "interrupted" when the spider closed for another reason
    close_reason: str
    pages: int
    listings: int
    shops: int
    ads: int
    rendered: int
    leads: dict[str, int] = field(default_factory=dict)  # items that became leads, by category
    errors: int = 0
    error_list: list[dict[str, str]] = field(default_factory=list)  # url, kind, message

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> SweepResult:
        reason = stats.get("finish_reason", "unknown")
        prefix = "wangjian/leads/"
        return cls(
            sweep_id=stats.get("wangjian/sweep_id"),
            status="finished" if reason == "finished" else "interrupted",
            close_reason=reason,
            pages=stats.get("response_received_count", 0),
            listings=stats.get("wangjian/items/listing", 0),
            shops=stats.get("wangjian/items/shop", 0),
            ads=stats.get("wangjian/items/ad", 0),
            rendered=stats.get("wangjian/rendered", 0),
            leads={k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)},
            # Exceptions in our own code are errors too, though they are not a page's fault.
            errors=stats.get(ERRORS, 0) + stats.get("spider_exceptions/count", 0),
            error_list=list(stats.get(ERROR_LIST, [])),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_sweep(
    profile_path: str | Path,
    settings: Settings,
    packs_dir: str | Path | None = None,
    base_url: str | None = None,
    keywords: list[str] | None = None,
) -> SweepResult:
    """Crawl the platform ``profile_path`` describes, score and store everything found.

    ``keywords`` replaces the packs' search terms; the profile's browse URLs are always
    crawled. Returns when the sweep has ended; call once per process.
    """
    profile = load_profile(profile_path).with_base_url(base_url)
    # Fail before the reactor starts if the database cannot be used.
    engine = db.make_engine(settings.db_url)
    try:
        db.upgrade(engine)
    finally:
        engine.dispose()
    if packs_dir is not None:
        settings = settings.model_copy(update={"packs_dir": Path(packs_dir)})
    process = CrawlerProcess(
        build_scrapy_settings(settings, profile, profile_path=str(profile_path), keywords=keywords)
    )
    crawler = process.create_crawler(GenericSpider)
    process.crawl(crawler)
    process.start()
    return SweepResult.from_stats(crawler.stats.get_stats())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.sweep", description="Run one sweep; print its result as JSON."
    )
    parser.add_argument("profile", help="profile YAML file, or the name of a shipped profile")
    parser.add_argument("--base-url", help="site root, overriding the profile's")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: WANGJIAN_DATABASE_URL)")
    parser.add_argument("--packs-dir", help="folder of rule packs (default: the shipped packs)")
    parser.add_argument("--keyword", action="append", help="search this instead of pack terms")
    parser.add_argument("--max-pages", type=int, help="stop after this many responses")
    args = parser.parse_args(argv)
    try:
        settings = Settings.load(database_url=args.database_url, max_pages=args.max_pages)
        result = run_sweep(args.profile, settings, args.packs_dir, args.base_url, args.keyword)
    except (SettingsError, ProfileError, PackError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0 if result.status == "finished" else 2


if __name__ == "__main__":
    sys.exit(main())
