"""Generic extraction on saved pages (tests/fixtures/pages/)."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.encoding import UndeclaredCharsetMiddleware
from rules.items import PageItem
from spiders.generic_page import extract_page, page_title

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = "http://127.0.0.1:8000/some/page"


def response(body: bytes, content_type: str = "text/html; charset=utf-8") -> HtmlResponse:
    """A page as the downloader hands it over, encoding middleware applied."""
    plain = HtmlResponse(
        url=URL, body=body, headers={"Content-Type": content_type}, request=Request(URL)
    )
    return UndeclaredCharsetMiddleware().process_response(plain.request, plain)


def saved(name: str, content_type: str = "text/html; charset=utf-8") -> HtmlResponse:
    return response((PAGES / name).read_bytes(), content_type)


def test_title_description_and_visible_text_without_scripts_styles_templates():
    page = extract_page(saved("generic_shop_page.html"))
    assert page == PageItem(
        url=URL,
        external_id=URL,
        page=page.page,
        title="老坑 象牙 手镯 传家收藏",
        # The main content only: no site name, footer or meta description (often the
        # site's own slogan), nothing from templates, noscript or scripts.
        description="正宗象牙手镯， 包浆自然。 价格面议，全国包邮！",
    )


def test_title_falls_back_to_h1_then_title_then_empty():
    assert page_title(saved("listing_full.html")) == "特级 燕窝 即食 孕妇滋补"
    assert page_title(response("<html><head><title> 标题 </title></head></html>".encode())) == (
        "标题"
    )
    assert page_title(response(b"<html><body><p>x</p></body></html>")) == ""


def test_undeclared_gbk_page_is_read_as_gbk():
    page = extract_page(saved("listing_gbk.html", "text/html"))
    assert (page.title, page.description) == (
        "麝香",
        "麝香 ￥88.00 中药材 四川 成都 正宗野生 川药铺",
    )


def test_text_is_capped():
    body = ("<html><body><p>" + "象牙" * 30_000 + "</p></body></html>").encode()
    page = extract_page(response(body))
    assert (len(page.description), extract_page(response(body), limit=10).description) == (
        20_000,
        "象牙" * 5,
    )
