"""Blocks and login walls: pages a platform shows instead of what was asked for.

A blocked page must never be read as "no listings here". ``block_reason`` says, from the
profile's ``blocked`` spec, whether a response is one: by its status (403, 429 after the
retries), by the URL it ended on (a redirect to /login or /captcha), or, for a page that did
not read as the page it should be, by the words a block page shows (验证码, 请登录, 访问过于频繁)
in its title or the start of its text. Words alone do not make a page a block: a platform's
top bar shows 请登录 on every page to a visitor who is not signed in.
"""

from __future__ import annotations

import re

from scrapy.http import Response, TextResponse

from spiders.generic_page import collapse
from spiders.profile import BlockSpec

#: How much of a page's text is searched for block words: a block page says so at the top.
HEAD_CHARS = 3000
_VISIBLE = "//title//text() | //body//text()[not(ancestor::script or ancestor::style)]"


def blocked_by_status_or_url(response: Response, spec: BlockSpec) -> str | None:
    """Why the response is a block whatever it shows; None when it is not."""
    if response.status in spec.status:
        return f"blocked: HTTP {response.status}"
    for pattern in spec.url:
        if re.search(pattern, response.url):
            return f"blocked: redirected to {response.url}"
    return None


def blocked_by_text(response: Response, spec: BlockSpec) -> str | None:
    """For a page that did not read: the block word its title or first text shows."""
    if not isinstance(response, TextResponse) or not spec.text:
        return None
    try:
        head = collapse(" ".join(response.xpath(_VISIBLE).getall()))[:HEAD_CHARS]
    except ValueError:  # not HTML (a JSON answer)
        head = response.text[:HEAD_CHARS]
    for word in spec.text:
        if word in head:
            return f"blocked: the page shows {word!r}"
    return None
