"""Generic extraction: what any HTML page says, for pages no profile describes.

``wangjian scan`` scores such a page as if it were a listing. Structured data first
(``spiders.structured``: JSON-LD, microdata, RDFa, OpenGraph) for the title, price, original
price, seller and brand; then the main content (trafilatura removes navigation, footers and
other products' blocks, so their slogans are not scored), else the text a visitor sees. A
pure function of a response, like ``spiders.extract``; nothing here fetches.
"""

from __future__ import annotations

import re

from parsel import Selector
from scrapy.http import TextResponse

from rules.items import PageItem
from spiders.extract import capture, first_text
from spiders.picks import HTML_SPACE, is_json
from spiders.structured import product_of

#: Enough for any product page; a huge page (a forum thread, a catalogue) is cut here so one
#: URL cannot make the scorer read megabytes.
MAX_TEXT = 20_000

# HTML whitespace only, as in spiders.picks: other spaces (U+3000) are the seller's text.
_SPACE = re.compile(f"[{HTML_SPACE}]+")
_INVISIBLE = "ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
_BODY_TEXT = f"//body//text()[not({_INVISIBLE})]"
_TITLE_SOURCES = ('meta[property="og:title"]::attr(content)', "h1", "title")


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip(" ")


def page_title(response: TextResponse) -> str:
    """og:title, else the first ``<h1>``, else ``<title>``; '' when the page has none (a
    JSON answer has none)."""
    if is_json(response):
        return ""
    for css in _TITLE_SOURCES:
        found = first_text(response.selector, css)
        if found:
            return found
    return ""


def visible_text(response: TextResponse) -> str:
    """The body's text without scripts, styles and templates, whitespace collapsed."""
    # Text nodes are joined with a space: rules normalise spaces away, and without one the
    # last word of a paragraph would run into the first of the next.
    return collapse(" ".join(response.xpath(_BODY_TEXT).getall()))


def _shown_html(html: str) -> str:
    """The page without what a visitor never sees (templates, noscript, scripts, styles)."""
    selector = Selector(text=html, type="html")  # a body that is JSON is still read as HTML
    selector.xpath("//template | //noscript | //script | //style").drop()
    return selector.get()


def main_text(html: str) -> str:
    """The page's main content as trafilatura finds it ('' when it finds none)."""
    import trafilatura

    html = _shown_html(html)
    try:
        found = trafilatura.extract(
            html, include_comments=False, include_tables=True, favor_precision=True
        )
    except Exception:  # noqa: BLE001 - markup it cannot read: the caller falls back
        return ""
    return collapse(found or "")


def extract_page(response: TextResponse, limit: int = MAX_TEXT) -> PageItem:
    if is_json(response) or response.selector.type == "json":  # no markup to read
        url = response.url
        return PageItem(url=url, external_id=PageItem.id_of(url), page=capture(response))
    meta = first_text(response.selector, 'meta[name="description"]::attr(content)')
    html = response.text
    product = product_of(html, response.url) if html else None
    main = main_text(html) if html else ""
    # The meta description is often the site's own slogan on every page: kept only when no
    # main content was found.
    parts = (main,) if main else (meta, visible_text(response))
    description = "\n".join(part for part in parts if part)
    return PageItem(
        url=response.url,
        external_id=PageItem.id_of(response.url),
        title=(product.title if product else "") or page_title(response),
        description=description[:limit],
        price=product.price if product else None,
        original_price=product.original_price if product else None,
        currency=product.currency if product else None,
        seller=product.seller if product else None,
        brand=product.brand if product else None,
        page=capture(response),
    )
