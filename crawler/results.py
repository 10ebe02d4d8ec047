"""What a crawl reports: a sweep's counts and failures, a scan's answer for each URL.

Built by ``crawler.run`` after the crawl from Scrapy's stats (counts only) and from what its
``Collector`` saw go through the pipelines; ``to_dict`` for scripts, ``render`` in Chinese
for people.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rules import clock
from rules.explain import mark
from rules.items import PageCapture, PageFailure, record_of
from rules.labels import category_label, field_label, kind_label
from rules.record import Record, Verdict
from rules.terminal import escape_controls
from store.status import SweepStatus

#: Failures listed in a result; more are only counted.
MAX_LISTED = 200
#: What a sweep with structure warnings (``crawler.health``) says of itself.
STRUCTURE_CHANGED = "页面结构可能已变化"


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
    failed_share: float = 0.0  # failed pages over pages tried (answered or not)
    already_stored: int = 0  # resumed: listings and shop pages the interrupted run stored
    retries: int = 0
    blocked: int = 0  # pages the platform answered with a block or a login wall
    coverage: dict[str, float] = field(default_factory=dict)  # listing field -> share having it
    structure_warnings: list[str] = field(default_factory=list)  # 页面结构可能已变化: why
    log_file: str | None = None
    captured: int = 0  # leads' pages captured as evidence (unchanged ones are not again)
    evidence_bytes: int = 0
    distributed: dict[str, Any] | None = None  # a worker's: its id, whether it was the last
    # Pages completed from the JSON endpoint their profile names instead of Chromium.
    api_read: int = 0
    # Chromium downloads per second of wall time while any was in progress (0: none).
    rendered_per_s: float = 0.0
    frontier_max: int = 0  # the most requests waiting at once (scheduler and render pool)

    @classmethod
    def of(
        cls,
        stats: dict[str, Any],
        failures: list[PageFailure],
        health: dict[str, Any] | None = None,
        log_file: str | None = None,
    ) -> SweepResult:
        """``health`` is what ``crawler.health.assess`` found (a sweep's, not a scan's)."""
        health = health or {}
        reason = stats.get("finish_reason", "unknown")
        prefix = "wangjian/leads/"
        pages = stats.get("response_received_count", 0)
        errors = stats.get("wangjian/errors", 0) + stats.get("spider_exceptions/count", 0)
        tried = pages + stats.get("wangjian/errors/fetch", 0)
        return cls(
            sweep_id=stats.get("wangjian/sweep_id"),
            status=SweepStatus.after(reason, stats).value,
            close_reason=reason,
            pages=pages,
            listings=stats.get("wangjian/items/listing", 0),
            shops=stats.get("wangjian/items/shop", 0),
            ads=stats.get("wangjian/items/ad", 0),
            rendered=stats.get("wangjian/rendered", 0),
            pages_read=stats.get("wangjian/items/page", 0),
            leads={k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)},
            # Exceptions in our own code are errors too, though they are not a page's fault.
            errors=errors,
            error_list=[f.summary() for f in failures[:MAX_LISTED]],
            failed_share=round(min(1.0, errors / tried), 4) if tried else float(errors > 0),
            already_stored=sum(v for k, v in stats.items() if k.startswith("wangjian/resumed/")),
            retries=stats.get("retry/count", 0),
            blocked=stats.get("wangjian/blocked", 0),
            coverage=dict(health.get("coverage", {})),
            structure_warnings=list(health.get("warnings", [])),
            log_file=log_file,
            captured=stats.get("wangjian/evidence/captured", 0),
            evidence_bytes=stats.get("wangjian/evidence/bytes", 0),
            api_read=stats.get("wangjian/api/read", 0),
            rendered_per_s=_rate(
                stats.get("wangjian/render/pages", 0), stats.get("wangjian/render/busy_s", 0)
            ),
            frontier_max=stats.get("wangjian/frontier_max", 0),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(
        self, seconds: float | None = None, lead_titles: dict[str, str] | None = None
    ) -> str:
        """One summary line; with ``lead_titles`` (pack titles, may be empty) the leads by
        category; why the page structure may have changed, the first failures, and where
        the log is."""
        took = f"，用时 {seconds:.1f} 秒" if seconds is not None else ""
        status = {
            "finished": "完成" + (f"，{self.failed_share:.1%} 的页面失败" if self.errors else ""),
            "unreachable": "失败：没有一个页面得到响应（网站无法访问或网址有误）",
            "blocked": f"中止：平台持续拦截（验证码或登录墙，{self.blocked} 次），已停止",
        }.get(self.status, f"中断（{self.close_reason}）")
        read = f"，网页 {self.pages_read}" if self.pages_read else ""
        if self.already_stored:
            read += f"，续扫跳过已存 {self.already_stored}"
        if self.captured:
            read += f"，取证 {self.captured}（{self.evidence_bytes / 1e6:.1f} MB）"
        rendered = f"浏览器渲染 {self.rendered}"
        if self.rendered_per_s:
            rendered += f"（{self.rendered_per_s:.1f} 页/秒）"
        if self.api_read:
            rendered += f"，接口读取 {self.api_read}"
        lines = [
            f"扫描{status}: 页面 {self.pages}，商品 {self.listings}，店铺 {self.shops}，"
            f"广告 {self.ads}{read}，{rendered}，错误 {self.errors}{took}"
        ]
        if lead_titles is not None:
            for category, count in sorted(self.leads.items()):
                lines.append(f"  {category_label(category, lead_titles)}: {count}")
        if self.structure_warnings:
            lines.append(f"{STRUCTURE_CHANGED}（与本平台近期巡查相比）:")
            lines += [f"  {warning}" for warning in self.structure_warnings]
        for error in self.error_list[:10]:
            line = f"  错误 {error['url']}: {error['kind']} {error['message']}"
            lines.append(escape_controls(line))
        if self.errors > 10:
            lines.append(f"  … 另有 {self.errors - 10} 个错误")
        if self.log_file:
            lines.append(f"日志: {self.log_file}")
        return "\n".join(lines) + "\n"


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if count and seconds else 0.0


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
            fetched_at=page.fetched_at if page else clock.now(),
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

    def render(self, titles: dict[str, str] | None = None) -> str:
        """The verdict and every hit, the span marked in the seller's text."""
        head = f"{escape_controls(self.url)}  {kind_label(self.kind)}"
        if self.external_id:
            head += f" {escape_controls(self.external_id)}"
        lines = [head + (f"  「{escape_controls(self.title)}」" if self.title else "")]
        verdict = self.verdict
        if self.error:
            lines.append(f"  错误: {self.error}")
        elif verdict is None:
            lines.append("  （搜索页：其中的广告见下）")
        else:
            lines += self._verdict_lines(verdict, titles)
        return "\n".join(lines) + "\n"

    def _verdict_lines(self, verdict: Verdict, titles: dict[str, str] | None) -> list[str]:
        if verdict.lead:
            found = "、".join(
                f"{category_label(c, titles)} {verdict.pack_scores[c]:g}"
                for c in verdict.categories
            )
            lines = [f"  结论: 线索（{found}）"]
        else:
            lines = ["  结论: 未达线索阈值" + ("（有命中，见下）" if verdict.hits else "，无命中")]
        for hit in verdict.hits:
            where = "结构检查"
            text = getattr(self.record, hit.field, None) if self.record else None
            if isinstance(text, str) and hit.start >= 0:
                shown = escape_controls(mark(text, hit.start, hit.end))
                where = f"{field_label(hit.field)}: {shown}"
            note = f"  {escape_controls(hit.note)}" if hit.note else ""
            lines.append(f"  命中 [{hit.rule_id}] 权重 {hit.weight:g} {where}{note}")
        rendered = "，经浏览器渲染" if self.rendered else ""
        lines.append(
            f"  页面 SHA-256 {self.sha256}，抓取于 {self.fetched_at:%Y-%m-%d %H:%M:%S %Z}{rendered}"
        )
        return lines


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
