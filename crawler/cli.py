"""`newsarchive`: run the demo, search, show and export the archive, extract saved pages."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from storage.db import db_url, session_scope
from storage.db import shared_archive as open_archive

CHINA = ZoneInfo("Asia/Shanghai")


def _date(value: str) -> datetime:
    """A --since/--until value: a date or datetime, read as China time unless it has an offset."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


def _filters(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from storage.query import Filters

    return Filters(
        text=getattr(args, "query", None),
        site=args.site,
        source=args.source,
        since=args.since,
        until=args.until,
        tag=args.tag,
    )


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", help="only this site id")
    p.add_argument("--source", help="only this 来源")
    p.add_argument("--tag", help="only articles with this tag")
    p.add_argument("--since", type=_date, help="published on or after (YYYY-MM-DD)")
    p.add_argument("--until", type=_date, help="published before (YYYY-MM-DD)")


def _json_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


# -- commands ----------------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from storage.query import article_json, search

    with session_scope(open_archive(args.db)) as session:
        rows = search(session, _filters(args), limit=args.limit, offset=args.offset)
        if args.json:
            for a in rows:
                print(_json_line(article_json(a)))
            return 0
        table = Table(title=f"{len(rows)} articles", show_lines=False)
        for col in ("id", "title", "published", "source", "site", "url"):
            table.add_column(col, overflow="fold")
        for a in rows:
            published = a.published.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if a.published else ""
            table.add_row(str(a.id), a.title, published, a.source or "", a.site, a.url)
        Console().print(table)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from storage.query import article_json, get_article

    with session_scope(open_archive(args.db)) as session:
        article = get_article(session, args.article)
        if article is None:
            print(f"no article {args.article!r} in {db_url(args.db)}", file=sys.stderr)
            return 1
        data = article_json(article)
    if args.json:
        print(_json_line(data))
        return 0
    console = Console()
    console.print(f"[bold]{data['title']}[/bold]")
    for key in ("subtitle", "published", "source", "author", "editor", "column", "site", "url", "fetched_at"):
        value = data[key]
        if value not in ("", None, []):
            console.print(f"[dim]{key}:[/dim] {', '.join(value) if isinstance(value, list) else value}")
    console.print()
    console.print(data["body"], markup=False)
    if data["tags"]:
        console.print(f"\n[dim]tags:[/dim] {' '.join(data['tags'])}")
    for link in data["links"]:
        console.print(f"[dim]{link['kind']}:[/dim] {link['text']} <{link['url']}>", markup=True, highlight=False)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from storage.query import article_json, iter_articles

    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    count = 0
    try:
        with session_scope(open_archive(args.db)) as session:
            for article in iter_articles(session, _filters(args)):
                out.write(_json_line(article_json(article)) + "\n")
                count += 1
    finally:
        if args.output:
            out.close()
    print(f"exported {count} articles", file=sys.stderr)
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract import extract_article
    from crawler.extract.encoding import decode_html

    if args.manifest:
        from crawler.extract.manifest import predict_manifest

        if not args.out:
            print("--manifest needs --out PREDS.jsonl", file=sys.stderr)
            return 2
        n = predict_manifest(Path(args.manifest), Path(args.out))
        print(f"wrote {n} predictions to {args.out}", file=sys.stderr)
        return 0
    if not args.page:
        print("give a saved page (PAGE.html --url URL) or --manifest MANIFEST.jsonl --out PREDS.jsonl", file=sys.stderr)
        return 2
    raw = Path(args.page).read_bytes()
    html, _enc = decode_html(raw, args.charset)
    fetched_at = args.fetched_at or datetime.now(UTC)
    extracted = extract_article(html, args.url or Path(args.page).resolve().as_uri(), fetched_at)
    print(json.dumps(extracted.to_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from storage.query import recent_runs

    with session_scope(open_archive(args.db)) as session:
        runs = recent_runs(session, args.limit)
        table = Table(title="crawl runs")
        for col in ("id", "site", "started", "finished", "reason", "pages", "new", "dup", "dropped", "http errors"):
            table.add_column(col)
        for r in runs:
            s = r.stats or {}
            table.add_row(
                str(r.id),
                r.site,
                r.started_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                r.finished_at.astimezone(CHINA).strftime("%H:%M:%S") if r.finished_at else "running/killed",
                r.finish_reason or "",
                str(s.get("pages_fetched", "")),
                str(s.get("articles_new", "")),
                str(s.get("articles_duplicate", "")),
                " ".join(f"{k}={v}" for k, v in (s.get("dropped") or {}).items()),
                " ".join(f"{k}={v}" for k, v in (s.get("http_errors") or {}).items()),
            )
        Console().print(table)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    open_archive(args.db)  # migrates to head
    print(f"{db_url(args.db)} is at the newest schema")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.crawl import LOOPBACK_OVERRIDES, run_crawl
    from crawler.demo.server import serve_site

    url = db_url(args.db)
    with serve_site() as server:
        print(f"serving the demo news site on {server.base_url}/ ; crawling it into {url}")
        stats = run_crawl(url, {"site": "demo", "start_url": server.base_url + "/"}, LOOPBACK_OVERRIDES)
    from storage.query import Filters, search

    with session_scope(open_archive(url)) as session:
        rows = search(session, Filters(site="demo"), limit=1000)
        table = Table(title=f"demo archive: {len(rows)} articles in {url}")
        for col in ("id", "published", "title", "source", "author"):
            table.add_column(col, overflow="fold")
        for a in rows:
            published = a.published.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if a.published else ""
            table.add_row(str(a.id), published, a.title, a.source or "", ", ".join(a.author or []))
        Console().print(table)
    new = stats.get("articles/new", 0)
    dropped = {k: v for k, v in stats.items() if k.startswith("dropped/")}
    print(f"this run: {stats.get('response_received_count', 0)} pages fetched, {new} new articles, dropped {dropped}")
    print('next: newsarchive search 平安 ; newsarchive show 1 ; newsarchive export --format jsonl -o demo.jsonl')
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    parser.add_argument("--db", help="archive URL (default: $ARCHIVE_DB_URL or sqlite:///newsarchive.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="serve the bundled demo site on 127.0.0.1 and crawl it into the archive")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("search", help="find articles by words in title or body, with filters")
    p.add_argument("query", nargs="?", default=None)
    _add_filters(p)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--json", action="store_true", help="one JSON object per line (the export shape)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", help="print one article (by id or URL) with its related links")
    p.add_argument("article")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", help="write articles as JSON lines")
    p.add_argument("--format", choices=["jsonl"], default="jsonl")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    _add_filters(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("extract", help="extract one saved page, or every page of an evaluation manifest")
    p.add_argument("page", nargs="?")
    p.add_argument("--url", help="the page's URL (resolves links, dates in URLs)")
    p.add_argument("--charset", help="the charset the HTTP header declared, if known")
    p.add_argument("--fetched-at", type=_date, help="when the page was fetched (resolves 昨天, 3小时前); default now")
    p.add_argument("--manifest", help="manifest JSONL (id, html_path relative to it, url)")
    p.add_argument("--out", help="predictions JSONL to write with --manifest")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("runs", help="list recent crawl runs and their counters")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("db", help="archive maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import OperationalError

    try:
        return args.func(args)
    except OperationalError as exc:
        print(f"newsarchive: cannot use the archive at {db_url(args.db)}: {exc.orig}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `newsarchive export | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
