"""The spider's side of kept renders (``spiders.render_memo``): keep a render after reading
it, and on a later sweep revalidate what it fetched before rendering again.

A mixin of ``GenericSpider``: it needs the spider's ``renders`` (a ``RenderMemo``, or None
when the HTTP cache is off), ``proxy``, ``crawler`` and ``_rendered`` (the Chromium request,
now or later from the render pool).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders import frontier
from spiders.profile import RenderRule
from spiders.render import PLAIN
from spiders.render_memo import REUSED, Memo, RenderMemo, memo_of
from spiders.served import SERVED, served_of

logger = logging.getLogger(__name__)

#: Request meta of a revalidation: the pending reuse and which of its fetches this is.
REUSE = "wangjian_reuse"


@dataclass
class _Pending:
    page: Response  # the plain page, back from the cache as a 304
    rule: RenderRule
    plain: Any  # what the plain page showed (render meta PLAIN)
    memo: Memo


class RenderReuse:
    renders: RenderMemo | None
    proxy: str | None
    _unchanged: set[str]  # resources this sweep got back as 304

    def _reuse_or_render(self, response: Response, rule: RenderRule, plain: Any) -> Iterator[Any]:
        """Read the kept render of an unchanged page once what it fetched is confirmed
        unchanged; else render it in Chromium."""
        memo = None
        if self.renders is not None and "cached" in response.flags:
            memo = self.renders.get(response.url, hashlib.sha256(response.body).hexdigest())
        if memo is None:
            yield from self._rendered(response, rule, plain)
            return
        yield from self._revalidate(_Pending(response, rule, plain, memo), 0)

    def _revalidate(self, pending: _Pending, index: int) -> Iterator[Any]:
        resources = pending.memo.resources
        while index < len(resources) and resources[index] in self._unchanged:
            index += 1
        if index < len(resources):
            meta: dict[str, Any] = {REUSE: (pending, index)}
            if self.proxy:
                meta["proxy"] = self.proxy
            yield Request(
                resources[index],
                callback=self._revalidated,
                errback=self._revalidation_failed,
                meta=meta,
                dont_filter=True,  # asked once per page that reads it; a 304 is remembered
                priority=frontier.PENDING,  # the plain page waits in memory for it
            )
            return
        page = pending.page
        request = page.request.replace(
            meta={**page.meta, PLAIN: pending.plain, SERVED: served_of(page)},
            dont_filter=True,
        )
        self.crawler.stats.inc_value("wangjian/render_reused")
        yield from request.callback(pending.memo.response(request))

    def _revalidated(self, response: Response) -> Iterator[Any]:
        pending, index = response.meta[REUSE]
        if "cached" not in response.flags:  # changed, or not kept by the cache
            yield from self._rendered(pending.page, pending.rule, pending.plain)
            return
        self._unchanged.add(pending.memo.resources[index])
        yield from self._revalidate(pending, index + 1)

    def _revalidation_failed(self, failure: Failure) -> Iterator[Any]:
        pending, _ = failure.request.meta[REUSE]
        logger.debug("%s: %s; rendering again", failure.request.url, failure.value)
        yield from self._rendered(pending.page, pending.rule, pending.plain)

    def _keep_render(self, response: Response) -> Iterator[Request]:
        """After a Chromium render was read: keep it, and have the HTTP cache fetch what it
        fetched, so that the next sweep can revalidate those."""
        served = response.meta.get(SERVED)
        if self.renders is None or REUSED in response.flags or served is None:
            return
        memo = memo_of(response, hashlib.sha256(served.body).hexdigest())
        if memo is None:
            self.renders.forget(response.url)
            return
        self.renders.put(memo)
        for url in memo.resources:
            meta = {"proxy": self.proxy} if self.proxy else {}
            yield Request(
                url, callback=_ignore, errback=_ignore, meta=meta, priority=frontier.CACHE_FILL
            )


def _ignore(_: Any) -> Iterator[Any]:
    """A fetch made only for the HTTP cache to keep: nothing to read."""
    return iter(())
