"""Baseline for bench_sweep: bare Scrapy over the same demo site, no rules, store or browser.

python benchmarks/bare_spider.py BASE_URL CONCURRENCY   (prints the pages fetched)
"""

from __future__ import annotations

import sys

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    """Browse every search page, every listing and every shop; extract nothing."""

    name = "bare"

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url

    async def start(self):
        yield scrapy.Request(f"{self.base_url}/search?q=", callback=self.parse_search)

    def parse_search(self, response):
        for href in response.css("ul.results li.result a.title::attr(href)").getall():
            yield response.follow(href, callback=self.parse_listing)
        next_page = response.css("a.next::attr(href)").get()
        if next_page:
            yield response.follow(next_page, callback=self.parse_search)

    def parse_listing(self, response):
        shop = response.css("a.shop::attr(href)").get()
        if shop:
            yield response.follow(shop, callback=self.parse_shop)

    def parse_shop(self, response):
        return None


if __name__ == "__main__":
    base_url, concurrency = sys.argv[1], int(sys.argv[2])
    process = CrawlerProcess(
        {
            "LOG_LEVEL": "ERROR",
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "TELNETCONSOLE_ENABLED": False,
            "ROBOTSTXT_OBEY": False,
        }
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, base_url=base_url)
    process.start()
    print(crawler.stats.get_value("response_received_count", 0))
