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
        author=args.author,
        column=args.column,
        fetched_since=args.fetched_since,
        fetched_until=args.fetched_until,
        sort=getattr(args, "sort", None) or "published",
        collapse=getattr(args, "collapse", False),
    )


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", help="only this site id")
    p.add_argument("--source", help="only this 来源")
    p.add_argument("--tag", help="only articles with this tag")
    p.add_argument("--since", type=_date, help="published on or after (YYYY-MM-DD)")
    p.add_argument("--until", type=_date, help="published before (YYYY-MM-DD)")
    p.add_argument("--author", help="only articles with this author (exact name)")
    p.add_argument("--column", help="only this column/channel (栏目)")
    p.add_argument("--fetched-since", type=_date, help="fetched on or after (YYYY-MM-DD)")
    p.add_argument("--fetched-until", type=_date, help="fetched before (YYYY-MM-DD)")


def _json_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


# -- commands ----------------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from storage.query import article_json, search_page

    if args.limit < 1 or args.page < 1 or args.offset < 0:
        print("newsarchive: --limit and --page must be at least 1, --offset at least 0", file=sys.stderr)
        return 2
    offset = args.offset + (args.page - 1) * args.limit
    with session_scope(open_archive(args.db)) as session:
        result = search_page(session, _filters(args), limit=args.limit, offset=offset)
        for note in result.notes:
            print(f"newsarchive: warning: {note}", file=sys.stderr)
        rows = result.articles
        if args.json:
            for a in rows:
                print(_json_line(article_json(a)))
            return 0
        first = offset + 1 if rows else offset
        title = f"articles {first}–{offset + len(rows)} (page {args.page}, sorted by {args.sort})"
        table = Table(title=title, show_lines=False)
        for col in ("id", "title", "published", "source", "site", "url"):
            table.add_column(col, overflow="fold")
        for a in rows:
            published = a.published.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if a.published else ""
            table.add_row(str(a.id), a.title, published, a.source or "", a.site, a.url)
        Console().print(table)
        if len(rows) == args.limit:
            print(f"more: --page {args.page + 1}", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from storage.query import article_json, get_article

    with session_scope(open_archive(args.db)) as session:
        article = get_article(session, args.article)
        if article is None:
            print(f"no article {args.article!r} in {db_url(args.db)}", file=sys.stderr)
            return 1
        data = article_json(article)
        from storage.repository import story_copies, version_history

        data["copies"] = story_copies(session, article)
        data["versions"] = version_history(session, article)
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
    _print_copies_and_versions(console, data)
    return 0


def _print_copies_and_versions(console: Console, data: dict[str, Any]) -> None:
    if data.get("withdrawn_at"):
        when = data["withdrawn_at"]
        console.print(f"\n[bold red]withdrawn[/bold red] at {when} (the text above is its last good version)")
    if data.get("copies"):
        role = "the original" if data.get("is_original") else "a copy"
        console.print(f"\n[dim]story {data.get('story_id')}: this is {role}; other copies:[/dim]")
        for c in data["copies"]:
            mark = " (original)" if c["is_original"] else ""
            console.print(f"  {c['id']}  {c['published'] or ''}  {c['site']}  {c['source'] or ''}{mark}  <{c['url']}>",
                          markup=False, highlight=False)
    if len(data.get("versions") or []) > 1:
        console.print("\n[dim]versions:[/dim]")
        for v in data["versions"]:
            changed = ", ".join(v["changed"]) or "first"
            console.print(f"  v{v['version']}  {v['fetched_at']}  {v['reason']}: {changed}", markup=False)


def cmd_export(args: argparse.Namespace) -> int:
    from storage.export import write_csv, write_jsonl, write_parquet
    from storage.query import article_json, export_fields, iter_articles

    if args.format == "parquet" and not args.output:
        print("newsarchive: --format parquet needs -o PATH", file=sys.stderr)
        return 2
    with session_scope(open_archive(args.db)) as session:
        rows = (article_json(a) for a in iter_articles(session, _filters(args)))
        if args.format == "parquet":
            count = write_parquet(rows, args.output)
        else:
            encoding = "utf-8-sig" if args.format == "csv" else "utf-8"
            out = open(args.output, "w", encoding=encoding, newline="") if args.output else sys.stdout  # noqa: SIM115
            try:
                count = write_csv(rows, out, export_fields()) if args.format == "csv" else write_jsonl(rows, out)
            finally:
                if args.output:
                    out.close()
    print(f"exported {count} articles", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from storage.stats import archive_health

    with session_scope(open_archive(args.db)) as session:
        health = archive_health(session, days=args.days, runs=args.runs, site=args.site)
    if args.html:
        from storage.report import write_html

        write_html(health, args.html)
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        print(json.dumps(health.to_json(), ensure_ascii=False))
    elif not args.html:
        from storage.report import print_health

        print_health(health, Console())
    for site in health.sites:
        for warning in site.warnings:
            print(f"newsarchive: warning: {site.site}: {warning}", file=sys.stderr)
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
    """Recent crawl runs, newest first: what each fetched, stored, skipped and failed on."""
    from storage.query import recent_runs

    with session_scope(open_archive(args.db)) as session:
        runs = recent_runs(session, args.limit)
        if args.json:
            for r in runs:
                print(_json_line({
                    "id": r.id, "spider": r.spider, "site": r.site,
                    "started_at": r.started_at.isoformat(),
                    "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                    "finish_reason": r.finish_reason, "stats": r.stats or {},
                }))
            return 0
        table = Table(title="crawl runs")
        cols = ("id", "site", "mode", "started", "finished", "pages", "new", "upd", "same", "dup", "dropped")
        for col in (*cols, "problems"):
            table.add_column(col)
        for r in runs:
            s = r.stats or {}
            problems = {f"http{k}": v for k, v in (s.get("http_errors") or {}).items()}
            problems.update({k: s[k] for k in ("challenges", "soft_404", "exceptions") if s.get(k)})
            table.add_row(
                str(r.id),
                r.site,
                str(s.get("mode", "")),
                r.started_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                (r.finished_at.astimezone(CHINA).strftime("%H:%M:%S ") + (r.finish_reason or ""))
                if r.finished_at else "running/killed",
                str(s.get("pages_fetched", "")),
                str(s.get("articles_new", "")),
                str(s.get("articles_updated", "")),
                str(s.get("articles_unchanged", "")),
                str(s.get("articles_duplicate", "")),
                " ".join(f"{k}={v}" for k, v in (s.get("dropped") or {}).items()),
                " ".join(f"{k}={v}" for k, v in problems.items()),
            )
        Console().print(table)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from storage.clusters import StoryIndex

    sessions = open_archive(args.db)  # migrates to head
    with session_scope(sessions) as session:
        # articles stored before signatures existed get one, and join their story clusters
        index = StoryIndex().load(session)
    print(f"{db_url(args.db)} is at the newest schema ({len(index.signatures)} articles in the story index)")
    return 0


def cmd_warc(args: argparse.Namespace) -> int:
    from storage.warc import export_warc, import_warc

    sessions = open_archive(args.db)
    if args.action == "export":
        with session_scope(sessions) as session:
            responses, revisits = export_warc(session, Path(args.output), site=args.site, since=args.since)
        print(f"wrote {responses} responses and {revisits} revisits to {args.output}", file=sys.stderr)
        return 0
    report = import_warc(sessions, Path(args.file), site=args.site)
    print(report.summary(), file=sys.stderr)
    return 0


def cmd_reextract(args: argparse.Namespace) -> int:
    from storage.reextract import reextract

    report = reextract(open_archive(args.db), site=args.site, since=args.since)
    print(report.summary())
    return 0


def cmd_fixture(args: argparse.Namespace) -> int:
    from storage.fixtures import save_fixture

    with session_scope(open_archive(args.db)) as session:
        try:
            path = save_fixture(session, args.capture, Path(args.dir))
        except LookupError as exc:
            print(f"newsarchive: {exc} in {db_url(args.db)}", file=sys.stderr)
            return 1
    print(f"saved fixture to {path}; review {path / 'expected.json'} before committing it", file=sys.stderr)
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
    print(f"browse it: newsarchive {f'--db {args.db} ' if args.db else ''}serve    (then open http://127.0.0.1:8000/)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from crawler.web.app import serve
    except ModuleNotFoundError as exc:
        print(f"newsarchive: serve needs the web extra ({exc.name} is missing): pip install 'newsarchive[web]'",
              file=sys.stderr)
        return 1
    return serve(args.db, host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    parser.add_argument("--db", help="archive URL (default: $ARCHIVE_DB_URL or sqlite:///newsarchive.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="serve the bundled demo site on 127.0.0.1 and crawl it into the archive")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "search",
        help="find articles by words in title or body, with filters",
        description='Words are ANDed; "a phrase" must occur as written; -word excludes. Words of 1-2 characters '
        "are found by a scan (with a warning); longer ones by the trigram index.",
    )
    p.add_argument("query", nargs="?", default=None, help='e.g. 平安 "社区 建设" -广告')
    _add_filters(p)
    p.add_argument("--sort", choices=["published", "relevance"], default="published", help="default: published")
    p.add_argument("--limit", type=int, default=20, help="results per page (default 20)")
    p.add_argument("--page", type=int, default=1, help="page number, from 1")
    p.add_argument("--offset", type=int, default=0, help="skip this many results first")
    p.add_argument("--json", action="store_true", help="one JSON object per line (the export shape)")
    p.add_argument("--collapse", action="store_true", help="one row per story: syndicated copies fold into one")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", help="print one article (by id or URL) with its related links")
    p.add_argument("article")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", help="write matching articles as JSON lines, CSV or Parquet (streamed, in id order)")
    p.add_argument("query", nargs="?", default=None, help="search text, as for `search` (default: every article)")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl")
    p.add_argument("-o", "--output", help="file to write (default: stdout; required for parquet)")
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

    p = sub.add_parser("stats", help="per-site health: articles per day, field coverage, drops, HTTP errors")
    p.add_argument("--site", help="only this site id")
    p.add_argument("--days", type=int, default=28, help="days of articles per day to show (default 28)")
    p.add_argument("--runs", type=int, default=5, help="recent crawl runs per site to sum (default 5)")
    p.add_argument("--html", help="also write a self-contained HTML report with charts to this file")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("runs", help="list recent crawl runs and their counters")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="one JSON object per run, with all its counters")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("db", help="archive maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("warc", help="export captures to a WARC 1.1 file, or import one (no network)")
    warc = p.add_subparsers(dest="action", required=True)
    w = warc.add_parser("export", help="write captures as request/response/revisit records")
    w.add_argument("--site", help="only this site id")
    w.add_argument("--since", type=_date, help="fetched on or after (YYYY-MM-DD)")
    w.add_argument("-o", "--output", required=True, help="the .warc.gz file to write")
    w = warc.add_parser("import", help="load a WARC's captures and extract their articles")
    w.add_argument("file")
    w.add_argument("--site", help="site id for the captures (default: the one recorded, else the host)")
    p.set_defaults(func=cmd_warc)

    p = sub.add_parser("reextract", help="re-run the current extractors over stored captures, recording changes")
    p.add_argument("--site", help="only this site id")
    p.add_argument("--since", type=_date, help="only articles fetched on or after (YYYY-MM-DD)")
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("serve", help="browse the archive in a web browser: search, articles, stories (read-only)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free port)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("fixture", help="turn a stored capture into a test fixture")
    fx = p.add_subparsers(dest="action", required=True)
    f = fx.add_parser("save", help="write body.bin, headers.json, meta.json and expected.json to DIR")
    f.add_argument("capture", metavar="URL_OR_ID", help="a URL, an article id, or capture:N")
    f.add_argument("dir")
    p.set_defaults(func=cmd_fixture)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from sqlalchemy.exc import OperationalError

    from storage.search import QuerySyntaxError

    try:
        return args.func(args)
    except QuerySyntaxError as exc:
        print(f"newsarchive: cannot read the search text: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"newsarchive: cannot use the archive at {db_url(args.db)}: {exc.orig}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `newsarchive export | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
