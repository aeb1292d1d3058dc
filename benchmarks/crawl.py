"""Crawl speed: the full product versus a bare link-following Scrapy spider, on a local 5,000-article site.

    python benchmarks/crawl.py [--articles 5000] [--concurrency 16]

A site of N articles in three templates (utf-8, gzipped GBK without an HTTP charset, a "modern" one), ten
columns of `index_N.html` list pages, ~100 links per page, is generated and served from its own process on
127.0.0.1. Each crawl runs in a fresh subprocess (Twisted's reactor cannot restart): first a bare spider
(follow every same-site link, nothing else), then `news` with extraction, pipelines and a fresh SQLite
archive, politeness lifted for loopback. Prints pages/s of both, their ratio and each crawl's peak RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import random
import resource
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("shehui", "nongye", "xxgk", "jiaoyu", "wenhua", "tiyu", "keji", "jiankang", "fazhi", "lvyou")
PER_LIST = 20
WORDS = (
    "青禾市临江区松岗镇白沙镇近日围绕老旧小区改造开展专项工作"
    "群众居民表示下一步将继续完善长效机制让获得感幸福感安全感更加充实"
)


def article_path(n: int) -> str:
    col = COLUMNS[n % len(COLUMNS)]
    return f"/{col}/2015/{(n % 12) + 1:02d}{(n % 28) + 1:02d}/{10000 + n}.html"


def _para(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(90, 160))) + "。“这件事办到了大家心坎上，”居民说。"


def build_pages(n_articles: int) -> dict[str, tuple[bytes, str, bool]]:
    """path -> (body, content type, gzip?)."""
    rng = random.Random(5)
    nav = "".join(f'<a href="/{c}/index.html">{c}</a> ' for c in COLUMNS)
    hot = "".join(f'<li><a href="{article_path(i)}">热点稿件{i}</a></li>' for i in range(n_articles - 40, n_articles))
    pages: dict[str, tuple[bytes, str, bool]] = {}
    for n in range(n_articles):
        related = "".join(
            f'<li><a href="{article_path(rng.randrange(n_articles))}">相关稿件{k}</a></li>' for k in range(45)
        )
        title = (
            f"青禾市第{n}号新闻：{rng.choice(('老旧小区改造', '夏季治安巡查', '高标准农田', '图书馆分馆'))}取得新进展"
        )
        body = "".join(f"<p>{_para(rng)}</p>" for _ in range(rng.randint(4, 8)))
        kind = n % 3
        if kind == 0:
            html = (
                f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><div class="nav">{nav}</div>'
                f'<h1>{title}</h1><div class="info">2015-07-06 10:20 来源：青禾日报</div>'
                f'<div class="content">{body}</div><ul>{related}</ul><ul>{hot}</ul></body></html>'
            )
            pages[article_path(n)] = (html.encode(), "text/html; charset=utf-8", False)
        elif kind == 1:
            html = (
                f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
                f"<title>{title}_三农</title></head><body><table><tr><td>{nav}</td></tr></table>"
                f'<div class="title"><h2>{title}</h2></div><div class="info">时间：2015-07-06 10:20 来源：青禾晚报 '
                f'作者：王喆</div><div id="article">{body}</div><ul>{related}</ul><ul>{hot}</ul></body></html>'
            )
            pages[article_path(n)] = (html.encode("gb18030"), "text/html", True)
        else:
            html = (
                f'<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>{title}</title>'
                f'<meta property="article:published_time" content="2015-07-06T10:20:00+08:00"></head><body>'
                f"<header>{nav}</header><article><h1>{title}</h1><time>2015年07月06日 10:20</time>{body}"
                f"</article><aside><ul>{related}</ul><ul>{hot}</ul></aside></body></html>"
            )
            pages[article_path(n)] = (html.encode(), "text/html; charset=utf-8", False)
    for ci, col in enumerate(COLUMNS):
        mine = [n for n in range(n_articles) if n % len(COLUMNS) == ci][::-1]
        total = -(-len(mine) // PER_LIST)
        for p in range(1, total + 1):
            items = "".join(
                f'<li><a href="{article_path(n)}">青禾市第{n}号新闻</a><span>2015-07-06</span></li>'
                for n in mine[(p - 1) * PER_LIST : p * PER_LIST]
            )
            pager = " ".join(f'<a href="{_list(col, k)}">{k}</a>' for k in range(max(1, p - 5), min(total, p + 5) + 1))
            nxt = f'<a href="{_list(col, p + 1)}">下一页</a>' if p < total else ""
            html = (
                f"<html><head><title>{col}</title></head><body><div>{nav}</div><ul>{items}</ul>"
                f"<div class='page'>{pager} {nxt}</div><ul>{hot}</ul></body></html>"
            )
            pages[_list(col, p)] = (html.encode(), "text/html; charset=utf-8", False)
    home = "".join(f'<li><a href="{_list(c, 1)}">{c}</a></li>' for c in COLUMNS)
    pages["/"] = (
        f"<html><body><div>{nav}</div><ul>{home}</ul><ul>{hot}</ul></body></html>".encode(),
        "text/html; charset=utf-8",
        False,
    )
    pages["/robots.txt"] = (b"User-agent: *\nDisallow:\n", "text/plain", False)
    return pages


def _list(col: str, p: int) -> str:
    return f"/{col}/index.html" if p == 1 else f"/{col}/index_{p}.html"


def serve(n_articles: int, port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    pages = {p: (gzip.compress(b, 1) if gz else b, ctype, gz) for p, (b, ctype, gz) in build_pages(n_articles).items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            page = pages.get(self.path)
            if page is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, ctype, gz = page
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            if gz:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


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
    ports: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=serve, args=(args.articles, ports), daemon=True)
    t0 = time.monotonic()
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=300)}"
    print(f"site of {args.articles} articles generated and served on {url} in {time.monotonic() - t0:.1f}s")
    try:
        bare = run("bare", url, args.concurrency)
        with tempfile.TemporaryDirectory() as tmp:
            full = run("product", url, args.concurrency, str(Path(tmp) / "bench.db"))
    finally:
        server.terminate()
    for name, r in (("bare spider", bare), ("full product", full)):
        print(
            f"{name:13s} {r['pages']:6d} pages in {r['elapsed']:6.1f}s = {r['pages_per_s']:6.1f} pages/s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB"
            + (f", {r['articles_new']} articles stored" if r["articles_new"] else "")
        )
    print(f"ratio full/bare: {full['pages_per_s'] / bare['pages_per_s']:.0%} (target >= 60%, peak RSS < 300 MB)")


if __name__ == "__main__":
    main()
