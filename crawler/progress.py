"""A sweep's progress while it runs, and its log file.

``Progress`` (a Scrapy extension, enabled for sweeps) reads the crawl's stats on a timer. On
a terminal it keeps one live line at the bottom of stderr (rich), redrawn every second, with
Scrapy's own log lines printed above it; off a terminal (cron, a CI log, a pipe) it writes a
plain line every ``WANGJIAN_PROGRESS_INTERVAL`` seconds, with no control characters. The
lines go to this module's logger; ``sweep_log`` sends them, with Scrapy's log at INFO, to the
sweep's log file, and off a terminal to stderr.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.log import get_scrapy_root_handler
from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 10.0
LIVE_REFRESH_S = 1.0
#: The log file's lines, as Scrapy writes its own by default.
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
#: The progress lines on stderr: a time, then the counts.
LINE_FORMAT = "%(asctime)s %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Counts:
    """What the stats say a sweep has done after ``seconds``."""

    seconds: float
    pages: int = 0
    listings: int = 0
    shops: int = 0
    ads: int = 0
    leads: int = 0
    failures: int = 0
    retries: int = 0
    blocked: int = 0

    @classmethod
    def of(cls, stats: dict[str, Any], seconds: float) -> Counts:
        return cls(
            seconds=seconds,
            pages=stats.get("response_received_count", 0),
            listings=stats.get("wangjian/items/listing", 0),
            shops=stats.get("wangjian/items/shop", 0),
            ads=stats.get("wangjian/items/ad", 0),
            leads=sum(v for k, v in stats.items() if k.startswith("wangjian/leads/")),
            failures=stats.get("wangjian/errors", 0),
            retries=stats.get("retry/count", 0),
            blocked=stats.get("wangjian/blocked", 0),
        )

    @property
    def rate(self) -> float:
        """Pages a second since the start."""
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def plain_line(counts: Counts) -> str:
    """The progress line off a terminal and in the log file."""
    c = counts
    blocked = f"，被拦截 {c.blocked}" if c.blocked else ""
    return (
        f"进度 {clock(c.seconds)}: 页面 {c.pages}（{c.rate:.1f} 页/秒），商品 {c.listings}，"
        f"店铺 {c.shops}，广告 {c.ads}，线索 {c.leads}，失败 {c.failures}，重试 {c.retries}"
        f"{blocked}"
    )


def live_view(counts: Counts, width: int | None = None) -> Text:
    """The live line on a terminal: the same counts, those that need a look in colour; cut
    to ``width`` (the terminal's) rather than wrapped, since a live line is one line."""
    c = counts
    view = Text.assemble(
        ("巡查 ", "bold"),
        (clock(c.seconds), "cyan"),
        "  页面 ",
        (str(c.pages), "bold"),
        f" ({c.rate:.1f}/秒)  商品 {c.listings}  店铺 {c.shops}  广告 {c.ads}  线索 ",
        (str(c.leads), "bold yellow" if c.leads else ""),
        "  失败 ",
        (str(c.failures), "bold red" if c.failures else ""),
        f"  重试 {c.retries}",
    )
    if c.blocked:
        view.append_text(Text.assemble("  被拦截 ", (str(c.blocked), "bold red")))
    if width is not None:
        view.truncate(width, overflow="ellipsis")
    return view


def on_terminal() -> bool:
    """Whether stderr is a terminal that can redraw a line."""
    console = Console(stderr=True)
    return console.is_terminal and not console.is_dumb_terminal


class Progress:
    """Reads the stats on a timer: a live line on a terminal, periodic log lines always."""

    def __init__(
        self,
        stats: Any,
        interval: float,
        console: Console | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stats = stats
        self.interval = interval  # seconds between log lines; 0: none
        self.console = console  # the terminal to keep the live line on, if any
        self.now = now
        self.started = self.logged = 0.0
        self.live: Live | None = None
        self.task: LoopingCall | None = None
        self._restore: Callable[[], None] = lambda: None

    @classmethod
    def from_crawler(cls, crawler) -> Progress:
        interval = crawler.settings.getfloat("WANGJIAN_PROGRESS_INTERVAL", DEFAULT_INTERVAL_S)
        live = crawler.settings.getbool("WANGJIAN_PROGRESS_LIVE")
        if interval <= 0 and not live:
            raise NotConfigured("no progress: not on a terminal and no interval")
        progress = cls(crawler.stats, interval, Console(stderr=True) if live else None)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self, spider: Any) -> None:
        self.begin()
        self.task = LoopingCall(self.tick)
        self.task.start(LIVE_REFRESH_S if self.console else self.interval, now=False)

    def spider_closed(self, spider: Any) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.end()

    def begin(self) -> None:
        self.started = self.logged = self.now()
        if self.console is None:
            return
        # transient: the line is gone when the sweep ends and its summary is printed.
        self.live = Live(
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.live.start()
        self._restore = _log_above(self.console)

    def tick(self) -> None:
        now = self.now()
        counts = Counts.of(self.stats.get_stats(), now - self.started)
        if self.live is not None:
            self.live.update(live_view(counts, self.live.console.width), refresh=True)
        # Live ticks come every second; a log line only every interval.
        due = self.console is None or now - self.logged >= self.interval - LIVE_REFRESH_S / 2
        if self.interval > 0 and due:
            self.logged = now
            logger.info(plain_line(counts))

    def end(self) -> None:
        if self.live is not None:
            self._restore()
            self.live.stop()
            self.live = None


class _Above(io.TextIOBase):
    """A log handler's stream that prints each line above the live line (instead of the
    live line's next redraw overwriting it), as the text it is: no markup, no rewrapping."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.pending = ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.console.print(Text(line), soft_wrap=True)
        return len(text)


def _log_above(console: Console) -> Callable[[], None]:
    """Send the lines of Scrapy's stderr log handler through the live display; returns
    what undoes it."""
    handler = get_scrapy_root_handler()
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return lambda: None
    original = handler.setStream(_Above(console))
    return lambda: handler.setStream(original)


@contextmanager
def sweep_log(path: Path | None, live: bool) -> Iterator[None]:
    """During one crawl: Scrapy's log at INFO and the progress lines appended to ``path``,
    and the progress lines on stderr unless a live display shows the progress instead.

    Enter it after Scrapy has configured logging (``CrawlerProcess``), which closes the
    handlers it finds."""
    progress = logging.getLogger(__name__)
    added: list[tuple[logging.Logger, logging.Handler]] = []
    file_handler = None
    if path is not None:
        file_handler = logging.FileHandler(path, encoding="utf-8")
        file_handler.setLevel(logging.INFO)
        file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        added += [(logging.root, file_handler), (progress, file_handler)]
    if not live:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter(LINE_FORMAT, DATE_FORMAT))
        added.append((progress, stream))
    # The progress lines go only where this says: not also to Scrapy's stderr handler.
    progress.propagate, progress.level = False, logging.INFO
    for owner, handler in added:
        owner.addHandler(handler)
    try:
        yield
    finally:
        for owner, handler in added:
            owner.removeHandler(handler)
        progress.propagate, progress.level = True, logging.NOTSET
        if file_handler is not None:
            file_handler.close()
