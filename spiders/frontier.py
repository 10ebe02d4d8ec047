"""The order of a sweep's frontier: request priorities (higher first).

Scrapy's scheduler is last-in first-out by default, and a result page yields its listings
before its next page, so the next page went first: pagination ran ahead of the listings,
and on a 50,000-listing marketplace ~35,000 listing requests waited in memory. With these
priorities what a page found is fetched before more result pages are opened (shops before
listings, listings before the next result page), so the frontier holds about the results
of the pages in flight, whatever the size of the catalogue. A request that completes a
page already held in memory (an API read, a kept render's revalidation, a render let out of
the pool) goes before all of them, and the fetches made only to fill the HTTP cache for a
kept render go before more result pages, so they never pile up behind the whole sweep.
"""

from __future__ import annotations

#: A search or browse result page (and the start pages).
SEARCH = 0
#: A fetch made only so that the HTTP cache keeps what a render read (spiders.render_reuse).
CACHE_FILL = 5
#: A listing page found on a result page.
LISTING = 10
#: A shop page a listing names.
SHOP = 20
#: A request that completes a page held in memory: API read, revalidation, render.
PENDING = 30
