"""Crawl speed, side by side in one run: a tuned bare Scrapy spider (the ceiling), Scrapy+GNE, Scrapy+trafilatura
and the full product on SQLite and PostgreSQL, all against the same generated site.

    python benchmarks/crawl.py [--articles 2000] [--concurrency 16] [--only bare,gne,trafilatura,sqlite,pg]
                               [--pg postgresql+psycopg://postgres@127.0.0.1:5432/bench_crawl]

The site is the generator's `benchmark` preset (crawler/demo/data/presets/benchmark.toml: six CMS families,
~100 links per page, multi-page articles, tracking-parameter twins), pre-rendered and served from its own
process (`python -m crawler.demo`). With two or more CPUs the server is pinned to one and each crawler to another
(os.sched_setaffinity), so a crawler's figures are its own. Each crawl runs in a fresh subprocess (Twisted's reactor
cannot restart), with politeness lifted for loopback and the same concurrency:

* **bare** — follow every same-site link with its own seen-set (no dupefilter, CONCURRENT_ITEMS=8), no extraction,
  store the URL of every page in SQLite: the ceiling any crawler of this site can reach;
* **gne**, **trafilatura** — the bare spider plus that library's extraction of every page, each result stored;
* **sqlite**, **pg** — `news` with extraction, pipelines, story clustering and a fresh archive, logging at INFO.

Printed per crawler: responses/s, the ratio to the bare spider, CPU per response, peak RSS, requests per distinct
URL (by crawler.urls.url_key, so a tracking twin counts as the same page) and per page the site serves, log bytes
per page (product only), CPU busy (its CPU time over its wall time: well under 100% means it sat idle waiting),
then whether each of issue 13's targets is met. The PostgreSQL crawl needs a server: `--pg URL` (its database is
dropped and created again) or $ARCHIVE_TEST_PG_URL; without one it is skipped, saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("bare", "gne", "trafilatura", "sqlite", "pg")

#: issue 13's targets
MIN_RATIO = 0.60
MAX_REQUESTS_PER_PAGE = 1.05
MAX_RSS_MB = 300
MAX_LOG_BYTES_PER_PAGE = 1024

LOOPBACK = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "ROBOTSTXT_OBEY": False,
    "TELNETCONSOLE_ENABLED": False,
    "RETRY_TIMES": 1,
}


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def start_site(n_articles: int, cpu: int | None) -> tuple[subprocess.Popen[str], str, int]:
    """The benchmark site in its own process, every page rendered and compressed before the first request."""
    cmd = [sys.executable, "-m", "crawler.demo", "--preset", "benchmark", "--port", "0", "--prerender",
           "-o", f"n_articles={n_articles}"]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = [server.stdout.readline() if server.stdout else "" for _ in range(2)]
    if not lines[0].startswith("URL ") or not lines[1].startswith("PAGES "):
        server.kill()
        raise SystemExit("the benchmark site did not start")
    return server, lines[0].split()[1], int(lines[1].split()[1])


# -- inside a worker process ---------------------------------------------------------------------------------------
class RequestCounter:
    """An extension counting every request sent to the downloader, by URL as requested (redirects and retries too)."""

    urls: ClassVar[list[str]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> RequestCounter:
        from scrapy import signals

        ext = cls()
        crawler.signals.connect(ext.reached, signal=signals.request_reached_downloader)
        return ext

    def reached(self, request: Any, spider: Any) -> None:
        RequestCounter.urls.append(request.url)


class UrlStore:
    """The baselines' storage: one SQLite row per item, committed every 100 rows and at the end."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(os.environ["BENCH_DB"])
        self.db.execute("CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, title TEXT, body TEXT, date TEXT)")
        self.n = 0

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?)",
                        (item["url"], item.get("title"), item.get("body"), item.get("date")))
        self.n += 1
        if self.n % 100 == 0:
            self.db.commit()
        return item

    def close_spider(self) -> None:
        self.db.commit()
        self.db.close()


def _extractor(kind: str) -> Any:
    """url, html -> the item a baseline stores (None to store nothing but the URL)."""
    if kind == "gne":
        from gne import GeneralNewsExtractor

        gne = GeneralNewsExtractor()

        def with_gne(url: str, html: str) -> dict[str, Any]:
            try:
                r = gne.extract(html)
            except Exception:  # GNE fails on some pages; a baseline just stores nothing then
                return {"url": url}
            return {"url": url, "title": r.get("title"), "body": r.get("content"), "date": r.get("publish_time")}

        return with_gne
    if kind == "trafilatura":
        import trafilatura

        def with_trafilatura(url: str, html: str) -> dict[str, Any]:
            doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
            if doc is None:
                return {"url": url}
            return {"url": url, "title": doc.title, "body": doc.text, "date": doc.date}

        return with_trafilatura
    return lambda url, html: {"url": url}


