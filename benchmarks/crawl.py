"""Crawl speed: the full product versus a bare link-following Scrapy spider, on a local 5,000-article site.

    python benchmarks/crawl.py [--articles 5000] [--concurrency 16]

The site is the generator's `benchmark` preset (crawler/demo/data/presets/benchmark.toml: six CMS families,
UTF-8 and GBK pages, ~100 links per page, multi-page articles, tracking-parameter twins), pre-rendered and
served from its own process (`python -m crawler.demo`) on 127.0.0.1. Each crawl runs in a fresh subprocess
(Twisted's reactor cannot restart): first a bare spider (follow every same-site link, nothing else), then
`news` with extraction, pipelines and a fresh SQLite archive, politeness lifted for loopback. Prints pages/s
of both, their ratio and each crawl's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_site(n_articles: int) -> tuple[subprocess.Popen[str], str]:
    """The benchmark site in its own process, every page rendered and compressed before the first request."""
    cmd = [sys.executable, "-m", "crawler.demo", "--preset", "benchmark", "--port", "0", "--prerender",
           "-o", f"n_articles={n_articles}"]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline() if server.stdout else ""
    if not line.startswith("URL "):
        server.kill()
        raise SystemExit("the benchmark site did not start")
    return server, line.split()[1]


LOOPBACK = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "ROBOTSTXT_OBEY": False,
    "LOG_LEVEL": "ERROR",
    "TELNETCONSOLE_ENABLED": False,
}


def bare_worker(url: str, concurrency: int) -> dict:
    """A bare Scrapy spider: follow every same-site link, nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"
        allowed_domains = ("127.0.0.1",)

        async def start(self):  # type: ignore[no-untyped-def]
            yield scrapy.Request(url)

        def parse(self, response):  # type: ignore[no-untyped-def]
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href)

    settings = {**LOOPBACK, "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency}
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    process.start()
    return dict(crawler.stats.get_stats())


def product_worker(url: str, concurrency: int, db: str) -> dict:
    from crawler.crawl import run_crawl

    settings = {
        **LOOPBACK,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "NEWSARCHIVE_MAX_HOPS": 50,
    }
    return run_crawl(f"sqlite:///{db}", {"start_url": url + "/"}, settings)


def worker_main(args: argparse.Namespace) -> None:
    if args.worker == "bare":
        stats = bare_worker(args.url, args.concurrency)
    else:
        stats = product_worker(args.url, args.concurrency, args.db)
    elapsed = stats["elapsed_time_seconds"]
    pages = stats.get("response_received_count", 0)
    out = {
        "pages": pages,
        "elapsed": elapsed,
        "pages_per_s": pages / elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "articles_new": stats.get("articles/new", 0),
    }
    print("RESULT " + json.dumps(out))


def run(kind: str, url: str, concurrency: int, db: str = "") -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--url", url, "--concurrency", str(concurrency), "--db", db]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"{kind} crawl failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[7:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--worker", choices=["bare", "product"])
    parser.add_argument("--url")
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        worker_main(args)
        return
    t0 = time.monotonic()
    server, url = start_site(args.articles)
    print(f"site of {args.articles} articles generated and served on {url} in {time.monotonic() - t0:.1f}s")
    try:
        bare = run("bare", url, args.concurrency)
        with tempfile.TemporaryDirectory() as tmp:
            full = run("product", url, args.concurrency, str(Path(tmp) / "bench.db"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name, r in (("bare spider", bare), ("full product", full)):
        print(
            f"{name:13s} {r['pages']:6d} pages in {r['elapsed']:6.1f}s = {r['pages_per_s']:6.1f} pages/s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB"
            + (f", {r['articles_new']} articles stored" if r["articles_new"] else "")
        )
    print(f"ratio full/bare: {full['pages_per_s'] / bare['pages_per_s']:.0%} (target >= 60%, peak RSS < 300 MB)")


if __name__ == "__main__":
    main()
