"""What a crawl reports: a sweep's counts and failures, a scan's answer for each URL.

Built by ``crawler.run`` after the crawl from Scrapy's stats (counts only) and from what its
``Collector`` saw go through the pipelines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from rules.items import PageCapture, PageFailure, record_of
from rules.record import Record, Verdict
from store.models import SweepStatus

#: Failures listed in a result; more are only counted.
MAX_LISTED = 200


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
    pages_read: int = 0  # pages read without a profile (scans)
    leads: dict[str, int] = field(default_factory=dict)  # items that became leads, by category
    errors: int = 0
    error_list: list[dict[str, str]] = field(default_factory=list)  # url, kind, message

    @classmethod
    def of(cls, stats: dict[str, Any], failures: list[PageFailure]) -> SweepResult:
        reason = stats.get("finish_reason", "unknown")
        prefix = "wangjian/leads/"
        return cls(
            sweep_id=stats.get("wangjian/sweep_id"),
            status=SweepStatus.after(reason).value,
            close_reason=reason,
            pages=stats.get("response_received_count", 0),
            listings=stats.get("wangjian/items/listing", 0),
            shops=stats.get("wangjian/items/shop", 0),
            ads=stats.get("wangjian/items/ad", 0),
            rendered=stats.get("wangjian/rendered", 0),
            pages_read=stats.get("wangjian/items/page", 0),
            leads={k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)},
            # Exceptions in our own code are errors too, though they are not a page's fault.
            errors=stats.get("wangjian/errors", 0) + stats.get("spider_exceptions/count", 0),
            error_list=[f.summary() for f in failures[:MAX_LISTED]],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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

    @classmethod
    def of_page(
        cls,
        url: str,
        kind: str,
        page: PageCapture | None,
        title: str = "",
        error: str | None = None,
    ) -> ScanResult:
        """A row for a page itself: a search page, or one that failed."""
        return cls(
            url=url,
            final_url=page.url if page else None,
            status=page.status if page else None,
            kind=kind,
            title=title,
            record=None,
            verdict=None,
            error=error,
            rendered=page.rendered if page else False,
            sha256=page.sha256 if page else None,
            fetched_at=page.fetched_at if page else datetime.now(UTC),
        )

    @classmethod
    def of_item(cls, url: str, item: Any, verdict: Verdict) -> ScanResult:
        page = item.page
        record = record_of(item)
        return cls(
            url=url,
            final_url=page.url,
            status=page.status,
            kind=item.kind,
            title=record.title,
            record=record,
            verdict=verdict,
            error=None,
            rendered=page.rendered,
            sha256=page.sha256,
            fetched_at=page.fetched_at,
            external_id=None if item.kind == "page" else item.external_id,
        )

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


@dataclass
class ScanReport:
    """Every URL's results, in the order given; the sweep row when the scan was kept."""

    results: list[ScanResult]
    sweep: SweepResult | None = None

    @property
    def failed(self) -> bool:
        return any(r.error for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "results": [r.to_dict() for r in self.results],
            "sweep": self.sweep.to_dict() if self.sweep else None,
        }