def baseline_worker(kind: str, url: str, concurrency: int) -> dict[str, Any]:
    """A tuned link-following Scrapy spider: its own seen-set, CONCURRENT_ITEMS=8, one stored row per page."""
    from urllib.parse import urljoin, urlsplit

    import scrapy
    from scrapy.crawler import CrawlerProcess

    extract = _extractor(kind)
    host = urlsplit(url).netloc

    class Baseline(scrapy.Spider):
        name = kind
        seen: ClassVar[set[str]] = set()

        async def start(self) -> Any:
            self.seen.add(url + "/")
            yield scrapy.Request(url + "/")

        def parse(self, response: Any) -> Iterator[Any]:
            if not hasattr(response, "text"):
                return
            yield extract(response.url, response.text)
            for href in response.xpath("//a/@href").getall():
                link = urljoin(response.url, href.strip()).split("#", 1)[0]
                if link not in self.seen and urlsplit(link).netloc == host:
                    self.seen.add(link)
                    yield scrapy.Request(link)

    settings = {
        **LOOPBACK,
        "LOG_LEVEL": "ERROR",
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "CONCURRENT_ITEMS": 8,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "ITEM_PIPELINES": {"__main__.UrlStore": 100},
        "EXTENSIONS": {"__main__.RequestCounter": 900},
        "HTTPERROR_ALLOWED_CODES": [404],
    }
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(Baseline)
    process.crawl(crawler)
    process.start()
    return dict(crawler.stats.get_stats())


def product_worker(url: str, concurrency: int, db_url: str, log_file: str) -> dict[str, Any]:
    from crawler.crawl import run_crawl
    from crawler.settings import EXTENSIONS

    settings = {
        **LOOPBACK,
        "LOG_LEVEL": "INFO",
        "LOG_FILE": log_file,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "NEWSARCHIVE_MAX_HOPS": 50,
        "EXTENSIONS": {**EXTENSIONS, "__main__.RequestCounter": 900},
    }
    return run_crawl(db_url, {"start_url": url + "/"}, settings)


def worker_main(args: argparse.Namespace) -> None:
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    with tempfile.TemporaryDirectory() as tmp:
        log_file = str(Path(tmp) / "crawl.log")
        os.environ["BENCH_DB"] = str(Path(tmp) / "baseline.db")
        t0 = time.process_time()
        if args.worker in ("sqlite", "pg"):
            db_url = args.db or f"sqlite:///{Path(tmp) / 'archive.db'}"
            stats = product_worker(args.url, args.concurrency, db_url, log_file)
        else:
            stats = baseline_worker(args.worker, args.url, args.concurrency)
        cpu = time.process_time() - t0
        log_bytes = Path(log_file).stat().st_size if Path(log_file).exists() else 0
    from crawler.urls import url_key

    responses = stats.get("response_received_count", 0)
    requests = len(RequestCounter.urls)
    out = {
        "responses": responses,
        "elapsed": stats.get("elapsed_time_seconds") or float("nan"),  # (none when the crawl was killed)
        "cpu": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "requests": requests,
        "distinct": len({url_key(u) for u in RequestCounter.urls}),
        "log_bytes": log_bytes,
        "articles_new": stats.get("articles/new", 0),
        "items": stats.get("item_scraped_count", 0),
    }
    print("RESULT " + json.dumps(out))


# -- the parent -----------------------------------------------------------------------------------------------------
def run(kind: str, url: str, concurrency: int, cpu: int | None, db: str = "") -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--worker", kind, "--url", url, "--concurrency", str(concurrency), "--db", db]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        print(f"{kind} crawl failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(line[7:])


