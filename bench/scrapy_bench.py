#!/usr/bin/python3
"""Scrapy (Debian's python3-scrapy) crawling the crawl_bench fixture site directly.

The peer of bench/crawl_bench.cc for bench/crawl_compare.sh (bench/README.md, "Crawler
over SOCKS5 (issue 8)"). Start the site with `crawl_bench --serve --pages N`, then

    bench/scrapy_bench.py --url http://127.0.0.1:SITE_PORT --concurrency C

Scrapy cannot speak SOCKS, so it fetches the site on loopback without the gateway.
Per page it does what the leakwatch crawler's workers do at the least: parse the HTML
(parsel/lxml, `a::attr(href)`), follow every link (Scrapy's own de-duplication) and
SHA-256 the body. Settings: CONCURRENT_REQUESTS = CONCURRENT_REQUESTS_PER_DOMAIN = C,
no download delay, no robots.txt, retries, cookies, telnet console or AutoThrottle;
everything else is Scrapy's default (including its LIFO scheduling order; `--order bfo`
switches to breadth-first, a diagnostic).

Prints one line:
    result tool=scrapy concurrency=C pages=P seconds=S cpu_s=U peak_rss_kb=K errors=E ...
`seconds` and `cpu_s` run from the spider_opened signal to spider_closed (the crawl;
interpreter start-up and imports are reported apart as startup_cpu_s); `peak_rss_kb`
is the process's high-water mark (getrusage ru_maxrss), imports included.
"""
import argparse
import hashlib
import resource
import sys
import time

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class FixtureSpider(scrapy.Spider):
    name = "fixture"

    def __init__(self, url, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [url.rstrip("/") + "/p/0"]
        self.pages = 0
        self.digest_bytes = 0
        self.opened = None
        self.closed = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    def on_opened(self, spider):
        self.opened = (time.monotonic(), cpu_seconds())

    def on_closed(self, spider, reason):
        self.closed = (time.monotonic(), cpu_seconds(), reason)

    def parse(self, response):
        self.pages += 1
        self.digest_bytes += len(hashlib.sha256(response.body).digest())
        yield from response.follow_all(response.css("a::attr(href)").getall(), callback=self.parse)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True, help="the fixture site, http://127.0.0.1:PORT")
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument(
        "--order",
        choices=("default", "bfo"),
        default="default",
        help="default: Scrapy's own (LIFO, depth-first); bfo: breadth-first "
        "(DEPTH_PRIORITY 1 and FIFO queues, as Scrapy's FAQ describes), a diagnostic",
    )
    args = ap.parse_args()

    c = args.concurrency
    order = {}
    if args.order == "bfo":
        order = {
            "DEPTH_PRIORITY": 1,
            "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        }
    process = CrawlerProcess(
        settings={
            **order,
            "CONCURRENT_REQUESTS": c,
            "CONCURRENT_REQUESTS_PER_DOMAIN": c,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": False,
            "RETRY_ENABLED": False,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "AUTOTHROTTLE_ENABLED": False,
            "LOG_LEVEL": "ERROR",
            "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",  # silences 2.7+'s warning
        }
    )
    crawler = process.create_crawler(FixtureSpider)
    startup_cpu = cpu_seconds()
    process.crawl(crawler, url=args.url)
    process.start()

    spider = crawler.spider
    if spider.opened is None or spider.closed is None:
        print("scrapy_bench: the spider did not run", file=sys.stderr)
        return 1
    stats = crawler.stats.get_stats()
    responses = stats.get("downloader/response_count", 0)
    errors = stats.get("downloader/exception_count", 0) + (responses - spider.pages)
    print(
        f"result tool=scrapy{'' if args.order == 'default' else '-' + args.order} concurrency={c} pages={spider.pages} "
        f"seconds={spider.closed[0] - spider.opened[0]:.3f} "
        f"cpu_s={spider.closed[1] - spider.opened[1]:.3f} "
        f"peak_rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} "
        f"errors={errors} startup_cpu_s={startup_cpu:.3f} reason={spider.closed[2]} "
        f"scrapy={scrapy.__version__}",
        flush=True,
    )
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
