"""The HTTP cache of a sweep: Scrapy's RFC 2616 policy, but every cached page is asked for
again conditionally (If-None-Match / If-Modified-Since) whatever freshness the platform
declared, and only a 304 lets the cached copy stand in.

A monitoring sweep must see what is served now: a page "fresh" for an hour by its max-age is
still asked for (a 304 costs a few hundred bytes), and an error is an error — Scrapy's policy
would hand back the cached copy on a 5xx, hiding that the platform failed.

The storage keeps one file per page (``<dir>/<spider>/<key[:2]>/<key>``: a pickle of the
response's metadata, headers and zlib-compressed body), written to a temporary name and renamed
(``spiders.render_memo.write_pickle``), so a crash leaves the old entry or the new one, never
half of one; sweeps of different platforms never contend for a file. Scrapy's filesystem
storage writes seven gzip files per page and rewrites them all after every 304 to freshen
headers that only a policy trusting freshness reads: on a re-sweep that was the largest cost.
Here a 304 writes nothing, and an entry that cannot be read counts as not cached (the page is
fetched in full).
"""

from __future__ import annotations

import logging
import time
import zlib
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_from_dict

from spiders.render_memo import UNREADABLE, read_pickle, write_pickle

logger = logging.getLogger(__name__)

#: zlib level of the bodies: level 3 keeps most of level 9's saving on HTML at a fifth of the cost.
LEVEL = 3


class RevalidatingPolicy(RFC2616Policy):
    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(
        self, cachedresponse: Response, response: Response, request: Request
    ) -> bool:
        return response.status == 304


class SweepCacheStorage:
    def __init__(self, settings: BaseSettings) -> None:
        self.cachedir = Path(settings["HTTPCACHE_DIR"])
        self.expiration_secs = settings.getint("HTTPCACHE_EXPIRATION_SECS")

    def open_spider(self, spider: Spider) -> None:
        self._fingerprinter = spider.crawler.request_fingerprinter

    def close_spider(self, spider: Spider) -> None:
        pass

    def _path(self, spider: Spider, request: Request) -> Path:
        key = self._fingerprinter.fingerprint(request).hex()
        return self.cachedir / spider.name / key[:2] / key

    def retrieve_response(self, spider: Spider, request: Request) -> Response | None:
        path = self._path(spider, request)
        try:
            if 0 < self.expiration_secs < time.time() - path.stat().st_mtime:
                return None
            entry: dict[str, Any] = read_pickle(path)
            body = zlib.decompress(entry["body"])
            response = response_from_dict({**entry["response"], "body": body})
        except FileNotFoundError:
            return None
        except UNREADABLE as exc:
            logger.warning("%s: cached copy unreadable (%s); fetching it in full", request.url, exc)
            return None
        request.meta["cache_timestamp"] = entry["timestamp"]
        return response

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        if "cached" in response.flags:
            return  # revalidated by a 304: the copy on disk is the one just confirmed
        fields = response.to_dict()
        fields["headers"] = {k: list(v) for k, v in response.headers.items()}
        body = fields.pop("body")
        entry = {
            "url": request.url,
            "timestamp": time.time(),
            "response": fields,
            "body": zlib.compress(body, LEVEL),
        }
        write_pickle(self._path(spider, request), entry)
