"""Small real HTTP sites on 127.0.0.1 for the tests: each route answers from a function.

``Site({"/search": handler, ...})`` serves GET requests by path (over https when given a TLS
context); a handler gets the query
(as ``parse_qs`` gives it) and the request headers and returns ``Answer``. Unknown paths are
404. Every request is logged (path with query, headers), so tests can see what was asked and
how: through a proxy (absolute-form request line), with which cookies.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    target: str  # the request line's target as sent: a path, or a whole URL via a proxy
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Handler = Callable[[dict[str, list[str]], dict[str, str]], Answer]


class Site:
    def __init__(self, routes: dict[str, Handler], tls: ssl.SSLContext | None = None) -> None:
        """``tls``: a server context (e.g. from trustme) to answer https instead of http."""
        self.routes = routes
        self.seen: list[Seen] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> Site:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                query = parse_qs(parts.query, keep_blank_values=True)
                site.seen.append(Seen(self.path, parts.path, query, headers))
                route = site.routes.get(parts.path)
                answer = route(query, headers) if route else Answer(404, b"<h1>not found</h1>")
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        return Handler
