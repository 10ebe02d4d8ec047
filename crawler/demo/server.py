"""The demo marketplace as a real HTTP server on 127.0.0.1, in a background thread.

    with DemoServer(build_catalog(seed=7, size=300)) as server:
        crawl(server.url)              # e.g. http://127.0.0.1:41234

or from a shell: ``python -m crawler.demo.server --size 300 --seed 7 --port 8000``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from crawler.demo import pages
from crawler.demo.catalog import Catalog, build_catalog

ROUTES = (
    (re.compile(r"/item/([^/]+)"), pages.item),
    (re.compile(r"/shop/([^/]+)"), pages.shop),
    (re.compile(r"/api/price/([^/]+)"), pages.price_api),
    (re.compile(r"/static/licence/([^/]+)\.png"), pages.licence_image),
)


def respond(catalog: Catalog, target: str) -> pages.Response:
    """The answer to a GET of ``target`` (path and query), without any networking."""
    parts = urlsplit(target)
    path = parts.path
    if path == "/":
        return pages.home(catalog)
    if path == "/robots.txt":
        return pages.robots()
    if path == "/search":
        query = parse_qs(parts.query, keep_blank_values=True)
        keyword = query.get("q", [""])[0]
        return pages.search(catalog, keyword, query.get("page", [None])[0])
    for pattern, page in ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return page(catalog, match.group(1))
    return pages.error_page(404, f"没有这个页面：{path}")


class Served:
    """What the server sent: responses by status and body bytes, and answers by path and
    query (``paths``: how often each page was fetched, e.g. once by every crawler of a
    distributed sweep together), and when the first request came and the last answer left
    (``span_s``: a crawl's fetching time, its process start-up and shut-down left out) — for
    tests and benches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def came(self) -> None:
        """A request was read (before its answer is made, or the latency waited)."""
        now = time.monotonic()
        with self._lock:
            if self.first_at is None:
                self.first_at = now

    def count(self, status: int, size: int, path: str = "") -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.body_bytes += size
            self.paths[path] += 1
            self.last_at = time.monotonic()

    @property
    def answers(self) -> int:
        return sum(self.statuses.values())

    @property
    def span_s(self) -> float:
        if self.first_at is None or self.last_at is None:
            return 0.0
        return self.last_at - self.first_at

    def reset(self) -> None:
        with self._lock:
            self.statuses: dict[int, int] = {}
            self.body_bytes = 0
            self.paths: Counter[str] = Counter()
            self.first_at: float | None = None
            self.last_at: float | None = None


def _handler_for(
    catalog: Catalog, stats: Served, latency_s: float = 0.0
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "wangjian-demo/1"
        protocol_version = "HTTP/1.1"  # keep-alive: a crawl opens few connections
        # No artificial stalls: TCP_NODELAY, and headers and body leave in one write (the
        # buffer is flushed after each request). Without both, every keep-alive request
        # waited ~40 ms for a delayed ACK (Nagle), and a benchmark measured the wait.
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer(with_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(with_body=False)

        def _answer(self, with_body: bool) -> None:
            stats.came()
            if latency_s:  # a platform's own time to answer, counted from the request
                time.sleep(latency_s)
            self._send(respond(catalog, self.path), with_body)

        def _send(self, response: pages.Response, with_body: bool) -> None:
            # Pages change only with the catalogue: an ETag of the body lets a re-sweep ask
            # If-None-Match and get 304 without the page.
            tag = f'"{hashlib.sha1(response.body).hexdigest()[:20]}"'
            fresh = response.status == 200 and self.headers.get("If-None-Match") == tag
            self.send_response(304 if fresh else response.status)
            if response.status == 200:
                self.send_header("ETag", tag)
                self.send_header("Cache-Control", "max-age=0")
            if fresh:
                self.end_headers()
                stats.count(304, 0, self.path)
                return
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if with_body:
                self.wfile.write(response.body)
            stats.count(response.status, len(response.body) if with_body else 0, self.path)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass  # a sweep makes thousands of requests; the crawler logs what matters

    return Handler


class DemoServer:
    """Serves one catalogue on ``host:port`` (port 0: any free port) until ``stop()``."""

    def __init__(
        self, catalog: Catalog, host: str = "127.0.0.1", port: int = 0, latency_s: float = 0.0
    ) -> None:
        self.catalog = catalog
        self.host = host
        self.port = port
        self.latency_s = latency_s  # each answer this much later (a real platform's latency)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.served = Served()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the demo server is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        handler = _handler_for(self.catalog, self.served, self.latency_s)
        httpd = ThreadingHTTPServer((self.host, self.port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="wangjian-demo", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def serve_forever(
    seed: int = 7, size: int = 300, host: str = "127.0.0.1", port: int = 8000, latency_ms: int = 0
):
    """Run the demo in the foreground until interrupted (Ctrl-C)."""
    with DemoServer(build_catalog(seed, size), host, port, latency_ms / 1000) as server:
        print(f"演示商城已启动：{server.url}（{size} 件商品，种子 {seed}），按 Ctrl-C 停止",
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the wangjian demo marketplace.")
    parser.add_argument("--size", type=int, default=300, help="number of listings")
    parser.add_argument("--seed", type=int, default=7, help="seed of the catalogue")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free port)")
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="answer each request this much later"
    )
    args = parser.parse_args(argv)
    serve_forever(args.seed, args.size, args.host, args.port, args.latency_ms)


if __name__ == "__main__":
    main()