def pg_url(given: str) -> str | None:
    """Drop and create the benchmark's PostgreSQL database and return its URL; None (saying why) without a server."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    if given:
        target = make_url(given)
    elif os.environ.get("ARCHIVE_TEST_PG_URL"):
        target = make_url(os.environ["ARCHIVE_TEST_PG_URL"]).set(database="bench_crawl")
    else:
        print("PostgreSQL crawl skipped: give --pg URL (or set ARCHIVE_TEST_PG_URL)", file=sys.stderr)
        return None
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except OperationalError as exc:
        print(f"PostgreSQL crawl skipped: {str(exc.orig).strip().splitlines()[0]}", file=sys.stderr)
        return None
    finally:
        admin.dispose()
    return target.render_as_string(hide_password=False)


def table(results: dict[str, dict[str, Any]], site_pages: int) -> list[str]:
    bare = results.get("bare")
    head = (f"| {'crawler':24s} | responses/s | ratio | CPU/response | peak RSS | requests/distinct URL "
            f"| requests/site page | log bytes/page | CPU busy |")
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    names = {"bare": "bare spider (ceiling)", "gne": "Scrapy + GNE", "trafilatura": "Scrapy + trafilatura",
             "sqlite": "newsarchive, SQLite", "pg": "newsarchive, PostgreSQL"}
    for kind, r in results.items():
        rate = r["responses"] / r["elapsed"]
        ratio = rate / (bare["responses"] / bare["elapsed"]) if bare else float("nan")
        log = f"{r['log_bytes'] / max(r['responses'], 1):.0f}" if kind in ("sqlite", "pg") else "-"
        lines.append(
            f"| {names[kind]:24s} | {rate:11.1f} | {ratio:5.2f} | {1000 * r['cpu'] / max(r['responses'], 1):9.1f} ms "
            f"| {r['peak_rss_mb']:5.0f} MB | {r['requests'] / max(r['distinct'], 1):21.3f} "
            f"| {r['requests'] / site_pages:17.3f} | {log:>14s} | {r['cpu'] / r['elapsed']:7.0%} |"
        )
    return lines


def verdicts(results: dict[str, dict[str, Any]], n_articles: int) -> list[str]:
    bare = results.get("bare")
    out = []
    for kind in ("sqlite", "pg"):
        r = results.get(kind)
        if r is None:
            continue
        checks = []
        if bare:
            ratio = (r["responses"] / r["elapsed"]) / (bare["responses"] / bare["elapsed"])
            if kind == "sqlite":
                checks.append((f"ratio {ratio:.2f} >= {MIN_RATIO}", ratio >= MIN_RATIO))
        per_url = r["requests"] / max(r["distinct"], 1)
        checks.append((f"requests/distinct URL {per_url:.3f} <= {MAX_REQUESTS_PER_PAGE}",
                       per_url <= MAX_REQUESTS_PER_PAGE))
        log = r["log_bytes"] / max(r["responses"], 1)
        checks.append((f"log {log:.0f} B/page < {MAX_LOG_BYTES_PER_PAGE}", log < MAX_LOG_BYTES_PER_PAGE))
        rss_note = "" if n_articles >= 5000 else f" (on {n_articles} articles; the target is for 5,000)"
        checks.append((f"peak RSS {r['peak_rss_mb']:.0f} MB < {MAX_RSS_MB}{rss_note}", r["peak_rss_mb"] < MAX_RSS_MB))
        out.append(f"{kind}: " + "; ".join(f"{text} {'MET' if ok else 'NOT MET'}" for text, ok in checks))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", default=",".join(KINDS), help="comma-separated subset of " + ",".join(KINDS))
    parser.add_argument("--pg", default="", help="a PostgreSQL URL whose database the benchmark may drop and "
                        "create (default: database bench_crawl on $ARCHIVE_TEST_PG_URL's server)")
    parser.add_argument("--worker", choices=KINDS)
    parser.add_argument("--url")
    parser.add_argument("--db", default="")
    parser.add_argument("--cpu", type=int)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        worker_main(args)
        return
    kinds = [k for k in KINDS if k in args.only.split(",")]
    available = cpus()
    server_cpu, crawler_cpu = (available[0], available[1]) if len(available) >= 2 else (None, None)
    t0 = time.monotonic()
    server, url, site_pages = start_site(args.articles, server_cpu)
    pinned = f"server on CPU {server_cpu}, crawlers on CPU {crawler_cpu}" if server_cpu is not None else "not pinned"
    print(f"site of {args.articles} articles, {site_pages} pages, served on {url} in {time.monotonic() - t0:.1f}s "
          f"({pinned}; load average {os.getloadavg()[0]:.2f})")
    results: dict[str, dict[str, Any]] = {}
    try:
        for kind in kinds:
            db = ""
            if kind == "pg":
                pg = pg_url(args.pg)
                if pg is None:
                    continue
                db = pg
            r = run(kind, url, args.concurrency, crawler_cpu, db)
            if r is not None:
                results[kind] = r
                print(f"{kind}: RESULT {json.dumps(r)}", flush=True)  # as it comes: a long run may be cut short
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("\n".join(table(results, site_pages)))
    for kind, r in results.items():
        stored = f"{r['articles_new']} articles stored" if kind in ("sqlite", "pg") else f"{r['items']} rows stored"
        print(f"  {kind}: {r['responses']} responses, {r['requests']} requests of {r['distinct']} distinct URLs "
              f"in {r['elapsed']:.1f}s, {stored}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    print("\n".join(verdicts(results, args.articles)))


if __name__ == "__main__":
    main()
