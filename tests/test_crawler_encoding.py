"""The undeclared-charset rule in both fetch paths, on pages a real server on 127.0.0.1 serves."""

from __future__ import annotations

import asyncio
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import async_playwright
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.encoding import UndeclaredCharsetMiddleware, route_documents, undeclared_encoding
from crawler.scrapy_settings import CHROMIUM_ARGS
from crawler.settings import Settings

# Short pages: too little text for Chromium's detector, which reads 麝香 and 燕窝 as
# windows-1251, 玳瑁 as KOI8-R and the UTF-8 page as windows-1252 when nothing declares
# the charset.
PAGES = {
    "/musk": ("<html><body><h1>麝香</h1></body></html>", "gbk", "text/html"),
    "/nest": ("<html><body><h1>燕窝</h1></body></html>", "gbk", "text/html"),
    "/shell": ("<html><body><h1>玳瑁</h1></body></html>", "gbk", "text/html"),
    "/utf8": ("<html><body><h1>麝香</h1></body></html>", "utf-8", "text/html"),
    "/declared": ("<html><body><h1>犬</h1></body></html>", "gbk", "text/html; charset=gbk"),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        text, encoding, content_type = PAGES[self.path]
        body = text.encode(encoding)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html", "麝香".encode("gbk"), "gb18030"),
        ("text/html", "麝香".encode(), "utf-8"),
        # The rule's limit: 犬 in GBK (C8 AE) is also valid UTF-8 (Ȯ), so it is read as UTF-8.
        ("text/html", "犬".encode("gbk"), "utf-8"),
        ("text/html; charset=gbk", "犬".encode("gbk"), None),
        ("text/html", b'<meta charset="gbk">' + "犬".encode("gbk"), None),
        ("text/html", b"\xef\xbb\xbf" + "犬".encode(), None),
        (None, "麝香".encode("gbk"), "gb18030"),
    ],
)
def test_undeclared_encoding(content_type, body, expected):
    assert undeclared_encoding(content_type, body) == expected


def test_scrapy_path_reads_short_gbk_page():
    url = "http://127.0.0.1/musk"
    body = PAGES["/musk"][0].encode("gbk")
    response = HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html"})
    fixed = UndeclaredCharsetMiddleware().process_response(Request(url), response)
    assert (fixed.encoding, fixed.css("h1::text").get()) == ("gb18030", "麝香")


def test_middleware_adds_the_page_init_callback_to_browser_requests_only():
    middleware = UndeclaredCharsetMiddleware()
    browser, plain = Request("http://x/", meta={"playwright": True}), Request("http://x/")
    middleware.process_request(browser)
    middleware.process_request(plain)
    assert browser.meta["playwright_page_init_callback"] is route_documents
    assert "playwright_page_init_callback" not in plain.meta


async def _headings(base: str, paths: list[str], fixed: bool) -> list[tuple[str, str]]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=Settings().chromium_path(), args=CHROMIUM_ARGS
        )
        try:
            found = []
            for path in paths:
                page = await browser.new_page()
                if fixed:
                    await route_documents(page, None)
                await page.goto(base + path)
                charset = await page.evaluate("document.characterSet")
                found.append((charset, await page.inner_text("h1")))
                await page.close()
            return found
        finally:
            await browser.close()


@pytest.mark.browser
def test_chromium_alone_misreads_short_gbk_pages(site):
    # Why the route exists; if Chromium's detector improves, this documents it.
    found = asyncio.run(_headings(site, ["/musk", "/nest", "/shell"], fixed=False))
    assert [text for _, text in found] != ["麝香", "燕窝", "玳瑁"]


@pytest.mark.browser
def test_chromium_path_reads_gbk_pages_with_the_route(site):
    paths = ["/musk", "/nest", "/shell", "/utf8", "/declared"]
    found = asyncio.run(_headings(site, paths, fixed=True))
    assert found == [
        ("gb18030", "麝香"),
        ("gb18030", "燕窝"),
        ("gb18030", "玳瑁"),
        ("UTF-8", "麝香"),
        ("GBK", "犬"),  # declared in the header: left as it is
    ]
