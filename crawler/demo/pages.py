"""HTML (and the few non-HTML answers) of the demo marketplace, rendered on request.

Markup follows docs/contracts.md "Demo marketplace". Each function is a pure function of the
catalogue and the request, returning a ``Response``; the server only routes. Pages of GBK
shops and listings are encoded GBK and declare no charset anywhere, like many real Chinese
sites, so that both Scrapy's and Chromium's encoding detection get exercised.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from urllib.parse import quote

from crawler.demo.catalog import PAGE_SIZE, Catalog
from crawler.demo.records import Ad, Listing, Shop
from crawler.demo.vocab import CATEGORIES, FOOTER

SITE_NAME = "网鉴演示商城"
HTML_UTF8 = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = HTML_UTF8


def _document(title: str, main: str, gbk: bool = False) -> Response:
    meta = "" if gbk else '<meta charset="utf-8">'
    html = (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head>{meta}<title>{escape(title)} - {SITE_NAME}'
        f"</title></head>\n<body>\n<header><a class=\"home\" href=\"/\">{SITE_NAME}</a>\n"
        '<form action="/search" method="get"><input name="q" placeholder="搜索商品">'
        "<button>搜索</button></form></header>\n"
        f"<main>\n{main}\n</main>\n<footer><p>{FOOTER}</p></footer>\n</body></html>\n"
    )
    if gbk:  # characters outside GBK (zero-width tricks, ¥) become character references
        return Response(200, html.encode("gbk", "xmlcharrefreplace"), "text/html")
    return Response(200, html.encode("utf-8"))


def error_page(status: int, message: str) -> Response:
    heading = {404: "页面不存在", 400: "请求有误"}.get(status, "出错了")
    page = _document(heading, f'<h1 class="error">{heading}</h1>\n<p>{escape(message)}</p>'
                     '\n<p><a href="/">返回首页</a></p>')
    return Response(status, page.body)


def _yuan(value: float) -> str:
    return f"¥{value:.2f}"


def _search_href(keyword: str, page: int | None = None) -> str:
    href = "/search?q=" + quote(keyword)
    return escape(href + (f"&page={page}" if page is not None else ""))


def home(catalog: Catalog) -> Response:
    links = [f'<li><a href="{_search_href("")}">全部商品</a></li>']
    links += [f'<li><a href="{_search_href(c.name)}">{c.name}</a></li>' for c in CATEGORIES]
    main = (f"<h1>欢迎光临{SITE_NAME}</h1>\n<p>共有店铺 {len(catalog.shops)} 家，"
            f"在售商品 {len(catalog.listings)} 件。</p>\n"
            '<ul class="categories">\n' + "\n".join(links) + "\n</ul>")
    return _document("首页", main)


def _banner(ad: Ad) -> str:
    tag = '<span class="ad-tag">广告</span>' if ad.labelled else ""
    return (f'<div class="banner" data-ad-id="{ad.id}"><a href="/item/{ad.listing_id}">'
            f"{escape(ad.text)}</a>{tag}</div>")


def _result(listing: Listing, catalog: Catalog, ad: Ad | None = None) -> str:
    if ad is None:
        head = f'<li class="result" data-id="{listing.id}">'
    else:
        head = f'<li class="result promoted" data-ad-id="{ad.id}" data-id="{listing.id}">'
        if ad.labelled:
            head += '<span class="ad-tag">广告</span> '
    place = catalog.shop_of(listing).city.place
    return (f'{head}<a class="title" href="/item/{listing.id}">{escape(listing.title)}</a> '
            f'<span class="price">{_yuan(listing.price)}</span> '
            f'<span class="place">{place}</span></li>')


def search(catalog: Catalog, keyword: str, page_arg: str | None) -> Response:
    if page_arg is None or page_arg == "":
        page = 1
    elif page_arg.isascii() and page_arg.isdigit() and int(page_arg) >= 1:
        page = int(page_arg)
    else:
        return error_page(400, f"页码必须是正整数，收到的是“{page_arg}”。")
    hits = catalog.search(keyword)
    pages = catalog.page_count(keyword)
    if page > pages:
        return error_page(404, f"搜索结果只有 {pages} 页，没有第 {page} 页。")
    banner, promoted = catalog.ads_on(keyword, page)
    shown_ads = [(catalog.listing(ad.listing_id), ad) for ad in promoted]
    rows = [_result(listing, catalog, ad) for listing, ad in shown_ads if listing is not None]
    rows += [_result(catalog.listing(i) or catalog.listings[i], catalog)
             for i in hits[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]]
    shown = f"“{escape(keyword)}”的搜索结果" if keyword.strip() else "全部商品"
    parts = [f'<h1 class="search-title">{shown}：共 {len(hits)} 件商品</h1>']
    if banner is not None:
        parts.append(_banner(banner))
    if not hits:
        parts.append('<p class="empty">没有找到相关商品，请换个关键词试试。</p>')
    parts.append('<ul class="results">\n' + "\n".join(rows) + "\n</ul>")
    parts.append(f'<p class="pager">第 {page} 页，共 {pages} 页</p>')
    if page < pages:
        parts.append(f'<a class="next" href="{_search_href(keyword, page + 1)}">下一页</a>')
    return _document(f"{keyword or '全部商品'} 第{page}页", "\n".join(parts))


PRICE_SCRIPT = """<script>
(function () {
  var span = document.querySelector("span.price[data-price-src]");
  fetch(span.getAttribute("data-price-src")).then(function (r) { return r.json(); })
    .then(function (d) {
      span.textContent = "\\u00a5" + d.price.toFixed(2);
      var del = document.querySelector("del.original-price");
      if (del && d.original_price) { del.textContent = "\\u00a5" + d.original_price.toFixed(2); }
    });
})();
</script>"""


def item(catalog: Catalog, listing_id: str) -> Response:
    listing = catalog.listing(listing_id)
    if listing is None:
        return error_page(404, f"商品 {listing_id} 不存在或已下架。")
    shop = catalog.shop_of(listing)
    if listing.js_priced:  # nothing between the tags: the profile tests span.price:empty
        price = f'<span class="price" data-price-src="/api/price/{listing.id}"></span>'
        original = '<del class="original-price"></del>' if listing.original_price else ""
    else:
        price = f'<span class="price">{_yuan(listing.price)}</span>'
        original = (f'<del class="original-price">{_yuan(listing.original_price)}</del>'
                    if listing.original_price else "")
    main = (
        f'<div class="item" data-id="{listing.id}">\n'
        f'<h1 class="title">{escape(listing.title)}</h1>\n'
        f'<p class="price-box">价格：{price} {original}</p>\n'
        + (f'<p>库存：<span class="stock">{listing.stock}</span></p>\n' if listing.stock else "")
        + f'<p>类目：<span class="category">{listing.category}</span></p>\n'
        f'<p>发货地：<span class="ship-from">{shop.city.place}</span></p>\n'
        f'<div class="desc">{escape(listing.description)}</div>\n'
        f'<p>店铺：<a class="shop" href="/shop/{shop.id}">{escape(shop.name)}</a></p>\n</div>'
    )
    if listing.js_priced:
        main += "\n" + PRICE_SCRIPT
    return _document(listing.title, main, gbk=listing.gbk)


def _licence(shop: Shop) -> str:
    if shop.licence == "image":
        return (f'<div class="licence licence-image"><img src="/static/licence/{shop.id}.png" '
                'alt="营业执照"></div>')
    if shop.uscc is None:
        return ""
    permits = "".join(f'\n  <p class="permit">{name}：{number}</p>'
                      for name, number in shop.permits)
    return (f'<div class="licence">\n  <p class="company">企业名称：{escape(shop.company)}</p>\n'
            f'  <p class="uscc">统一社会信用代码：{shop.uscc}</p>\n'
            f'  <p class="address">住所：{shop.address}</p>{permits}\n</div>')


def shop(catalog: Catalog, shop_id: str) -> Response:
    found = catalog.shops.get(shop_id)
    if found is None:
        return error_page(404, f"店铺 {shop_id} 不存在或已关闭。")
    items = "\n".join(f'<li><a href="/item/{x.id}">{escape(x.title)}</a></li>'
                      for x in catalog.shop_listings(found.id))
    main = (
        f'<div class="shop" data-id="{found.id}">\n'
        f'<h1 class="shop-name">{escape(found.name)}</h1>\n'
        f'<div class="shop-intro">{escape(found.intro)}</div>\n'
        f'<div class="main-categories">主营类目：{" ".join(found.categories)}</div>\n'
        f'<p>所在地：<span class="location">{found.city.place}</span></p>\n'
        f"{_licence(found)}\n"
        f'<h2>本店商品</h2>\n<ul class="shop-items">\n{items}\n</ul>\n</div>'
    )
    return _document(found.name, main, gbk=found.gbk)


def price_api(catalog: Catalog, listing_id: str) -> Response:
    listing = catalog.listing(listing_id)
    if listing is None:
        body = {"error": f"商品 {listing_id} 不存在"}
        return Response(404, json.dumps(body, ensure_ascii=False).encode(), "application/json")
    body = {"price": listing.price, "original_price": listing.original_price}
    return Response(200, json.dumps(body).encode(), "application/json")


def licence_image(catalog: Catalog, shop_id: str) -> Response:
    found = catalog.shops.get(shop_id)
    if found is None or found.licence != "image":
        return error_page(404, f"店铺 {shop_id} 没有证照图片。")
    return Response(200, licence_png(found.id), "image/png")


def robots() -> Response:
    return Response(200, b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")


@lru_cache(maxsize=256)
def licence_png(shop_id: str, width: int = 96, height: int = 64) -> bytes:
    """A tiny grey 'scan' of a licence: frame, title bar, lines of 'text', a seal. No Pillow."""
    seed = zlib.crc32(shop_id.encode())
    rows = []
    for y in range(height):
        row = bytearray([0xF4] * width)
        if y in (2, height - 3):
            row[2:width - 2] = bytes([0x40] * (width - 4))
        for x in (2, width - 3):
            if 2 <= y <= height - 3:
                row[x] = 0x40
        if 8 <= y <= 11:
            row[30:66] = bytes([0x30] * 36)
        if y >= 18 and y <= height - 12 and y % 6 in (0, 1):
            length = 20 + (seed >> (y % 24)) % 50
            row[10:10 + length] = bytes([0x70] * length)
        if height - 24 <= y <= height - 8:
            row[width - 26:width - 10] = bytes([0x90] * 16)
        rows.append(b"\x00" + bytes(row))  # filter type 0 per scanline

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
