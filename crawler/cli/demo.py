"""`newsarchive demo`: serve the bundled demo site on 127.0.0.1, crawl it into the archive, show what was stored."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crawler.cli.common import local_time, print_table, reading, writing
from storage.db import db_url, masked, session_scope
from storage.query import Filters, search

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo", parents=[common], help="serve the bundled demo site on 127.0.0.1 and crawl it into the archive"
    )
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.crawl import LOOPBACK_OVERRIDES, run_crawl  # Scrapy and the demo site load only for this command
    from crawler.demo.server import serve_site

    url = db_url(args.db)
    writing(args)  # an empty archive gets its schema now; an old one stops the demo before anything runs
    with serve_site() as server:
        print(f"serving the demo news site on {server.base_url}/ ; crawling it into {masked(url)}")
        with crawl_progress() as watch:
            stats = run_crawl(url, {"site": "demo", "start_url": server.base_url + "/"}, LOOPBACK_OVERRIDES, watch)
    with session_scope(reading(args)) as session:
        rows = search(session, Filters(site="demo"), limit=1000)
        print_table(
            f"demo archive: {len(rows)} articles in {masked(url)}",
            ("id", "published", "title", "source", "author"),
            ((str(a.id), local_time(a.published), a.title, a.source or "", ", ".join(a.author or [])) for a in rows),
        )
    new = stats.get("articles/new", 0)
    dropped = {k: v for k, v in stats.items() if k.startswith("dropped/")}
    print(f"this run: {stats.get('response_received_count', 0)} pages fetched, {new} new articles, dropped {dropped}")
    print("next: newsarchive search 平安 ; newsarchive show 1 ; newsarchive export --format jsonl -o demo.jsonl")
    print(f"browse it: newsarchive {f'--db {masked(args.db)} ' if args.db else ''}serve    (then open http://127.0.0.1:8000/)")
    return 0



class CrawlCounter:
    """Pages fetched and articles stored so far, counted from the crawler's signals, as one status line."""

    def __init__(self, show: Callable[[str], None]) -> None:
        self.pages = self.articles = 0
        self.show = show

    def line(self) -> str:
        return f"crawling the demo site: {self.pages} pages, {self.articles} articles stored"

    def watch(self, crawler: Crawler) -> None:
        from scrapy import signals

        crawler.signals.connect(self._page, signal=signals.response_received)
        crawler.signals.connect(self._article, signal=signals.item_scraped)

    def _page(self, **_kwargs: Any) -> None:
        self.pages += 1
        self.show(self.line())

    def _article(self, **_kwargs: Any) -> None:
        self.articles += 1
        self.show(self.line())


@contextmanager
def crawl_progress() -> Iterator[Callable[[Crawler], None] | None]:
    """A live line of pages fetched and articles stored while the demo crawls, on a terminal only (rich's status
    line on stderr); piped or redirected output gets nothing, so scripts and logs stay clean."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status("crawling the demo site …") as status:
        yield CrawlCounter(status.update).watch
