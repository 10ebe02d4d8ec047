"""A demo marketplace that misbehaves on purpose: the faults real platforms show a sweep.

It serves a catalogue as ``crawler.demo.server`` does (the same pure ``respond``), except
for the targets (path and query) given a fault: HTTP error bursts, 429 with Retry-After,
slow or never-ending answers, connection resets, truncated bodies, redirect loops, pages over
any size limit, binary bytes served as HTML, malformed HTML, a page in GBK that declares no
charset, and a page whose load never finishes in a browser (an image that never arrives, on a
page whose price a script fills in). Every request is logged with its time, so tests
can check how a crawler retried.
"""

from __future__ import annotations

import os
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crawler.demo.catalog import Catalog
from crawler.demo.pages import PRICE_SCRIPT
from crawler.demo.server import respond

#: What a ``never_loads`` page's image asks for: serve it with ``Fault("hang")``.
NEVER = "/static/never.png"


@dataclass
class Fault:
    """What to do to requests of ``target``: after the first ``after`` (served as usual),
    the next ``times`` of them (None: all)."""

    # status, retry_after, slow, hang, reset, truncate, redirect_loop, huge, binary,
    # malformed, gbk, never_loads
    kind: str
    times: int | None = None
    arg: float = 0  # the status, the Retry-After seconds, the delay, or the size in bytes
    after: int = 0
    served: int = field(default=0, init=False)

    def due(self) -> bool:
        self.served += 1
        if self.served <= self.after:
            return False
        return self.times is None or self.served - self.after <= self.times


class FaultServer:
    def __init__(self, catalog: Catalog, faults: dict[str, Fault]) -> None:
        self.catalog = catalog
        self.faults = faults
        self.log: list[tuple[float, str]] = []
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> FaultServer:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def requests_of(self, target: str) -> list[float]:
        return [at for at, seen in self.log if seen == target]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server.log.append((time.monotonic(), self.path))
                fault = server.faults.get(self.path)
                if fault is not None and fault.due():
                    getattr(self, f"_{fault.kind}")(fault.arg)
                    return
                answer = respond(server.catalog, self.path)
                self._send(answer.status, answer.content_type, answer.body)

            def _send(self, status: int, content_type: str, body: bytes, **headers) -> None:
                self.send_response(int(status))
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), str(value))
                self.end_headers()
                self.wfile.write(body)

            def _status(self, status: float) -> None:
                self._send(int(status), "text/html; charset=utf-8", b"<h1>busy</h1>")

            def _retry_after(self, seconds: float) -> None:
                self._send(429, "text/html", b"<h1>slow down</h1>", Retry_After=int(seconds))

            def _slow(self, seconds: float) -> None:
                time.sleep(seconds)
                answer = respond(server.catalog, self.path)
                self._send(answer.status, answer.content_type, answer.body)

            def _hang(self, _: float) -> None:
                server.stopping.wait(120)
                self.close_connection = True

            def _reset(self, _: float) -> None:
                # SO_LINGER 0: close() sends RST, as a crashing upstream does.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True

            def _truncate(self, _: float) -> None:
                body = respond(server.catalog, self.path).body
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True

            def _redirect_loop(self, _: float) -> None:
                self.send_response(302)
                self.send_header("Location", self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _huge(self, size: float) -> None:
                chunk = b"<p>" + "象牙".encode() * 1000 + b"</p>\n"
                count = int(size) // len(chunk) + 1
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(count * len(chunk)))
                self.end_headers()
                try:
                    for _ in range(count):
                        self.wfile.write(chunk)
                except OSError:
                    pass  # the crawler gave up on it, as it should
                self.close_connection = True

            def _binary(self, _: float) -> None:
                self._send(200, "text/html", os.urandom(2048) + b"\x00" * 16)

            def _page(self) -> str:
                return respond(server.catalog, self.path).body.decode("utf-8")

            def _malformed(self, _: float) -> None:
                # Closing tags gone, stray ones and a broken tag added: what hand-edited
                # templates serve. A browser (and lxml) still reads it.
                page = re.sub(r"</(div|p|li|span|del|a)>", "", self._page())
                page = page.replace("<h1", "</b></i><div <<<>> <h1", 1)
                self._send(200, "text/html; charset=utf-8", page.encode())

            def _gbk(self, _: float) -> None:
                page = self._page().replace('<meta charset="utf-8">', "")
                self._send(200, "text/html", page.encode("gbk", "xmlcharrefreplace"))

            def _never_loads(self, _: float) -> None:
                # The price comes from a script, as on JS-priced pages, and an image never
                # arrives: the browser's load event never fires.
                listing = self.path.rsplit("/", 1)[-1]
                page = re.sub(
                    r'<span class="price">[^<]*</span>',
                    f'<span class="price" data-price-src="/api/price/{listing}"></span>',
                    self._page(),
                )
                page = page.replace("</body>", f'<img src="{NEVER}">{PRICE_SCRIPT}</body>')
                self._send(200, "text/html; charset=utf-8", page.encode())

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        return Handler
