"""Baseline for bench_sweep: bare Scrapy over the demo site, no rules, store or browser.

It fetches what a wangjian sweep of the demo profile fetches: the search pages of the given
keywords and the browse (``/search?q=``) with their next pages, every listing found, every
shop a listing links to, and the price endpoint a JS-priced listing names. It extracts
nothing else.

    python benchmarks/bare_spider.py BASE_URL CONCURRENCY [KEYWORD …]   (prints the pages)
"""

from __future__ import annotations

import sys
from urllib.parse import quote

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, base_url: str, keywords: list[str], **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url
        self.keywords = keywords

    async def start(self):
        for keyword in self.keywords:
            url = f"{self.base_url}/search?q={quote(keyword, safe='')}&page=1"
            yield scrapy.Request(url, callback=self.parse_search)
        yield scrapy.Request(f"{self.base_url}/search?q=", callback=self.parse_search)

    def parse_search(self, response):
        for href in response.css("ul.results li.result a.title::attr(href)").getall():
            yield response.follow(href, callback=self.parse_listing)
        next_page = response.css("a.next::attr(href)").get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_search)

    def parse_listing(self, response):
        for href in response.css("a.shop::attr(href), span.price::attr(data-price-src)").getall():
            yield response.follow(href, callback=self.parse_other)

    def parse_other(self, response):
        return None


if __name__ == "__main__":
    base_url, concurrency, keywords = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    process = CrawlerProcess(
        {
            "LOG_LEVEL": "ERROR",
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "TELNETCONSOLE_ENABLED": False,
            "ROBOTSTXT_OBEY": False,
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        }
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base_url=base_url, keywords=keywords)
    process.start()
    print(crawler.stats.get_value("response_received_count", 0))
