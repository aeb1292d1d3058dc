"""`newsarchive stories list|show|export|rebuild`: the copies of one story and who reprinted whom."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console

from crawler.cli.common import fail, json_line, reading, writing
from crawler.fields import BY_NAME, iso_time
from storage.clusters import graph_json, rebuild_stories, reprint_graph, story_rows
from storage.db import masked, session_scope
from storage.models import Story
from storage.query import get_article


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("stories", parents=[common], help="syndicated stories: list, show, export, rebuild")
    st = p.add_subparsers(dest="action", required=True)
    s = st.add_parser("list", parents=[common], help="stories, largest first")
    s.add_argument("--site", help="only stories with a copy on this site")
    s.add_argument("--min-size", type=int, default=2, help="only stories of at least this many copies (default 2)")
    s.add_argument("--json", action="store_true", help="one JSON object per line")
    s = st.add_parser("show", parents=[common], help="a story's reprint graph: who copied whom, when, what edits")
    s.add_argument("ref", metavar="STORY_OR_ARTICLE", help="story:N, or any copy's article id or URL")
    s.add_argument("--json", action="store_true")
    s = st.add_parser("export", parents=[common], help="every story of 2+ copies with its graph, as JSON lines")
    s.add_argument("-o", "--output", help="file to write (default: stdout)")
    st.add_parser("rebuild", parents=[common], help="compute every story again from the archive")
    p.set_defaults(func=cmd_stories)


def _story_id(session: Any, ref: str) -> int | None:
    if ref.startswith("story:"):
        number = ref.removeprefix("story:")
        return int(number) if number.isdigit() and session.get(Story, int(number)) is not None else None
    article = get_article(session, ref)
    return article.story_id if article is not None else None


def print_graph(console: Console, graph: list[dict[str, Any]]) -> None:
    """The reprint graph as lines: each copy, the copy it copies, how much later, and its edits."""
    for entry in graph:
        when, source = entry["published"] or "", entry["source"] or ""
        head = f"  {entry['id']}  {when}  {entry['site']}  {source}  <{entry['url']}>"
        console.print(head, markup=False, highlight=False)
        if entry["copied_from"] is None:
            console.print("      the original (earliest published)", markup=False)
            continue
        e = entry["edits"]
        delay = f", {e['delay_seconds'] / 3600:.1f} h later" if e["delay_seconds"] is not None else ""
        parts = [f"changed {', '.join(e['fields'])}"] if e["fields"] else []
        parts += [f"removed {len(e['removed'])} paragraph(s)"] if e["removed"] else []
        parts += [f"added {len(e['added'])} paragraph(s)"] if e["added"] else []
        console.print(f"      copies {entry['copied_from']}{delay}: {'; '.join(parts) or 'unchanged text'}",
                      markup=False)


def cmd_stories(args: argparse.Namespace) -> int:
    if args.action == "rebuild":
        with session_scope(writing(args)) as session:
            report = rebuild_stories(session)
        print(f"{report.stories} stories of {report.articles} articles ({report.syndicated} with copies) "
              f"in {masked(args.db)}", file=sys.stderr)
        return 0
    with session_scope(reading(args)) as session:
        if args.action == "list":
            return _list(session, args)
        if args.action == "show":
            story_id = _story_id(session, args.ref)
            if story_id is None:
                return fail(f"no story for {args.ref!r} in {masked(args.db)}")
            graph = graph_json(reprint_graph(session, story_id))
            if args.json:
                print(json_line({"story_id": story_id, "copies": graph}))
            else:
                console = Console()
                console.print(f"[bold]story {story_id}[/bold]: {len(graph)} copies")
                print_graph(console, graph)
            return 0
        out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
        try:
            count = 0
            for row in story_rows(session, min_size=2):
                graph = graph_json(reprint_graph(session, row["story_id"]))
                out.write(json_line({**_row_json(row), "copies": graph}) + "\n")
                count += 1
        finally:
            if args.output:
                out.close()
        print(f"exported {count} stories", file=sys.stderr)
        return 0


def _row_json(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "published": iso_time(row["published"], BY_NAME["published"].zone)}


def _list(session: Any, args: argparse.Namespace) -> int:
    rows = story_rows(session, site=args.site, min_size=args.min_size)
    for row in rows:
        data = _row_json(row)
        if args.json:
            print(json_line(data))
        else:
            print(f"story:{data['story_id']}\t{data['size']}\t{','.join(data['sites'])}\t"
                  f"{data['published'] or ''}\t{data['title']}")
    if not args.json:
        print(f"{len(rows)} stories", file=sys.stderr)
    return 0
