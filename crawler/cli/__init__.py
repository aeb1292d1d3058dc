"""`newsarchive`: run the demo, search, show and export the archive, extract saved pages."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from crawler.cli import articles, db, demo, extract, fixture, reextract, runs, serve, stats, stories, warc
from crawler.cli.common import DB_HELP, db_option, fail
from storage.db import ArchiveError, ArchiveMissing, db_url, masked
from storage.search import QuerySyntaxError

#: the command groups, in the order `newsarchive --help` lists them
GROUPS = (demo, articles, extract, stats, runs, stories, db, warc, reextract, fixture, serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsarchive", description=__doc__)
    parser.add_argument("--db", help=DB_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    common = db_option()
    for group in GROUPS:
        group.register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except QuerySyntaxError as exc:
        return fail(f"cannot read the search text: {exc}", 2)
    except ArchiveMissing as exc:
        return fail(f"cannot use the archive: {exc}")
    except ArchiveError as exc:
        return fail(str(exc))
    except OperationalError as exc:
        return fail(f"cannot use the archive at {masked(args.db)}: {exc.orig}")
    except ArgumentError:
        if is_url(db_url(args.db)):  # the archive URL reads: this error is not about --db
            raise
        return fail(f"--db {db_url(args.db)!r} is not an archive URL: write sqlite:///path/to/archive.db "
                    "or postgresql+psycopg://user@host/archive")
    except BrokenPipeError:  # `newsarchive export | head`
        return 0
    return code


def is_url(value: str) -> bool:
    try:
        make_url(value)
    except ArgumentError:
        return False
    return True


__all__ = ["build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
