"""`newsarchive demo`: serve the bundled demo site on 127.0.0.1, crawl it into the archive, show what was stored."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.common import local_time, print_table, reading, writing
from storage.db import db_url, masked, session_scope
from storage.query import Filters, search


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
        stats = run_crawl(url, {"site": "demo", "start_url": server.base_url + "/"}, LOOPBACK_OVERRIDES)
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
