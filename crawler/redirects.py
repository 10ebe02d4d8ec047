"""Redirects that lead back to where they started fail loudly instead of vanishing.

Scrapy follows a redirect with a new request for the target; when the target is a URL the
chain already visited, the scheduler's duplicate filter drops that request silently and the
page is lost without a word. Here such a redirect is refused as "redirect loop", so the page
becomes a reported failure.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            chain = {*request.meta.get("redirect_urls", ()), request.url}
            if result.url in chain:
                raise IgnoreRequest(f"redirect loop back to {result.url}")
        return result
