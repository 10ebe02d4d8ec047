"""The HTTP cache policy of a sweep: Scrapy's RFC 2616 policy, but every cached page is asked
for again conditionally (If-None-Match / If-Modified-Since) whatever freshness the platform
declared, and only a 304 lets the cached copy stand in.

A monitoring sweep must see what is served now: a page "fresh" for an hour by its max-age is
still asked for (a 304 costs a few hundred bytes), and an error is an error — Scrapy's policy
would hand back the cached copy on a 5xx, hiding that the platform failed.
"""

from __future__ import annotations

from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response


class RevalidatingPolicy(RFC2616Policy):
    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(
        self, cachedresponse: Response, response: Response, request: Request
    ) -> bool:
        return response.status == 304
