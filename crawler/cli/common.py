"""What the command groups share: the --db option, date arguments, the filter options, and output formatting."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from datetime import UTC, datetime
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session, sessionmaker

from crawler.fields import READING_ZONE
from storage.db import archive_for_reading, archive_for_writing
from storage.query import Filters

T = TypeVar("T")
DB_HELP = "archive URL (default: $ARCHIVE_DB_URL or sqlite:///newsarchive.db)"


def db_option() -> argparse.ArgumentParser:
    """A parent parser that gives a subcommand `--db`, so it is accepted after the command too.

    SUPPRESS keeps a subcommand that was not given --db from overwriting the value given before the command.
    """
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", default=argparse.SUPPRESS, help=DB_HELP)
    return parent


def parse_date(value: str) -> datetime:
    """A --since/--until value: a date or datetime, read as China time unless it has an offset."""
    try:
        parsed = datetime.fromisoformat(value)
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=READING_ZONE)
        parsed.astimezone(UTC)  # the archive compares in UTC: 0001-01-01 China time is before year 1 there
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (use YYYY-MM-DD)") from exc
    except OverflowError as exc:
        raise argparse.ArgumentTypeError(f"date out of range: {value!r}") from exc
    return parsed


def add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", help="only this site id")
    p.add_argument("--source", help="only this 来源")
    p.add_argument("--tag", help="only articles with this tag")
    p.add_argument("--since", type=parse_date, help="published on or after (YYYY-MM-DD)")
    p.add_argument("--until", type=parse_date, help="published before (YYYY-MM-DD)")
    p.add_argument("--author", help="only articles with this author (exact name)")
    p.add_argument(
        "--contributor", help="only articles crediting this correspondent, intern, photographer … (exact name)"
    )
    p.add_argument("--column", help="only this column/channel (栏目)")
    p.add_argument("--fetched-since", type=parse_date, help="fetched on or after (YYYY-MM-DD)")
    p.add_argument("--fetched-until", type=parse_date, help="fetched before (YYYY-MM-DD)")


def filters(args: argparse.Namespace) -> Filters:
    return Filters(
        text=getattr(args, "query", None),
        site=args.site,
        source=args.source,
        since=args.since,
        until=args.until,
        tag=args.tag,
        author=args.author,
        contributor=args.contributor,
        column=args.column,
        fetched_since=args.fetched_since,
        fetched_until=args.fetched_until,
        sort=getattr(args, "sort", None) or "published",
        collapse=getattr(args, "collapse", False),
    )


def reading(args: argparse.Namespace) -> sessionmaker[Session]:
    """The archive a read-only command reads: it must exist at this code's schema (storage.db.ArchiveError)."""
    return archive_for_reading(args.db)


def writing(args: argparse.Namespace) -> sessionmaker[Session]:
    """The archive a command writes to: created at the newest schema when empty, refused at an older one."""
    return archive_for_writing(args.db)


def progress(label: str, total: int | None = None) -> Callable[[Iterable[T]], Iterator[T]]:
    """A wrapper for a long loop: rich's progress bar on stderr when it is a terminal; nothing (the items as they
    are) when output is piped or redirected, so scripts and cron logs stay clean."""

    def wrap(items: Iterable[T]) -> Iterator[T]:
        if not sys.stderr.isatty():
            yield from items
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(label, total=total if total is not None else len(items) if isinstance(items, Sized)
                                else None)
            for item in items:
                yield item
                bar.advance(task)

    return wrap


def fail(message: str, code: int = 1) -> int:
    """Say what went wrong in one line on stderr; returns the exit code."""
    print(f"newsarchive: {message}", file=sys.stderr)
    return code


def json_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time as researchers read it (China time), or "" when there is none."""
    return value.astimezone(READING_ZONE).strftime(fmt) if value else ""


#: control characters (ESC, BEL, CR …) in archived text: shown escaped, never sent to the terminal as they are
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(value: str) -> Text:
    """Archived text for the terminal: as text (no Rich markup: `[/b]` and `[update]` are characters), control
    characters escaped (`\x1b`)."""
    return Text(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value))


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]], *, fold: bool = True) -> None:
    """A table of archived values: every cell is printed as text (safe_text)."""
    table = Table(title=title)
    for col in columns:
        if fold:
            table.add_column(col, overflow="fold")
        else:
            table.add_column(col)
    for row in rows:
        table.add_row(*(safe_text(cell) for cell in row))
    Console().print(table)
