"""Generic extraction: what any HTML page says, for pages no profile describes.

``wangjian scan`` scores such a page as if it were a listing: its title, and as description
the meta description plus the text a visitor sees. A pure function of a response, like
``spiders.extract``; nothing here fetches.
"""

from __future__ import annotations

import re

from scrapy.http import TextResponse

from rules.items import PageItem
from spiders.extract import capture, first_text
from spiders.picks import HTML_SPACE, is_json

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


def extract_page(response: TextResponse, limit: int = MAX_TEXT) -> PageItem:
    meta = first_text(response.selector, 'meta[name="description"]::attr(content)')
    description = "\n".join(part for part in (meta, visible_text(response)) if part)
    return PageItem(
        url=response.url,
        external_id=PageItem.id_of(response.url),
        title=page_title(response),
        description=description[:limit],
        page=capture(response),
    )
