"""`newsarchive search`, `show` and `export`: find articles, print one, write many."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console
from rich.text import Text

from crawler.cli.common import (
    add_filters,
    fail,
    filters,
    json_line,
    local_time,
    print_table,
    progress,
    reading,
    safe_text,
)
from crawler.cli.stories import print_graph
from crawler.fields import SHOWN, as_text
from storage.clusters import graph_json, reprint_graph
from storage.db import ArchiveMissing, masked, session_scope
from storage.export import FORMATS, write_csv, write_jsonl, write_parquet
from storage.query import (
    SORTS,
    article_json,
    export_fields,
    get_article,
    iter_articles,
    search_page,
    story_copies,
    version_history,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "search",
        parents=[common],
        help="find articles by words in title or body, with filters",
        description='Words are ANDed; "a phrase" (or “a phrase”) must occur as written; -word excludes. Words of '
        "1-2 characters are found by a scan (with a warning); longer ones by the trigram index. At most 32 terms.",
    )
    p.add_argument("query", nargs="?", default=None, help='e.g. 平安 "社区 建设" -广告')
    add_filters(p)
    p.add_argument("--sort", choices=SORTS, default="published", help="default: published")
    p.add_argument("--limit", type=int, default=20, help="results per page (default 20)")
    p.add_argument("--page", type=int, default=1, help="page number, from 1")
    p.add_argument("--offset", type=int, default=0, help="skip this many results first")
    p.add_argument("--json", action="store_true", help="one JSON object per line (the export shape)")
    p.add_argument("--collapse", action="store_true", help="one row per story: syndicated copies fold into one")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", parents=[common], help="print one article (by id or URL) with its related links")
    p.add_argument("article")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "export",
        parents=[common],
        help="write matching articles as JSON lines, CSV or Parquet (streamed, in id order)",
    )
    p.add_argument("query", nargs="?", default=None, help="search text, as for `search` (default: every article)")
    p.add_argument("--format", choices=FORMATS, default="jsonl")
    p.add_argument("-o", "--output", help="file to write (default: stdout; required for parquet)")
    add_filters(p)
    p.set_defaults(func=cmd_export)


def cmd_search(args: argparse.Namespace) -> int:
    if args.limit < 1 or args.page < 1 or args.offset < 0:
        return fail("--limit and --page must be at least 1, --offset at least 0", 2)
    offset = args.offset + (args.page - 1) * args.limit
    with session_scope(reading(args)) as session:
        result = search_page(session, filters(args), limit=args.limit, offset=offset)
        for note in result.notes:
            print(f"newsarchive: warning: {note}", file=sys.stderr)
        rows = result.articles
        if args.json:
            for a in rows:
                print(json_line(article_json(a)))
            return 0
        if not rows:
            print(f"no matches{' on page ' + str(args.page) if offset else ''}", file=sys.stderr)
            return 0
        first = offset + 1
        print_table(
            f"articles {first}–{offset + len(rows)} (page {args.page}, sorted by {args.sort})",
            ("id", "title", "published", "source", "site", "url"),
            ((str(a.id), a.title, local_time(a.published), a.source or "", a.site, a.url) for a in rows),
        )
        if len(rows) == args.limit:
            print(f"more: --page {args.page + 1}", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    try:
        sessions = reading(args)
    except ArchiveMissing as exc:
        return fail(f"no article {args.article!r}: {exc}")
    with session_scope(sessions) as session:
        article = get_article(session, args.article)
        if article is None:
            print(f"no article {args.article!r} in {masked(args.db)}", file=sys.stderr)
            return 1
        data = article_json(article)
        data["copies"] = story_copies(session, article)
        data["versions"] = version_history(session, article)
        data["reprints"] = (
            graph_json(reprint_graph(session, article.story_id)) if data["copies"] and article.story_id else []
        )
    if args.json:
        print(json_line(data))
        return 0
    console = Console(highlight=False)
    console.print(safe_text(data["title"] or ""), style="bold")
    for field in SHOWN:
        value = data[field.name]
        if value not in ("", None, [], False, "clean"):  # a flag is shown only when raised
            console.print(Text(f"{field.name}: ", style="dim") + safe_text(as_text(field, value, ", ")))
    console.print()
    console.print(safe_text(data["body"] or ""))
    if data["tags"]:
        console.print(Text("\ntags: ", style="dim") + safe_text(" ".join(data["tags"])))
    for link in data["links"]:
        console.print(Text(f"{link['kind']}: ", style="dim") + safe_text(f"{link['text']} <{link['url']}>"))
    _print_copies_and_versions(console, data)
    if data["reprints"]:
        console.print("\n[dim]reprint graph (who copied whom):[/dim]")
        print_graph(console, data["reprints"])
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
            console.print(
                safe_text(f"  {c['id']}  {c['published'] or ''}  {c['site']}  {c['source'] or ''}{mark}  <{c['url']}>")
            )
    if len(data.get("versions") or []) > 1:
        console.print("\n[dim]versions:[/dim]")
        for v in data["versions"]:
            changed = ", ".join(v["changed"]) or "first"
            console.print(safe_text(f"  v{v['version']}  {v['fetched_at']}  {v['reason']}: {changed}"))


def cmd_export(args: argparse.Namespace) -> int:
    if args.format == "parquet" and not args.output:
        return fail("--format parquet needs -o PATH", 2)
    with session_scope(reading(args)) as session:
        rows = (article_json(a) for a in progress("exporting")(iter_articles(session, filters(args))))
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
